"""The Atom feed of certificate status changes, newest first (RFC 4287).

Always well-formed XML: every text goes through `_text` (characters XML 1.0 cannot carry
are dropped, the rest escaped), attributes through `_attribute`.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from registry.certificates.models import Certificate, StatusChange
from registry.certificates.status import LISTED, CertificateStatus
from registry.db import utcnow
from registry.extensions import db
from registry.inputs import xml_text
from registry.links import external_url

# Every listed status (a superseded revision is not news: the new revision carries on).
FEED_STATUSES = LISTED
TITLES = {CertificateStatus.VALID: "rilasciato o riattivato",
          CertificateStatus.SUSPENDED: "sospeso", CertificateStatus.WITHDRAWN: "revocato",
          CertificateStatus.EXPIRED: "scaduto", CertificateStatus.RENOUNCED: "rinunciato"}


def _text(value) -> str:
    return escape(xml_text(value))


def _attribute(value) -> str:
    """A quoted attribute value, quotes included."""
    return quoteattr(xml_text(value))


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
            f"<id>{_text(self_url)}#change-{change.id}</id>"
            f"<title>{_text(title)}</title>"
            f'<link rel="alternate" href={_attribute(link)}/>'
            f"<updated>{_stamp(change.at)}</updated>"
            f"<category term={_attribute(change.status)}/>"
            f"<summary>{_text(summary)}</summary>"
            "</entry>")
    return ('<?xml version="1.0" encoding="utf-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="it">'
            f"<id>{_text(self_url)}</id>"
            "<title>Registro Bollino Blu — variazioni di stato dei certificati</title>"
            f'<link rel="self" href={_attribute(self_url)}/>'
            f"<updated>{updated}</updated>"
            "<author><name>Registro Bollino Blu</name></author>"
            + "".join(entries) + "</feed>")
