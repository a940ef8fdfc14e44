"""Expected status codes for the art. 24-bis delocalisation routes (tests/test_permissions.py).

The firm's own page is for applicants: the `users` applicant has no firm and is sent to
create one (302). Notices and firms that do not exist, or belong to another firm, are not
found (404) for everyone who may look: staff and applicants. The ministry's list and its
exports are for the ministry only.
"""

from tests.factories import ROLES

ANON = "anonymous"
STAFF = ("officer", "ministry", "admin")


def codes(**ok) -> dict:
    """Anonymous → login page; the named roles → their code; everyone else → 403."""
    return {ANON: 302, **{role: ok.get(role, 403) for role in ROLES}}


DELOCALISATION_ROUTES = {
    "firms.delocalisation": ("GET", "/firm/delocalisation", codes(applicant=302)),
    "firms.record_notice": ("POST", "/firm/delocalisation", codes(applicant=302)),
    "firms.withdraw_notice": ("POST", "/firm/delocalisation/999999/withdraw",
                              codes(applicant=302)),
    "firms.notice_document": ("GET", "/firm/delocalisation/notices/999999/document",
                              codes(applicant=404, **dict.fromkeys(STAFF, 404))),
    "firms.firm_delocalisation": ("GET", "/firm/delocalisation/firms/999999",
                                  codes(**dict.fromkeys(STAFF, 404))),
    "ministry.delocalisation": ("GET", "/ministry/delocalisation", codes(ministry=200)),
    "ministry.delocalisation_export": ("GET", "/ministry/delocalisation/export.csv",
                                       codes(ministry=200)),
}
