"""Surveillance runs itself: the daily job opens each certificate's surveillance audits (12
and 24 months after it starts) ahead of their due date, and suspends a certificate whose
surveillance was not decided in time (domain.md §3.3, §3.4). The suspension's six-month
limit then leads to withdrawal, as for any suspension.

The job lives with the firm's file (it opens applications) and calls the certificates'
lifecycle below it; `jobs run` runs it after the certificates' own job.
"""

from __future__ import annotations

import datetime as dt

from registry.applications.models import Application
from registry.applications.services import open_application_of, start_surveillance
from registry.applications.workflow import DECIDED, ApplicationKind
from registry.certificates.cycle import surveillance_dues, surveillance_opens
from registry.certificates.lifecycle import change_status
from registry.certificates.models import Certificate
from registry.certificates.status import LIVE, CertificateAction, CertificateStatus
from registry.db import today_in_rome
from registry.extensions import db


def _surveillances() -> dict[tuple[str, dt.date], Application]:
    """Every surveillance the job opened, by (certificate number, due day): one query for
    the whole run instead of one per certificate."""
    rows = db.session.scalars(db.select(Application).where(
        Application.kind == ApplicationKind.SURVEILLANCE,
        Application.surveillance_due_on.is_not(None))).all()
    return {(a.certificate_number, a.surveillance_due_on): a for a in rows}


def run_surveillance(day: dt.date | None = None,
                     changes: list[tuple[str, str]] | None = None) -> dict[str, int]:
    """Open the surveillance audits whose window has come and suspend the certificates whose
    surveillance is overdue. Idempotent; the caller commits. `changes` receives (number,
    what happened)."""
    day = day or today_in_rome()
    counts = {"surveillance_opened": 0, "surveillance_overdue": 0}
    live = db.session.scalars(db.select(Certificate).where(
        Certificate.status.in_(sorted(LIVE)), Certificate.valid_from <= day)
        .order_by(Certificate.id)).all()
    opened = _surveillances()
    for certificate in live:
        for due in surveillance_dues(certificate.valid_from, certificate.valid_until):
            audit = opened.get((certificate.number, due))
            if (audit is None and surveillance_opens(due) <= day <= due
                    and open_application_of(certificate.firm_id) is None):
                start_surveillance(certificate, None, due_on=due)
                counts["surveillance_opened"] += 1
                if changes is not None:
                    changes.append((certificate.number, "surveillance opened"))
            elif (day > due and certificate.status == CertificateStatus.VALID
                  and (audit is None or audit.state not in DECIDED)):
                change_status(certificate, CertificateAction.SUSPEND, None,
                              public_reason="Audit di sorveglianza non concluso entro il "
                                            + due.strftime("%d/%m/%Y"),
                              effective_on=due + dt.timedelta(days=1))
                counts["surveillance_overdue"] += 1
                if changes is not None:
                    changes.append((certificate.number, str(CertificateStatus.SUSPENDED)))
    return counts
