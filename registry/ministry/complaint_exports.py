"""The officers' list of complaints downloaded as CSV, XLSX or JSON with the filters on
screen. Here, above the features, because it reuses the public exports' formula-safe
writers (a complaint's firm name is text typed by people)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, request
from flask_login import current_user

from registry.complaints import services
from registry.public.exports import csv_table, xlsx_table
from registry.security import Role, private_blueprint, roles_required

bp = private_blueprint(Blueprint("complaint_exports", __name__))

TYPES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "json": "application/json"}


@bp.get("/complaints/export.<fmt>")
@roles_required(Role.OFFICER)
def export(fmt: str):
    if fmt not in TYPES:
        abort(404)
    rows = services.staff_list(request.args.get("state") or None,
                               request.args.get("kind") or None,
                               request.args.get("firm", type=int), current_user)
    header, table = services.export_table(rows)
    if fmt == "csv":
        body = csv_table(header, table)
    elif fmt == "xlsx":
        body = xlsx_table("Segnalazioni", header, table)
    else:
        body = json.dumps([dict(zip(header, values, strict=True)) for values in table],
                          ensure_ascii=False, indent=1)
    response = Response(body, mimetype=TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="segnalazioni.{fmt}"'
    return response
