"""Auditor calibration: the scheme owner's calibration page and the auditors' blind second
scorings."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from registry import storage
from registry.assessments import calibration, double_scoring
from registry.assessments.calibration_exports import TABLES
from registry.assessments.forms import second_scoring_form
from registry.assessments.labels import second_scoring_label
from registry.extensions import limiter
from registry.forms import run_use_case
from registry.security import Role, private_blueprint, roles_required
from registry.tabular import download, rate_limit

bp = private_blueprint(Blueprint("calibration", __name__))


@bp.get("/admin/calibration")
@roles_required(Role.ADMIN)
def index():
    return render_template("calibration/index.html", report=calibration.report(),
                           titles=calibration.criterion_titles(str(get_locale() or "it")),
                           second_scoring_label=second_scoring_label,
                           share=double_scoring.share_in_force())


@bp.get("/admin/calibration/<table>.<kind>")
@roles_required(Role.ADMIN)
@limiter.limit(rate_limit, scope="staff-export")
def export(table: str, kind: str):
    """One of the page's tables (TABLES) as CSV, XLSX or JSON; any other name: not found."""
    chosen = TABLES.get(table)
    if chosen is None:
        abort(404)
    report = calibration.report()
    titles = calibration.criterion_titles(str(get_locale() or "it"))
    return download(kind, chosen.filename, chosen.columns,
                    lambda: chosen.rows(report, titles), sheet=chosen.sheet,
                    meta={"table": table})


@bp.get("/audit/second-scorings")
@roles_required(Role.AUDITOR)
def second_scorings():
    return render_template("calibration/second_scorings.html",
                           pending=double_scoring.pending_for(current_user),
                           done=double_scoring.done_by(current_user))


@bp.route("/audit/second-scorings/<int:scoring_id>", methods=["GET", "POST"])
@roles_required(Role.AUDITOR)
def second_scoring(scoring_id: int):
    blind = double_scoring.blind_file(current_user, scoring_id)
    codes = blind.scoring.criteria_sample
    form = second_scoring_form(codes, request.form if request.method == "POST" else None)
    if blind.can_score and form.validate_on_submit():
        answers = {}
        for index, code in enumerate(codes):
            value = form[f"score_{index}"].data
            answers[code] = (None if value == "na" else int(value), value == "na",
                             form[f"notes_{index}"].data or "")
        if run_use_case(lambda: double_scoring.submit_second_scoring(
                blind.scoring, current_user, answers), form=form,
                success=_("Doppia valutazione inviata. Grazie: serve alla calibrazione, non "
                          "cambia la valutazione né la decisione.")).ok:
            return redirect(url_for("calibration.second_scorings"))
    lang = str(get_locale() or "it")
    return render_template("calibration/second_scoring.html", blind=blind, form=form,
                           lang=lang, fields=[(form[f"score_{i}"], form[f"notes_{i}"])
                                              for i in range(len(codes))]), \
        400 if form.errors else 200


@bp.get("/audit/second-scorings/<int:scoring_id>/documents/<int:document_id>"
        "/versions/<int:number>")
@roles_required(Role.AUDITOR)
def second_evidence(scoring_id: int, document_id: int, number: int):
    version = double_scoring.evidence_version(current_user, scoring_id, document_id, number)
    return storage.send_upload(version.sha256, version.content_type, version.filename)


@bp.post("/admin/calibration/draw")
@roles_required(Role.ADMIN)
def draw():
    def said(counts: tuple[int, int]) -> tuple[str, str]:
        new, given = counts
        return _("Estrazione applicata: %(n)d nuove doppie valutazioni, %(g)d assegnate a un "
                 "valutatore.", n=new, g=given), "success"

    run_use_case(lambda: double_scoring.draw_submitted(current_user), success=said)
    return redirect(url_for("calibration.index"))
