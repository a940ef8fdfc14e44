"""The verify page the QR opens, the certificate JSON API and the published keys."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from registry.certificates import documents, keys, lookup
from registry.certificates.numbering import is_number
from registry.db import today_in_rome, utcnow
from registry.errors import error_response
from registry.extensions import csrf, limiter
from registry.firms.forms import CHANNEL_LABELS, SERVICE_TYPE_LABELS
from registry.firms.geography import country_name
from registry.inputs import iso_date
from registry.public import (
    badge,
    exports,
    feeds,
    firm_facts,
    register,
    register_cache,
    verify_cache,
)
from registry.public import register_page as register_page_parts
from registry.public import scheme as public_scheme
from registry.public.openapi import document as openapi_document

bp = Blueprint("public", __name__)


def _day() -> dt.date | None:
    """`?at=YYYY-MM-DD`, or None for today; ValueError for anything else."""
    raw = request.args.get("at")
    return iso_date(raw) if raw else None


@bp.get("/v/<number>")
def verify(number: str):
    try:
        day = _day()
    except ValueError:
        return error_response(400, _("La data deve essere scritta AAAA-MM-GG, per esempio "
                                     "2026-01-31."))
    if not is_number(number):  # nothing to look up, nothing worth keeping
        return _render_verify(number, day)

    body, status = verify_cache.serve(number, day or today_in_rome(),
                                      lambda: _render_verify(number, day))
    return Response(body, status, mimetype="text/html")


def _render_verify(number: str, day: dt.date | None) -> tuple[str, int]:
    answer = lookup.check(number, request.args.get("t"), day)
    status = 404 if answer.certificate is None else 200
    return render_template("public/verify.html", answer=answer, number=number,
                           asked_day=request.args.get("at")), status


@bp.get("/certificates/<number>.pdf")
def certificate_pdf(number: str):
    certificate = lookup.find(number)
    if certificate is None:
        abort(404)
    response = make_response(documents.certificate_pdf(certificate))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    return response


def _api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


@bp.get("/api/v1/certificates/<number>")
@csrf.exempt
@limiter.limit(_api_limit, scope="api")
def api_certificate(number: str):
    try:
        day = _day()
    except ValueError:
        return error_response(400, "at must be a date YYYY-MM-DD", "bad_request")
    answer = lookup.check(number, request.args.get("t"), day)
    if answer.certificate is None:
        return error_response(404, f"no certificate numbered {number}", "not_found")
    return jsonify(lookup.as_json(answer))


@bp.get("/api/v1/keys")
@limiter.limit(_api_limit, scope="api")
def api_keys():
    return jsonify(keys.jwks())


@bp.after_request
def api_headers(response):
    if request.path.startswith("/api/"):
        # Read-only public data: any site may read it from a browser.
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cache-Control"] = "no-store" if "certificates" in request.path \
            else "public, max-age=300"
    return response


@bp.get("/register")
def register_page():
    day = today_in_rome()
    body, status = register_cache.serve("html", day, lambda: _render_register(day))
    return Response(body, status, mimetype="text/html")


def _render_register(day: dt.date) -> tuple[str, int]:
    query, problems = register.read_query(request.args)
    rows, total, next_after = register.listing(query)
    fixed = register_page_parts.fixed()
    # A filter the register does not know is named on the page, not silently dropped.
    return render_template("public/register.html", query=query, rows=rows, total=total,
                           badges=[fixed.badges[lookup.listed(row, day).verdict]
                                   for row in rows],
                           fixed=fixed, next_after=next_after,
                           firm_url=url_for("public.register_page") + "/",
                           verify_url=url_for("public.verify", number="-")[:-1],
                           page_size=register.PAGE_SIZE, problems=problems,
                           export_args=register.export_args(request.args)), \
        400 if problems else 200


@bp.get("/register/<int:firm_id>")
def firm(firm_id: int):
    found = register.firm_page(firm_id)
    if found is None:
        abort(404)
    firm_row, certificates = found
    current = next((c for c in certificates if c.id == firm_row.current_certificate_id),
                   certificates[0])
    return render_template("public/firm.html", firm=firm_row, certificates=certificates,
                           current=current, answer=lookup.check(current.number),
                           facts=firm_facts.facts(firm_row, current, _lang()),
                           service_types=SERVICE_TYPE_LABELS, channels=CHANNEL_LABELS,
                           country=lambda code: country_name(code, _lang()))


def _lang() -> str:
    return str(get_locale() or "it")


@bp.get("/api/v1/register/<int:firm_id>")
@limiter.limit(_api_limit, scope="api")
def api_firm(firm_id: int):
    found = register.firm_page(firm_id)
    if found is None:
        return error_response(404, f"no firm {firm_id} in the register", "not_found")
    firm_row, certificates = found
    current = next((c for c in certificates if c.id == firm_row.current_certificate_id),
                   certificates[0])
    return jsonify({"firm": {"id": firm_row.id, "name": firm_row.name,
                             "vat_number": firm_row.vat_number,
                             "region": firm_row.office_region,
                             "province": firm_row.office_province,
                             **firm_facts.as_json(firm_row, firm_facts.facts(firm_row, current))},
                    "certificate": lookup.as_json(lookup.check(current.number))})


@bp.get("/api/v1/register")
@limiter.limit(_api_limit, scope="api")
def api_register():
    query, problems = register.read_query(request.args)
    if problems:
        return error_response(400, " ".join(problems), "bad_request")
    body, status = register_cache.serve("api", today_in_rome(),
                                        lambda: (_render_api_register(query), 200))
    return Response(body, status, mimetype="application/json")


def _render_api_register(query) -> str:
    rows, total, after = register.api_page(query)
    items = [{"firm": {"id": f.firm_id, "name": f.firm_row_name, "vat_number": f.firm_vat_number,
                       "region": f.office_region, "province": f.office_province,
                       "traffic": firm_facts.traffic_json(f),
                       "sites": firm_facts.sites_json_of(sites)},
              "certificate": lookup.as_json(lookup.listed(c))} for f, c, sites in rows]
    # The next page starts after this page's last row (keyset): no offset to skip, however
    # deep; `page` still counts pages, and `?page=N` alone still works.
    next_url = url_for("public.api_register", _external=True,
                       **{**request.args.to_dict(), "page": query.page + 1, "after": after}
                       ) if after else None
    return current_app.json.response({"items": items, "total": total, "next": next_url}
                                     ).get_data(as_text=True)


EXPORT_TYPES = {
    "csv": ("text/csv", exports.csv_stream),  # Flask adds "; charset=utf-8" to text types
    "json": ("application/json", exports.json_stream),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None),
}


def _export_limit() -> str:
    return current_app.config["EXPORT_RATE_LIMIT"]


@bp.get("/register/export.<kind>")
@limiter.limit(_export_limit, scope="export")
def export(kind: str):
    if kind not in EXPORT_TYPES:
        abort(404)
    query, problems = register.read_query(request.args)
    if problems:
        return error_response(400, " ".join(problems))
    mimetype, stream = EXPORT_TYPES[kind]
    wide = exports.sees_private_columns(current_user)
    deadline = exports.deadline_after(current_app.config["EXPORT_TIME_LIMIT"])
    as_of = utcnow()
    if stream is None:  # XLSX: built first, within the deadline, then sent
        handle = exports.xlsx_file(query, wide, deadline, as_of,
                                   current_app.config["BASE_URL"])
        response = Response(exports.file_chunks(handle), mimetype=mimetype)
        response.call_on_close(handle.close)  # also when the client goes away
    elif kind == "json":
        response = Response(stream_with_context(stream(query, wide, deadline, as_of)),
                            mimetype=mimetype)
    else:
        response = Response(stream_with_context(stream(query, wide, deadline)),
                            mimetype=mimetype)
    response.headers["Content-Disposition"] = \
        f'attachment; filename="registro-bollino-blu.{kind}"'
    # Open data: the licence and when the data were read, for every format (the CSV's
    # columns stay as consumers know them); documented on /opendata.
    response.headers["Link"] = (f'<{exports.LICENCE_URL}>; rel="license", '
                                f'<{current_app.config["BASE_URL"]}/opendata#colonne>; '
                                'rel="describedby"')
    response.headers["X-Data-As-Of"] = exports.as_of_text(as_of)
    response.headers["X-License"] = exports.LICENCE_ID
    return response


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(openapi_document(current_app.config["BASE_URL"]))


@bp.get("/api")
def api_docs():
    """The OpenAPI document rendered as a page (server-side: no script, no other site)."""
    return render_template("public/api.html", api_text=api_text,
                           doc=openapi_document(current_app.config["BASE_URL"]))


def api_text(text: str | None) -> Markup:
    """An OpenAPI summary or description as the page shows it: the document is written in
    English (it is the contract programs read), the page in the reader's language, with
    `names` in backticks shown as code."""
    parts = _(text).split("`") if text else []
    return Markup("").join(Markup("<code>{}</code>").format(part) if index % 2 else part
                           for index, part in enumerate(parts))


@bp.get("/feeds/status.atom")
def status_feed():
    return Response(feeds.status_feed(), mimetype="application/atom+xml")


# The public scheme ----------------------------------------------------------------------
@bp.get("/scheme")
def scheme_in_force():
    return _render_scheme(public_scheme.in_force())


@bp.get("/scheme/<code>/<version>")
def scheme_version(code: str, version: str):
    found = public_scheme.published(code, version)
    if found is None:
        abort(404)
    return _render_scheme(found)


def _render_scheme(found: public_scheme.Published):
    return render_template(
        "public/scheme.html", found=found, scheme=found.scheme,
        cycle=public_scheme.cycle_facts(found.scheme),
        others=public_scheme.other_versions(found.version.code, found.version))


@bp.get("/api/v1/schemes/<code>/<version>")
@limiter.limit(_api_limit, scope="api")
def api_scheme(code: str, version: str):
    found = public_scheme.published(code, version)
    if found is None:
        return error_response(404, f"no public version {version} of scheme {code}",
                              "not_found")
    return jsonify(public_scheme.as_json(found))


# The live badge -------------------------------------------------------------------------
BADGE_TYPES = {"svg": ("image/svg+xml", badge.svg), "png": ("image/png", badge.png)}


@bp.get("/register/<int:firm_id>/badge.<kind>")
def firm_badge(firm_id: int, kind: str):
    if kind not in BADGE_TYPES:
        abort(404)
    found = badge.badge_of(firm_id, badge.language(request.args.get("lang")))
    if found is None:
        abort(404)
    mimetype, draw = BADGE_TYPES[kind]
    response = Response(draw(found), mimetype=mimetype)
    # Drawn now, kept briefly: a change of status shows within minutes on every site, and
    # at once for anyone who asks again (the ETag changes with what the badge says).
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.add_etag()
    return response.make_conditional(request)
