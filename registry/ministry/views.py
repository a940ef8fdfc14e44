"""The officials' register: public rows plus area results, traffic shares, numbers and
pending applications, filterable on them."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from registry.applications.services import state_label
from registry.certificates import lookup
from registry.firms.geography import REGIONS
from registry.ministry import statistics
from registry.public import register
from registry.public.views import _query
from registry.security import Role, roles_required

bp = Blueprint("ministry", __name__, url_prefix="/ministry")


@bp.get("")
@roles_required(Role.MINISTRY)
def index():
    query = _query()
    try:
        min_extra_eu = min(100, max(0, int(request.args.get("min_extra_eu", "0") or 0)))
    except ValueError:
        min_extra_eu = 0
    rows, total = register.search(query, min_extra_eu=min_extra_eu)
    return render_template(
        "ministry/index.html", rows=rows, total=total, query=query, min_extra_eu=min_extra_eu,
        pending=statistics.pending_applications(firm.id for firm, _c in rows),
        stats=statistics.overview(lookup.today()), regions=sorted(REGIONS),
        statuses=statistics.STATUSES, levels=statistics.LEVELS, state_label=state_label,
        page_size=register.PAGE_SIZE)
