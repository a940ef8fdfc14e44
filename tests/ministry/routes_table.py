"""Expected status codes for the ministry's statistics: ministry officials and the admin see
them (page and downloads); every other role is forbidden, anonymous goes to the login page."""

from tests.factories import ROLES

ANON = "anonymous"


def ministry_and_admin(ok: int = 200) -> dict:
    return {ANON: 302, **{r: (ok if r in ("ministry", "admin") else 403) for r in ROLES}}


MINISTRY_ROUTES = {
    "ministry.statistics_page": ("GET", "/ministry/statistics", ministry_and_admin()),
    "ministry.statistics_download": ("GET", "/ministry/statistics/stati.csv",
                                     ministry_and_admin()),
}
