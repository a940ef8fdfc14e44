"""The officials' register: public rows plus area results, traffic shares, numbers and
pending applications, filterable on them."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import func

from registry.applications.models import Application
from registry.applications.services import OPEN_STATES
from registry.extensions import db
from registry.firms.geography import REGIONS
from registry.firms.models import Firm
from registry.public import register
from registry.public.views import _query
from registry.security import Role, roles_required

bp = Blueprint("ministry", __name__, url_prefix="/ministry")


@bp.get("")
@roles_required(Role.MINISTRY)
def index():
    query = _query()
    try:
        min_extra_eu = int(request.args.get("min_extra_eu", "0") or 0)
    except ValueError:
        min_extra_eu = 0
    rows, total = register.search(query, min_extra_eu=min_extra_eu)
    firm_ids = [firm.id for firm, _c in rows]
    pending = dict(db.session.execute(
        db.select(Application.firm_id, func.count()).where(
            Application.firm_id.in_(firm_ids),
            Application.state.in_([str(s) for s in OPEN_STATES]))
        .group_by(Application.firm_id)).all()) if firm_ids else {}
    stats = dict(db.session.execute(db.select(Firm.office_region, func.count()).group_by(
        Firm.office_region)).all())
    return render_template("ministry/index.html", rows=rows, total=total, query=query,
                           pending=pending, min_extra_eu=min_extra_eu, stats=stats,
                           regions=sorted(REGIONS), page_size=register.PAGE_SIZE)
