"""Expected status codes for auditor calibration: the scheme owner's page (admin only) and
the auditors' blind second scorings. Someone else's second scoring (or one that does not
exist) is not found, never forbidden."""

from tests.factories import ROLES

ANON = "anonymous"


def only(role: str, ok: int) -> dict:
    return {ANON: 302, **{r: (ok if r == role else 403) for r in ROLES}}


CALIBRATION_ROUTES = {
    "calibration.index": ("GET", "/admin/calibration", only("admin", 200)),
    "calibration.second_scorings": ("GET", "/audit/second-scorings", only("auditor", 200)),
    "calibration.second_scoring": ("GET", "/audit/second-scorings/999999",
                                   only("auditor", 404)),
    "calibration.second_evidence": (
        "GET", "/audit/second-scorings/999999/documents/1/versions/1", only("auditor", 404)),
}
CALIBRATION_ROUTES["calibration.draw"] = ("POST", "/admin/calibration/draw", only("admin", 302))
CALIBRATION_ROUTES["calibration.export"] = ("GET", "/admin/calibration/agreement.csv",
                                             only("admin", 200))
