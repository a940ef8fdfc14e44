"""Demo complaints in every state, through the services (`flask --app registry setup`).

One worker report can be followed on the public page with DEMO_RECEIPT_CODE (a demo
convenience: real codes are random and shown once); another worker report was turned into
a short-notice audit.
"""

from __future__ import annotations

import datetime as dt

from registry.accounts.models import active_with_role
from registry.applications.services import open_application_of
from registry.certificates.models import Certificate
from registry.complaints import services
from registry.complaints.models import Complaint
from registry.complaints.workflow import ComplaintCategory, ComplaintOutcome
from registry.db import ROME, utcnow
from registry.extensions import db
from registry.firms.models import Firm
from registry.security import Role

DEMO_RECEIPT_CODE = "DEMO-0000-0000-0000-0001"


def _listed_firms() -> list[tuple[Firm, Certificate]]:
    rows = db.session.execute(db.select(Firm, Certificate).join(
        Certificate, Certificate.id == Firm.current_certificate_id).order_by(Firm.id)).all()
    return [(firm, certificate) for firm, certificate in rows]


def _call(firm: Firm, days_ago: int, number: str, text: str, email: str | None = None,
          ) -> Complaint:
    moment = dt.datetime.now(ROME).replace(tzinfo=None, second=0, microsecond=0) \
        - dt.timedelta(days=days_ago, hours=2)
    complaint = services.file_public_report(firm, called_at=moment, calling_number=number,
                                            text=text, contact_email=email)
    complaint.received_at = utcnow() - dt.timedelta(days=days_ago)
    return complaint


def seed_demo() -> None:
    """A few complaints: new, overdue for acknowledgement, waiting for the firm, closed; a
    worker report in conversation and one that became a short-notice audit."""
    officers = active_with_role(Role.OFFICER)
    listed = _listed_firms()
    if not officers or not listed:
        return
    officer = officers[0]
    live = [(f, c) for f, c in listed if c.is_live]
    first, _certificate = (live or listed)[0]
    last = (live or listed)[-1][0]

    _call(first, 1, "02 1234 5678", "Mi hanno chiamato tre volte in un'ora per un'offerta "
          "luce e gas, anche dopo che ho chiesto di non richiamare.", "mario.rossi@example.it")
    _call(last, 6, "+39 333 700 1122", "Chiamata alle 21:40 di domenica: l'operatore non ha "
          "detto per conto di chi chiamava.")

    asked = _call(first, 4, "02 1234 5678", "L'operatore ha detto che il contratto era "
                  "obbligatorio per legge.")
    services.acknowledge(asked, officer)
    services.classify(asked, officer, ComplaintCategory.MISLEADING_SALES)
    services.ask_firm(asked, officer, "Chi ha effettuato la chiamata e con quale script?")

    closed = _call(last, 20, "06 9876 5432", "Chiamata insistente.", "anna@example.it")
    services.acknowledge(closed, officer)
    services.close(closed, officer, ComplaintOutcome.UNFOUNDED,
                   "Il numero non è dell'azienda e non chiama per suo conto.")

    talking = services.file_worker_report(
        first, text="Ci chiedono di chiamare numeri iscritti al Registro delle opposizioni.")
    talking.complaint.receipt_hash = services.receipt_hash(DEMO_RECEIPT_CODE)
    services.acknowledge(talking.complaint, officer)
    services.officer_message(talking.complaint, officer,
                             "Grazie. Sai indicare da quando e per quale campagna?")
    services.reporter_message(talking.complaint, "Da settembre, campagna energia.")

    # A worker report turned into a short-notice audit, on a firm with nothing open.
    free = next(((f, c) for f, c in live if open_application_of(f.id) is None), None)
    if free is not None:
        audited = services.file_worker_report(
            free[0], text="I turni superano le ore dichiarate e i numeri usati non sono "
                          "quelli pubblicati.")
        services.acknowledge(audited.complaint, officer)
        services.classify(audited.complaint, officer, ComplaintCategory.WORKING_CONDITIONS)
        services.open_short_notice_audit(audited.complaint, officer,
                                         "Riscontri precisi: verifica senza preavviso.")
    db.session.flush()
