"""The officials' register: public rows plus area results, traffic shares, numbers and
pending applications, filterable on them."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from registry.db import today_in_rome
from registry.firms.geography import REGIONS
from registry.ministry import statistics
from registry.public import register
from registry.security import Role, private_blueprint, roles_required

bp = private_blueprint(Blueprint("ministry", __name__, url_prefix="/ministry"))


@bp.get("")
@roles_required(Role.MINISTRY)
def index():
    query = register.query_from_args(request.args)
    try:
        min_extra_eu = min(100, max(0, int(request.args.get("min_extra_eu", "0") or 0)))
    except ValueError:
        min_extra_eu = 0
    rows, total = register.search(query, min_extra_eu=min_extra_eu)
    return render_template(
        "ministry/index.html", rows=rows, total=total, query=query, min_extra_eu=min_extra_eu,
        pending=statistics.pending_applications(firm.id for firm, _c in rows),
        stats=statistics.overview(today_in_rome()), regions=sorted(REGIONS),
        statuses=register.STATUSES, levels=statistics.level_codes(),
        page_size=register.PAGE_SIZE)
