"""Verification receipts: the register's signed word on what it answered, at one instant.

A receipt is recorded (append-only) with the exact JSON it states; that JSON is what the
compact JWS signs (with the active QR key, published at /api/v1/keys) and what the PDF
prints (PAdES-signed with the certificates' PDF key). /receipts/<id> reads the record back:
"the registry issued this receipt on … and it said …", next to what the register says now.

Ids are "R-" and 24 base32 characters (120 random bits): a receipt is found only by whoever
holds it. The requester is kept as a keyed hash of the client address, never the address.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from registry import auditlog
from registry.certificates import bulk, documents, keys, lookup, pdfsign
from registry.certificates import jws as jws_format
from registry.certificates.labels import level_label, verdict_label
from registry.certificates.models import Receipt
from registry.certificates.pdf_text import italian_date
from registry.certificates.receipt_pdf import ReceiptLine, ReceiptPdfData, render_receipt_pdf
from registry.certificates.verdict import Verdict, verdict
from registry.db import ROME
from registry.errors import NotFound
from registry.extensions import db
from registry.links import external_url

SINGLE, BULK = "single", "bulk"
PAYLOAD_TYPE = "bollino-blu/verification-receipt"
ID_PATTERN = re.compile(r"R-[A-Z2-7]{24}")


def new_id() -> str:
    return "R-" + base64.b32encode(secrets.token_bytes(15)).decode("ascii")


def requester_hash(address: str | None) -> str | None:
    """A keyed hash of the client address: the same requester is recognisable, the address
    is not kept."""
    if not address:
        return None
    key = hashlib.sha256(b"receipt requester|" + current_app.config["SECRET_KEY"].encode()
                         ).digest()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _item(row: int, query: str, kind: str | None, answer: Verdict | None, certificate,
          problem: str | None = None, duplicate_of: int | None = None) -> dict:
    """One answered value as the receipt states it: codes only (labels are the readers')."""
    cert = certificate
    return {
        "row": row, "query": query, "kind": kind,
        "verdict": str(answer) if answer else None,
        "firm": {"id": cert.firm_id, "name": cert.firm_name,
                 "vat_number": cert.vat_number} if cert else None,
        "certificate": {"number": cert.number, "revision": cert.revision,
                        "status": cert.status, "level": cert.level,
                        "valid_from": cert.valid_from.isoformat(),
                        "valid_until": cert.valid_until.isoformat(),
                        "scheme": {"code": cert.scheme_code,
                                   "version": cert.scheme_version}} if cert else None,
        "error": {"code": problem, "duplicate_of": duplicate_of} if problem else None,
    }


def _record(kind: str, items: list[dict], now: dt.datetime, address: str | None) -> Receipt:
    receipt_id = new_id()
    payload = {
        "type": PAYLOAD_TYPE, "version": 1, "id": receipt_id, "kind": kind,
        "issued_at": _iso(now), "day": now.astimezone(ROME).date().isoformat(),
        "register": current_app.config["BASE_URL"].rstrip("/"),
        "url": external_url("checks.receipt", receipt_id=receipt_id),
        "items": items,
    }
    text = jws_format.canonical_json(payload)
    receipt = Receipt(id=receipt_id, kind=kind, payload=text.decode(),
                      payload_sha256=hashlib.sha256(text).hexdigest(), created_at=now,
                      requester_hash=requester_hash(address))
    db.session.add(receipt)
    db.session.flush()
    auditlog.record("receipts.issued", "verification_receipt", receipt_id,
                    after={"kind": kind, "items": len(items),
                           "sha256": receipt.payload_sha256})
    return receipt


def issue_single(number: str, now: dt.datetime, address: str | None = None) -> Receipt:
    """A receipt for the verify page's answer about `number` now (404 if not on record)."""
    answer = lookup.check(number, day=now.astimezone(ROME).date())
    if answer.certificate is None:
        raise NotFound(_("Certificato non trovato."))
    return _record(SINGLE, [_item(1, number, str(bulk.Kind.CERTIFICATE), answer.verdict,
                                  answer.certificate)], now, address)


def issue_bulk(result: bulk.Result, address: str | None = None) -> Receipt:
    """One receipt for a whole bulk check, every row as answered (problems included)."""
    items = [_item(row.row, row.query, str(row.kind) if row.kind else None, row.verdict,
                   row.certificate, str(row.problem) if row.problem else None,
                   row.duplicate_of) for row in result.rows]
    return _record(BULK, items, result.checked_at, address)


def find(receipt_id: str) -> Receipt | None:
    if not ID_PATTERN.fullmatch(receipt_id or ""):
        return None
    return db.session.get(Receipt, receipt_id)


def get(receipt_id: str) -> Receipt:
    receipt = find(receipt_id)
    if receipt is None:
        raise NotFound(_("Nessuna attestazione con questo codice è stata emessa dal registro."))
    return receipt


def payload_of(receipt: Receipt) -> dict:
    return json.loads(receipt.payload)


def intact(receipt: Receipt) -> bool:
    """The stored statement still hashes to the digest recorded with it."""
    return hmac.compare_digest(hashlib.sha256(receipt.payload.encode()).hexdigest(),
                               receipt.payload_sha256)


def signed(receipt: Receipt) -> str:
    """The receipt as a compact JWS signed by the active QR key (Ed25519 is deterministic:
    the same key gives the same JWS every time)."""
    kid, private = keys.active_private_key()
    return jws_format.sign(receipt.payload.encode(), kid, private)


@dataclass(frozen=True)
class Now:
    """What the register answers today about one item of a receipt."""

    verdict: Verdict | None
    number: str | None
    level: str | None


def recheck(receipt: Receipt, day: dt.date) -> list[Now]:
    """Today's answer for every item that named a certificate, in a few queries."""
    items = payload_of(receipt)["items"]
    numbers = {i["certificate"]["number"] for i in items if i.get("certificate")}
    current = bulk.current_certificates(numbers)
    history = bulk.histories(numbers)
    out = []
    for item in items:
        cert = current.get((item.get("certificate") or {}).get("number"))
        if cert is None:
            out.append(Now(None, None, None))
            continue
        out.append(Now(verdict(cert.valid_from, cert.valid_until,
                               history.get(cert.number, []), day), cert.number, cert.level))
    return out


# The PDF is one bilingual document, whatever the page's language (like the certificate).
VERDICT_ENGLISH = {Verdict.VALID: "Valid", Verdict.SUSPENDED: "Suspended",
                   Verdict.WITHDRAWN: "Withdrawn", Verdict.EXPIRED: "Expired",
                   Verdict.NOT_YET_VALID: "Not yet valid", Verdict.NOT_FOUND: "Not found",
                   Verdict.NOT_AUTHENTIC: "Not authentic"}


def _label_pair(code: str | None) -> tuple[str, str]:
    if not code:
        return "Non verificabile", "Not checkable"
    with force_locale("it"):
        italian = verdict_label(code)
    return italian, VERDICT_ENGLISH[Verdict(code)]


def _stars_text(code: str) -> str:
    """"2 stelle su 3 / 2 of 3 stars": the stars the base-14 fonts cannot print, in words."""
    stars = int("".join(ch for ch in code if ch.isdigit()) or 0)
    return f"{stars} {'stella' if stars == 1 else 'stelle'} su 3 / {stars} of 3 stars"


def _level_text(code: str) -> str:
    """"Bollino Blu — 2 stelle su 3 / 2 of 3 stars"."""
    name = level_label(code, "it").replace("★", "").strip()
    return f"{name} — {_stars_text(code)}"


def issued_at(receipt: Receipt) -> dt.datetime:
    return dt.datetime.fromisoformat(payload_of(receipt)["issued_at"].replace("Z", "+00:00"))


def pdf_data(receipt: Receipt) -> ReceiptPdfData:
    payload = payload_of(receipt)
    lines = []
    counts: dict[str, int] = {}
    for item in payload["items"]:
        cert, firm, error = item.get("certificate"), item.get("firm"), item.get("error")
        italian, english = _label_pair(item.get("verdict"))
        key = f"{italian} / {english}" if not error or item.get("verdict") else \
            "Righe con problemi / Rows with problems"
        counts[key] = counts.get(key, 0) + 1
        with force_locale("it"):
            problem = bulk.PROBLEM_LABELS.get(error["code"]) if error else None
            problem_text = _(problem, row=error.get("duplicate_of") or 0) if problem else ""
            level = _level_text(cert["level"]) if cert else ""
        lines.append(ReceiptLine(
            row=item["row"], query=item["query"], verdict_it=italian, verdict_en=english,
            firm_name=firm["name"] if firm else "", vat_number=firm["vat_number"] if firm else "",
            number=cert["number"] if cert else "", level=level,
            level_short=_stars_text(cert["level"]) if cert else "",
            validity=(f"{italian_date(dt.date.fromisoformat(cert['valid_from']))} – "
                      f"{italian_date(dt.date.fromisoformat(cert['valid_until']))}")
            if cert else "",
            scheme=f"{cert['scheme']['code']} {cert['scheme']['version']}" if cert else "",
            problem=problem_text, good=item.get("verdict") == Verdict.VALID))
    return ReceiptPdfData(
        receipt_id=receipt.id, kind=receipt.kind,
        checked_at=bulk.checked_at_text(issued_at(receipt)), receipt_url=payload["url"],
        lines=lines, summary="; ".join(f"{k}: {v}" for k, v in counts.items()))


TABLE_COLUMNS = ["riga", "valore", "azienda", "partita_iva", "numero_certificato", "livello",
                 "esito", "valido_dal", "valido_al", "problema", "verificato_il",
                 "attestazione"]


def table(receipt: Receipt) -> list[list]:
    """The receipt's rows for CSV and XLSX, as the PDF prints them (Italian labels)."""
    data = pdf_data(receipt)
    payload = payload_of(receipt)
    out = []
    for line, item in zip(data.lines, payload["items"], strict=True):
        cert = item.get("certificate") or {}
        out.append([line.row, line.query, line.firm_name, line.vat_number, line.number,
                    line.level, line.verdict_it, cert.get("valid_from", ""),
                    cert.get("valid_until", ""), line.problem, data.checked_at, receipt.id])
    return out


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt's PDF, PAdES-signed with the key that signs the certificates."""
    private, cert, chain = documents.signer()
    return pdfsign.sign_pdf(render_receipt_pdf(pdf_data(receipt)), private, cert, chain,
                            reason="Attestazione di verifica Bollino Blu")
