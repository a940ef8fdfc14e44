"""The application factory: configuration, extensions, blueprints, nothing else.

Feature modules are imported inside the functions below, not at the top: the factory is the
one place that wires every feature, and `create_app` must stay importable without them.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from registry.config import load_config
from registry.extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the registry application. Touches no database and no network."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_config(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_handlers(app)
    register_labels(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from registry.db import include_in_autogenerate
    from registry.i18n import register_i18n
    from registry.inputs import init_app as register_input_guards

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"),
                     render_as_batch=True, compare_type=True,
                     include_object=include_in_autogenerate)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Accedi per vedere questa pagina.")
    login_manager.login_message_category = "info"
    register_i18n(app)
    register_storage(app)
    register_input_guards(app)  # before the blueprints: it replaces the `int` converter

    from registry.accounts.sessions import load_session_user, touch_after_request
    from registry.security import trust_proxies

    login_manager.user_loader(load_session_user)
    app.after_request(touch_after_request)
    trust_proxies(app)
    import registry.models  # noqa: F401 - every model must be known to Alembic and the mapper


def register_storage(app: Flask) -> None:
    """The store for evidence, issued PDFs and keys; boto3 is imported only when used."""
    from registry import storage

    if app.config["STORAGE_BACKEND"] == "s3":
        from registry.storage.s3 import S3Store

        storage.install(app, S3Store.from_app(app))
    else:
        storage.install(app, storage.LocalStore.from_app(app))


def register_blueprints(app: Flask) -> None:
    from registry.accounts.views import bp as accounts_bp
    from registry.admin.views import bp as admin_bp
    from registry.applications.views import bp as applications_bp
    from registry.assessments import assignments
    from registry.assessments import views as assessments_views
    from registry.certificates.views import bp as certificates_bp
    from registry.complaints.views import bp as complaints_bp
    from registry.core.views import bp as core_bp
    from registry.decisions import views as decisions_views
    from registry.firms.views import bp as firms_bp
    from registry.ministry.views import bp as ministry_bp
    from registry.opendata.views import bp as opendata_bp
    from registry.public import register_cache, register_stamp, verify_cache
    from registry.public.checks import bp as checks_bp
    from registry.public.phone_views import bp as phone_bp
    from registry.public.views import bp as public_bp
    from registry.watching import outbox
    from registry.watching.views import bp as watching_bp

    for blueprint in (core_bp, accounts_bp, admin_bp, firms_bp, applications_bp,
                      assessments_views.bp, decisions_views.bp, public_bp, certificates_bp,
                      ministry_bp, checks_bp, watching_bp, phone_bp, complaints_bp,
                      opendata_bp):
        app.register_blueprint(blueprint)
    from registry.assessments.calibration_views import bp as calibration_bp

    app.register_blueprint(calibration_bp)  # auditor calibration and blind second scorings
    # Later stages register into earlier ones (dependencies point one way).
    assignments.init_app(app)
    assessments_views.init_app(app)  # the audit report, before the decision, on the page
    decisions_views.init_app(app)
    verify_cache.init_app(app)
    register_stamp.init_app(app)  # the register's kept counts
    register_cache.init_app(app)  # the register's kept pages
    outbox.init_app(app)  # certificate events become outbox rows (webhooks, emails)


def register_handlers(app: Flask) -> None:
    from registry.certificates.revisions import register_revisions
    from registry.errors import register_error_handlers
    from registry.layout import register_layout
    from registry.navigation import register_navigation
    from registry.security import register_security_headers

    register_error_handlers(app)
    register_security_headers(app)
    register_navigation(app)
    register_layout(app)  # the layout's kept parts and the menu's links (nav_links)
    register_revisions(app)


def register_labels(app: Flask) -> None:
    """The words for stored codes, for every template: one label function per enum."""
    from registry.accounts.forms import ROLE_LABELS
    from registry.applications.labels import kind_label, state_label
    from registry.assessments.explain import explain
    from registry.assessments.labels import (
        assessment_state_label,
        audit_type_label,
        auditor_role_label,
        finding_label,
        finding_status_label,
    )
    from registry.certificates.labels import (
        level_label,
        level_option,
        level_stars,
        level_words,
        status_label,
        verdict_label,
    )
    from registry.decisions.labels import appeal_outcome_label, outcome_label
    from registry.firms.labels import change_kind_label, change_label
    from registry.watching.labels import delivery_label, digest_label

    app.jinja_env.globals.update(
        state_label=state_label, kind_label=kind_label,
        assessment_state_label=assessment_state_label, audit_type_label=audit_type_label,
        auditor_role_label=auditor_role_label, finding_label=finding_label,
        finding_status_label=finding_status_label,
        level_label=level_label, level_stars=level_stars, level_words=level_words,
        level_option=level_option, status_label=status_label, verdict_label=verdict_label,
        outcome_label=outcome_label, appeal_outcome_label=appeal_outcome_label,
        change_label=change_label, change_kind_label=change_kind_label,
        delivery_label=delivery_label, digest_label=digest_label, explain=explain,
        role_label=lambda role: str(ROLE_LABELS[role]))
    register_badge_snippet(app)
    app.jinja_env.globals["max_upload_mb"] = lambda: int(current_app.config["MAX_UPLOAD_MB"])


def register_badge_snippet(app: Flask) -> None:
    """The firm's area shows the HTML of its live badge (drawn by the public register)."""
    from registry.public.badge import snippet

    app.jinja_env.globals.update(badge_snippet=snippet)


def register_commands(app: Flask) -> None:
    from registry.cli import register_cli

    register_cli(app)
