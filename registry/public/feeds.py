"""The Atom feed of certificate status changes, newest first (RFC 4287)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from registry.certificates.models import Certificate, StatusChange
from registry.certificates.status import LISTED, CertificateStatus
from registry.db import utcnow
from registry.extensions import db
from registry.links import external_url

# Every listed status (a superseded revision is not news: the new revision carries on).
FEED_STATUSES = LISTED
TITLES = {CertificateStatus.VALID: "rilasciato o riattivato",
          CertificateStatus.SUSPENDED: "sospeso", CertificateStatus.WITHDRAWN: "revocato",
          CertificateStatus.EXPIRED: "scaduto", CertificateStatus.RENOUNCED: "rinunciato"}


def _stamp(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def status_feed(limit: int = 100) -> str:
    """The latest status changes as an Atom document."""
    rows = db.session.execute(
        db.select(StatusChange, Certificate).join(Certificate)
        .where(StatusChange.status.in_(list(FEED_STATUSES)))
        .order_by(StatusChange.at.desc(), StatusChange.id.desc()).limit(limit)).all()
    updated = _stamp(rows[0][0].at if rows else utcnow())
    self_url = external_url("public.status_feed")
    entries = []
    for change, certificate in rows:
        link = external_url("public.verify", number=certificate.number)
        title = f"{certificate.number} — {certificate.firm_name}: {TITLES[change.status]}"
        summary = change.public_reason or ""
        entries.append(
            "<entry>"
            f"<id>{escape(self_url)}#change-{change.id}</id>"
            f"<title>{escape(title)}</title>"
            f'<link rel="alternate" href="{escape(link)}"/>'
            f"<updated>{_stamp(change.at)}</updated>"
            f'<category term="{change.status}"/>'
            f"<summary>{escape(summary)}</summary>"
            "</entry>")
    return ('<?xml version="1.0" encoding="utf-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="it">'
            f"<id>{escape(self_url)}</id>"
            "<title>Registro Bollino Blu — variazioni di stato dei certificati</title>"
            f'<link rel="self" href="{escape(self_url)}"/>'
            f"<updated>{updated}</updated>"
            "<author><name>Registro Bollino Blu</name></author>"
            + "".join(entries) + "</feed>")
