"""Flask extensions, created unbound so that any module can import them without a cycle.

`create_app` binds each of them to the application.
"""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from registry.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared on the routes that need them (login, password reset, the public API);
# storage and switches come from the app config (RATELIMIT_*).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
