"""Every route × every role (and anonymous) gets what it should.

The table must name every registered endpoint, so a new route cannot ship without its
permission test.
"""

import pytest

from tests.factories import ROLES

ANON = "anonymous"
ALL = [ANON, *ROLES]

PUBLIC = dict.fromkeys(ALL, 200)


def only(*roles, anonymous=302, others=403, ok=200):
    """Expected codes: `ok` for the given roles, 403 for other roles, login redirect for anon."""
    return {ANON: anonymous, **{r: (ok if r in roles else others) for r in ROLES}}


LOGGED_IN = only(*ROLES)

# endpoint: (method, path template, expected codes by who)
ROUTES = {
    "core.home": ("GET", "/", PUBLIC),
    "core.healthz": ("GET", "/healthz", PUBLIC),
    "core.set_language": ("GET", "/lang/en", dict.fromkeys(ALL, 302)),
    "core.dashboard": ("GET", "/dashboard", LOGGED_IN),
    "accounts.login": ("GET", "/account/login", {ANON: 200, **dict.fromkeys(ROLES, 302)}),
    "accounts.logout": ("POST", "/account/logout", only(*ROLES, ok=302)),
    "accounts.change_password": ("GET", "/account/password", LOGGED_IN),
    "accounts.account": ("GET", "/account", LOGGED_IN),
    # sessions of other people (or none) are not found; anonymous goes to the login page
    "accounts.revoke_session": ("POST", "/account/sessions/999999/revoke",
                                only(*ROLES, ok=404)),
    "accounts.revoke_other_sessions": ("POST", "/account/sessions/revoke-others",
                                       only(*ROLES, ok=302)),
    # the second step of a login: without a correct password first, back to the login page
    "accounts.second_factor_step": ("GET", "/account/login/code", dict.fromkeys(ALL, 302)),
    # nobody in the table has a second factor yet: everyone logged in may enrol one
    "accounts.enrol_second_factor": ("GET", "/account/two-factor/enrol", LOGGED_IN),
    "accounts.new_recovery_codes": ("POST", "/account/two-factor/recovery-codes",
                                    only(*ROLES, ok=302)),
    "accounts.disable_second_factor": ("POST", "/account/two-factor/disable",
                                       only(*ROLES, ok=302)),
    "accounts.request_reset": ("GET", "/account/reset", PUBLIC),
    "accounts.reset_password": ("GET", "/account/reset/bad-token", dict.fromkeys(ALL, 302)),
    "accounts.signup": ("GET", "/account/signup", PUBLIC),
    "accounts.confirm_email": ("GET", "/account/confirm/bad-token", dict.fromkeys(ALL, 302)),
    "accounts.resend_confirmation": ("GET", "/account/confirm/resend", PUBLIC),
    "admin.users": ("GET", "/admin/users", only("admin")),
    "admin.create_user": ("GET", "/admin/users/new", only("admin")),
    "admin.edit_user": ("GET", "/admin/users/{auditor}", only("admin")),
    "admin.reset_second_factor": ("POST", "/admin/users/{auditor}/second-factor/reset",
                                  only("admin", ok=302)),
}


# Each feature keeps its own table beside its tests.
from tests.applications.routes_table import APPLICATION_ROUTES  # noqa: E402
from tests.assessments.routes_table import CALIBRATION_ROUTES  # noqa: E402
from tests.complaints.routes_table import COMPLAINT_ROUTES  # noqa: E402
from tests.firms.delocalisation_routes import DELOCALISATION_ROUTES  # noqa: E402
from tests.firms.routes_table import FIRM_ROUTES  # noqa: E402
from tests.ministry.routes_table import MINISTRY_ROUTES  # noqa: E402
from tests.opendata.routes_table import OPENDATA_ROUTES  # noqa: E402
from tests.watching.routes_table import WATCHING_ROUTES  # noqa: E402

ROUTES.update(FIRM_ROUTES)
ROUTES.update(APPLICATION_ROUTES)
ROUTES.update(WATCHING_ROUTES)
ROUTES.update(DELOCALISATION_ROUTES)
ROUTES.update(CALIBRATION_ROUTES)
ROUTES.update(COMPLAINT_ROUTES)
ROUTES.update(OPENDATA_ROUTES)
ROUTES.update(MINISTRY_ROUTES)


def test_every_endpoint_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    missing = endpoints - set(ROUTES)
    assert not missing, f"routes without a permission test: {sorted(missing)}"


@pytest.mark.parametrize("who", ALL)
def test_route_permissions(app, client, users, login, route_objects, who):
    if who != ANON:
        login(users[who])
    failures = []
    for endpoint, (method, template, expected) in ROUTES.items():
        path = template.format(**users, **route_objects)
        response = client.open(path, method=method)
        if response.status_code != expected[who]:
            failures.append(f"{method} {path}: {response.status_code}, expected {expected[who]}")
        # A page only some people may see is never kept by a browser or a proxy.
        private = expected[ANON] != 200
        if private and response.status_code == 200 and \
                "no-store" not in response.headers.get("Cache-Control", ""):
            failures.append(f"{method} {path}: private page without Cache-Control: no-store")
        if method == "POST" and endpoint == "accounts.logout" and who != ANON:
            login(users[who])
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/account/login?next=" in response.headers["Location"]
