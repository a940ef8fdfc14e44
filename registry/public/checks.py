"""The bulk supplier check and the signed verification receipts (public, no account).

Thin views: each reads its input, calls one service, renders. A bulk check and every receipt
are recorded, so each POST or receipt-creating GET commits once via `run_use_case`; all of
them are rate-limited per client address (a check reads up to 1,000 values; a receipt signs).
"""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from registry.certificates import bulk, receipts
from registry.certificates.labels import level_label, verdict_label
from registry.db import today_in_rome, utcnow
from registry.errors import DomainError, error_response
from registry.extensions import csrf, limiter
from registry.forms import run_use_case
from registry.i18n import date_filter
from registry.public import bulk_input, exports

bp = Blueprint("checks", __name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# 1,000 values of at most 64 characters, one per line; anything longer is not a list.
MAX_PASTED = bulk.MAX_ITEMS * 66


def _bulk_limit() -> str:
    return current_app.config["BULK_CHECK_RATE_LIMIT"]


def _receipt_limit() -> str:
    return current_app.config["RECEIPT_RATE_LIMIT"]


class BulkForm(FlaskForm):
    file = FileField(_l("File CSV o XLSX (una colonna di partite IVA, codici fiscali o "
                        "numeri di certificato; al massimo 1.000 righe e 2 MB)"),
                     render_kw={"data-max-mb": bulk_input.MAX_FILE_BYTES // (1024 * 1024)})
    items = TextAreaField(_l("Oppure incolla l'elenco, un valore per riga"),
                          validators=[Length(max=MAX_PASTED)])
    submit = SubmitField(_l("Verifica l'elenco"))


def _run_bulk(form: BulkForm):
    """One service call: read the list, answer it, record the receipt of the answer."""
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        values, first = bulk_input.read_upload(upload)
    elif (form.items.data or "").strip():
        values, first = bulk_input.read_text(form.items.data)
    else:
        raise DomainError(_("Carica un file o incolla un elenco."), field="items")
    result = bulk.check(values, utcnow(), first)
    return result, receipts.issue_bulk(result, request.remote_addr), first


@bp.route("/verify/bulk", methods=["GET", "POST"])
@limiter.shared_limit(_bulk_limit, scope="bulk-check", methods=["POST"])
def bulk_check():
    form = BulkForm()
    if request.method == "POST":
        if form.validate_on_submit():
            outcome = run_use_case(lambda: _run_bulk(form), form=form)
            if outcome.ok:
                result, receipt, first = outcome.value
                return render_template("public/bulk_result.html", result=result,
                                       receipt=receipt, counts=result.counts(),
                                       header_skipped=first > 1,
                                       checked_at=bulk.checked_at_text(result.checked_at))
        return render_template("public/bulk.html", form=form, max_items=bulk.MAX_ITEMS), 400
    return render_template("public/bulk.html", form=form, max_items=bulk.MAX_ITEMS)


@bp.post("/api/v1/verify")
@csrf.exempt
@limiter.shared_limit(_bulk_limit, scope="bulk-check")
def api_verify():
    body = request.get_json(silent=True)
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        return error_response(400, 'the body must be {"items": ["<partita IVA, codice fiscale '
                              'or certificate number>", ...]}', "bad_request")
    if len(items) > bulk.MAX_ITEMS:
        return error_response(413, f"at most {bulk.MAX_ITEMS} items per request", "too_many")
    result = bulk.check(items, utcnow())
    answer = {"checked_at": result.checked_at.isoformat(timespec="seconds"),
              "checked_on": result.day.isoformat(),
              "counts": result.counts(),
              "items": [bulk.row_json(row) for row in result.rows]}
    if body.get("receipt") is True:  # asked for: the answer recorded and signed (JWS)
        outcome = run_use_case(lambda: _signed_bulk(result), propagate=(DomainError,))
        receipt, token = outcome.value
        answer["receipt"] = {"id": receipt.id, "jws": token,
                             "url": url_for("checks.receipt", receipt_id=receipt.id,
                                            _external=True)}
    return jsonify(answer)


def _signed_bulk(result: bulk.Result):
    receipt = receipts.issue_bulk(result, request.remote_addr)
    return receipt, receipts.signed(receipt)


@bp.get("/v/<number>/receipt.pdf")
@limiter.shared_limit(_receipt_limit, scope="receipt")
def verify_receipt_pdf(number: str):
    """A new receipt of what the verify page answers now, as a signed PDF. Signed before the
    commit: a receipt that cannot be signed is not recorded."""
    outcome = run_use_case(lambda: _signed_single(number, receipts.receipt_pdf),
                           propagate=(DomainError,))
    receipt, pdf = outcome.value
    return _pdf(receipt, pdf)


@bp.get("/api/v1/certificates/<number>/receipt")
@limiter.shared_limit(_receipt_limit, scope="receipt")
def api_receipt(number: str):
    """A new receipt of the certificate's answer now, as a compact JWS."""
    outcome = run_use_case(lambda: _signed_single(number, receipts.signed),
                           propagate=(DomainError,))
    receipt, token = outcome.value
    return _jws(receipt, token)


def _signed_single(number: str, sign):
    receipt = receipts.issue_single(number, utcnow(), request.remote_addr)
    return receipt, sign(receipt)


@bp.get("/receipts/<receipt_id>")
def receipt(receipt_id: str):
    found = receipts.find(receipt_id)
    if found is None:
        return error_response(404, _("Nessuna attestazione con questo codice è stata emessa "
                                     "dal registro: controlla di averlo copiato per intero."))
    payload = receipts.payload_of(found)
    day = today_in_rome()
    return render_template("public/receipt.html", receipt=found, payload=payload,
                           items=list(zip(payload["items"], receipts.recheck(found, day),
                                          strict=True)),
                           issued_at=bulk.checked_at_text(receipts.issued_at(found)),
                           intact=receipts.intact(found), day=day,
                           is_bulk=found.kind == receipts.BULK)


@bp.get("/receipts/<receipt_id>/receipt.pdf")
@limiter.shared_limit(_receipt_limit, scope="receipt")
def receipt_pdf(receipt_id: str):
    found = receipts.get(receipt_id)
    return _pdf(found, receipts.receipt_pdf(found))


@bp.get("/receipts/<receipt_id>/receipt.jws")
@limiter.shared_limit(_receipt_limit, scope="receipt")
def receipt_jws(receipt_id: str):
    found = receipts.get(receipt_id)
    return _jws(found, receipts.signed(found))


@bp.get("/receipts/<receipt_id>/rows.<kind>")
@limiter.limit(_bulk_limit, scope="bulk-export")
def receipt_rows(receipt_id: str, kind: str):
    if kind not in ("csv", "xlsx"):
        return error_response(404)
    found = receipts.get(receipt_id)
    rows = receipts.table(found)
    if kind == "csv":
        response = Response(exports.csv_table(receipts.TABLE_COLUMNS, rows), mimetype="text/csv")
    else:
        response = Response(exports.xlsx_table("Verifica", receipts.TABLE_COLUMNS, rows),
                            mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = \
        f'attachment; filename="verifica-{found.id}.{kind}"'
    return response


def _pdf(found, pdf: bytes) -> Response:
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="attestazione-{found.id}.pdf"'
    response.headers["X-Receipt-Id"] = found.id
    response.headers["Link"] = f'<{url_for("checks.receipt", receipt_id=found.id)}>; rel="related"'
    return response


def _jws(found, token: str) -> Response:
    response = Response(token, mimetype="application/jose")
    response.headers["X-Receipt-Id"] = found.id
    response.headers["Location"] = url_for("checks.receipt", receipt_id=found.id,
                                           _external=False)
    return response


@bp.after_request
def no_store(response):
    # Answers of an instant: never cached by anyone.
    response.headers["Cache-Control"] = "no-store"
    if request.path.startswith("/api/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# Template helpers for the result pages (labels only: no code reaches a person).
@bp.app_template_global()
def receipt_verdict_label(code: str | None) -> str:
    return verdict_label(code) if code else _("Non verificabile")


@bp.app_template_global()
def receipt_date(iso: str) -> str:
    return date_filter(dt.date.fromisoformat(iso))


@bp.app_template_global()
def receipt_level_label(code: str | None) -> str:
    return level_label(code)


@bp.app_template_global()
def receipt_problem_label(error: dict | None) -> str:
    if not error:
        return ""
    return _(bulk.PROBLEM_LABELS[bulk.Problem(error["code"])], row=error.get("duplicate_of") or 0)

