"""Reminder emails of the daily job: surveillance due at 12 and 24 months, expiry in 90, 30
and 7 days. Each is sent once per certificate (recorded), whatever how often the job runs."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry import mail
from registry.certificates.cycle import SURVEILLANCE_MONTHS, add_months
from registry.certificates.models import Certificate, Reminder
from registry.certificates.status import LIVE
from registry.extensions import db
from registry.firms.services import active_members

EXPIRY_DAYS = (90, 30, 7)


def due_reminders(certificate: Certificate, day: dt.date) -> list[tuple[str, str]]:
    """(kind, message) of every reminder due on `day` for this certificate (pure dates)."""
    due = []
    for months in SURVEILLANCE_MONTHS:
        deadline = add_months(certificate.valid_from, months)
        if deadline - dt.timedelta(days=60) <= day <= deadline:
            due.append((f"surveillance_{months}", _(
                "L'audit di sorveglianza del %(m)d° mese del certificato %(n)s va svolto "
                "entro il %(d)s.", m=months, n=certificate.number,
                d=deadline.strftime("%d/%m/%Y"))))
    for days in EXPIRY_DAYS:
        if day >= certificate.valid_until - dt.timedelta(days=days) and \
                day <= certificate.valid_until:
            due.append((f"expiry_{days}", _(
                "Il certificato %(n)s scade il %(d)s: presenta la domanda di rinnovo.",
                n=certificate.number, d=certificate.valid_until.strftime("%d/%m/%Y"))))
    return due


def send_reminders(day: dt.date) -> int:
    """Email the reminders due today that were not sent before. Returns how many."""
    sent = 0
    live = db.session.scalars(db.select(Certificate).where(
        Certificate.status.in_(sorted(LIVE)))).all()
    already = {(r.certificate_number, r.kind) for r in db.session.scalars(db.select(Reminder))}
    for certificate in live:
        for kind in (kind for kind, _text in due_reminders(certificate, day)):
            if (certificate.number, kind) in already:
                continue
            # The text is written again in each member's language.
            mail.queue_for_each(
                db.session, active_members(certificate.firm_id),
                _l("Promemoria per il certificato %(n)s", n=certificate.number),
                lambda c=certificate, k=kind: dict(due_reminders(c, day))[k])
            db.session.add(Reminder(certificate_number=certificate.number, kind=kind))
            already.add((certificate.number, kind))
            sent += 1
    db.session.flush()
    return sent
