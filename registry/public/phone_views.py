"""'Chi mi ha chiamato?': the /phone page and /api/v1/phone/<number> (contract.md)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import gettext as _

from registry.errors import DomainError, error_response
from registry.extensions import csrf, limiter
from registry.firms import phones
from registry.public import phone

bp = Blueprint("phone", __name__)


def _limit() -> str:
    return current_app.config["PHONE_LOOKUP_RATE_LIMIT"]


@bp.get("/phone")
@limiter.limit(_limit, scope="phone")
def lookup_page():
    raw = request.args.get("n", "").strip()[:40]
    if not raw:  # the empty form
        return render_template("public/phone.html", raw="", answer=None, problem=None)
    try:
        number = phones.normalise(raw)
    except DomainError as error:
        return render_template("public/phone.html", raw=raw, answer=None,
                               problem=error.message), 400
    return render_template("public/phone.html", raw=raw, answer=phone.who_declared(number),
                           problem=None)


@bp.get("/api/v1/phone/<path:raw>")
@csrf.exempt
@limiter.limit(_limit, scope="phone")
def api_lookup(raw: str):
    try:
        number = phones.normalise(raw[:40])
    except DomainError as error:
        return error_response(400, _("Numero di telefono non valido: %(problem)s",
                                     problem=error.message), "bad_request")
    response = jsonify(phone.as_json(phone.who_declared(number)))
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
