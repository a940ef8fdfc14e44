"""The officials' register: public rows plus area results, traffic shares, numbers and
pending applications, filterable on them."""

from __future__ import annotations

import re

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from registry.db import today_in_rome
from registry.firms.geography import REGIONS
from registry.ministry import statistics
from registry.public import register
from registry.security import Role, private_blueprint, roles_required

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
        page_size=register.PAGE_SIZE, problems=problems), 400 if problems else 200
