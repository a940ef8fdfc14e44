"""Expected status codes for the open-data routes (public) and the staff list exports."""

from tests.factories import ROLES

ANON = "anonymous"
ALL = [ANON, *ROLES]

OPENDATA_ROUTES = {
    "opendata.index": ("GET", "/opendata", dict.fromkeys(ALL, 200)),
    "opendata.catalog_jsonld": ("GET", "/opendata/catalog.jsonld", dict.fromkeys(ALL, 200)),
    # no dump written yet in the permission test: a page that says so, for everyone
    "opendata.dump_file": ("GET", "/opendata/dump.csv.gz", dict.fromkeys(ALL, 404)),
}


def _only(role: str, ok: int = 200) -> dict:
    return {ANON: 302, **{r: (ok if r == role else 403) for r in ROLES}}


def _both(*roles: str) -> dict:
    return {ANON: 302, **{r: (200 if r in roles else 403) for r in ROLES}}


# The staff lists' exports: the same role as the page they export.
OPENDATA_ROUTES.update({
    "admin.audit_log": ("GET", "/admin/audit-log", _only("admin")),
    "admin.audit_log_export": ("GET", "/admin/audit-log/export.csv", _only("admin")),
    "decisions.admin_queue_export": ("GET", "/admin/applications/export.xlsx", _only("admin")),
    "decisions.officer_queue_export": ("GET", "/officer/export.json", _only("officer")),
    "decisions.decisions_taken": ("GET", "/officer/decisions", _both("officer", "admin")),
    "decisions.decisions_taken_export": ("GET", "/officer/decisions/export.xlsx",
                                         _both("officer", "admin")),
    "certificates.export": ("GET", "/manage/certificates/export.csv",
                            _both("officer", "admin", "ministry")),
    "admin.users_export": ("GET", "/admin/users/export.csv", _only("admin")),
    "firms.changes_export": ("GET", "/firm/changes/export.json", _only("officer")),
    "assessments.index_export": ("GET", "/audit/export.csv", _only("auditor")),
    "assessments.findings_export": ("GET", "/audit/findings/export.csv", _only("auditor")),
})
