"""Expected status codes for the complaint routes: the public report and the workers'
anonymous channel (everyone), the officers' triage, the oversight counts and the firm's
answers. Complaints that do not exist (or are not the firm's) are not found (404)."""

from tests.factories import ROLES

ANON = "anonymous"
ALL = [ANON, *ROLES]


def only(*roles, ok: int = 200) -> dict:
    return {ANON: 302, **{r: (ok if r in roles else 403) for r in ROLES}}


COMPLAINT_ROUTES = {
    "complaints.public_report": ("GET", "/register/{listed_firm}/report",
                                 dict.fromkeys(ALL, 200)),
    "complaints.worker_report": ("GET", "/register/{listed_firm}/report/worker",
                                 dict.fromkeys(ALL, 200)),
    "complaints.follow": ("GET", "/register/{listed_firm}/report/follow",
                          dict.fromkeys(ALL, 200)),
    "complaints.index": ("GET", "/complaints", only("officer")),
    "complaints.detail": ("GET", "/complaints/999999", only("officer", ok=404)),
    "complaints.act": ("POST", "/complaints/999999/act", only("officer", ok=404)),
    "complaints.attachment": ("GET", "/complaints/999999/attachment", only("officer", ok=404)),
    "complaints.overview": ("GET", "/complaints/overview", only("officer", "ministry", "admin")),
    "complaints.export": ("GET", "/complaints/export.csv", only("officer")),
    "complaints.firm_list": ("GET", "/firm/complaints", only("applicant")),
    "complaints.firm_detail": ("GET", "/firm/complaints/999999", only("applicant", ok=404)),
}
