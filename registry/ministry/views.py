"""The officials' register: public rows plus area results, traffic shares, numbers and
pending applications, filterable on them; and the statistics page with its charts, "as of"
any past day, and its tables as downloads."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_babel import gettext as _

from registry.db import today_in_rome
from registry.errors import error_response
from registry.extensions import limiter
from registry.firms import notices
from registry.firms.geography import REGIONS
from registry.firms.labels import delocalisation_label
from registry.firms.workflow import FLAGGED, DelocalisationStatus
from registry.ministry import charts, history, statistics
from registry.ministry.labels import period_label
from registry.public import register
from registry.public.exports import csv_table, xlsx_table
from registry.security import Role, private_blueprint, roles_required
from registry.tabular import download, rate_limit

bp = private_blueprint(Blueprint("ministry", __name__, url_prefix="/ministry"))


@bp.get("")
@roles_required(Role.MINISTRY)
def index():
    query, problems = register.read_query(request.args)
    raw_share = request.args.get("min_extra_eu", "") or "0"
    if re.fullmatch(r"[0-9]{1,3}", raw_share) and int(raw_share) <= 100:
        min_extra_eu = int(raw_share)
    else:
        min_extra_eu = 0
        problems.append(_("Quota extra UE non valida: «%(value)s» (un numero da 0 a 100).",
                          value=raw_share[:40]))
    rows, total = register.search(query, min_extra_eu=min_extra_eu)
    return render_template(
        "ministry/index.html", rows=rows, total=total, query=query, min_extra_eu=min_extra_eu,
        pending=statistics.pending_applications(firm.id for firm, _c in rows),
        stats=statistics.overview(today_in_rome()), regions=sorted(REGIONS),
        statuses=register.STATUSES, levels=statistics.level_codes(),
        page_size=register.PAGE_SIZE, problems=problems,
        export_args=register.export_args(request.args)), 400 if problems else 200


# Art. 24-bis delocalisation -----------------------------------------------------------------
def _delocalisation_filters() -> tuple[str | None, DelocalisationStatus | None, list[str]]:
    """The region and status asked for; unknown values are ignored and said so."""
    problems = []
    region = request.args.get("region", "") or None
    if region is not None and region not in REGIONS:
        problems.append(_("Regione sconosciuta: «%(value)s».", value=region[:40]))
        region = None
    raw_status = request.args.get("status", "") or None
    status = None
    if raw_status is not None:
        if raw_status in FLAGGED:
            status = DelocalisationStatus(raw_status)
        else:
            problems.append(_("Filtro sullo stato non valido."))
    return region, status, problems


@bp.get("/delocalisation")
@roles_required(Role.MINISTRY)
def delocalisation():
    region, status, problems = _delocalisation_filters()
    rows = notices.flagged_firms(region, status)
    return render_template(
        "ministry/delocalisation.html", rows=rows, region=region, status=status,
        regions=sorted(REGIONS), statuses=[s for s in DelocalisationStatus if s in FLAGGED],
        delocalisation_label=delocalisation_label, problems=problems), \
        400 if problems else 200


@bp.get("/delocalisation/export.<kind>")
@roles_required(Role.MINISTRY)
@limiter.limit(rate_limit, scope="staff-export")
def delocalisation_export(kind: str):
    region, status, problems = _delocalisation_filters()
    if problems:
        return error_response(400, " ".join(problems))
    rows = notices.flagged_firms(region, status)
    return download(kind, "delocalizzazioni", notices.EXPORT_COLUMNS,
                    lambda: notices.export_rows(rows), sheet="Delocalizzazioni",
                    meta={"filters": {"region": region, "status": status}})
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOADS = {"csv": "text/csv", "xlsx": XLSX_TYPE, "json": "application/json"}
ALL_FIGURES = "tutte"


def _figures(asked: history.Asked) -> list[charts.Figure]:
    if asked.blank:
        return charts.blank_figures(asked.blank)
    return charts.cached_figures(asked.filters, asked.no_range)


@bp.get("/statistics")
@roles_required(Role.MINISTRY, Role.ADMIN)
def statistics_page():
    asked = history.read_filters(request.args, today_in_rome())
    return render_template(
        "ministry/statistics.html", asked=asked, filters=asked.filters,
        figures=_figures(asked), args=history.query_args(asked.filters),
        regions=sorted(REGIONS), levels=statistics.level_codes(),
        schemes=history.scheme_codes(), periods=list(history.Period),
        period_label=period_label,
        today=today_in_rome()), 400 if asked.problems else 200


@bp.get("/statistics/<key>.<kind>")
@roles_required(Role.MINISTRY, Role.ADMIN)
def statistics_download(key: str, kind: str):
    if kind not in DOWNLOADS or (key not in charts.FIGURE_KEYS and key != ALL_FIGURES):
        abort(404)
    asked = history.read_filters(request.args, today_in_rome())
    if asked.problems:
        return error_response(400, " ".join(asked.problems))
    figures = _figures(asked)
    if key == ALL_FIGURES:
        if kind != "json":
            abort(404)
        response = jsonify([figure.as_json(asked.filters) for figure in figures])
    else:
        figure = next(figure for figure in figures if figure.key == key)
        if kind == "json":
            response = jsonify(figure.as_json(asked.filters))
        elif kind == "csv":
            response = Response(csv_table(figure.columns, figure.rows), mimetype="text/csv")
        else:
            response = Response(xlsx_table(figure.key, figure.columns, figure.rows),
                                mimetype=XLSX_TYPE)
    name = f"statistiche-{key}-{asked.filters.at.isoformat()}.{kind}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
