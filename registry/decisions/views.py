"""The certification officer's queue, decision page and appeals; the admin's queue of files
and appeals; the firm's appeal and its part of the application page."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits.schemes_store import scheme_of
from registry.accounts.models import User, active_with_role
from registry.applications import access, sections
from registry.applications.models import Application
from registry.assessments import services as assessments
from registry.assessments.forms import ChangesForm
from registry.certificates.labels import level_option
from registry.certificates.lookup import certificate_for
from registry.certificates.models import StatusChange
from registry.decisions import lists, services
from registry.decisions.forms import (
    AppealAssignForm,
    AppealDecisionForm,
    AppealForm,
    DecisionForm,
)
from registry.decisions.models import Appeal
from registry.errors import NotFound, error_response
from registry.extensions import db, limiter
from registry.forms import run_use_case
from registry.security import Role, private_blueprint, roles_required
from registry.tabular import download, rate_limit

bp = private_blueprint(Blueprint("decisions", __name__))


@bp.get("/officer")
@roles_required(Role.OFFICER)
def index():
    queue = lists.officer_queue()
    appeals = db.session.scalars(db.select(Appeal).where(
        Appeal.officer_id == current_user.id, Appeal.outcome.is_(None))).all()
    return render_template("decisions/index.html", queue=queue, appeals=appeals,
                           blocked={a.id: services.may_decide(current_user, a) for a in queue})


def _application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or assessments.assessment_of(application) is None:
        raise NotFound(_("Domanda non trovata."))
    return application


@bp.route("/officer/applications/<int:application_id>", methods=["GET", "POST"])
@roles_required(Role.OFFICER)
def decide(application_id: int):
    application = _application(application_id)
    assessment = assessments.assessment_of(application)
    complete = not assessments.unscored(assessment, application)
    result = assessments.evaluate(assessment, application) if complete else None
    computed = services.decidable_level(application, result)
    form = DecisionForm(prefix="dec")
    levels = services.allowed_levels(application, computed)
    # The computed level first and chosen: a browser that keeps no choice shows it, not ★.
    form.level.choices = [(lv.code, level_option(lv.code)) for lv in reversed(levels)]
    if computed and (not form.is_submitted() or not form.level.data):
        form.level.data = computed
    if form.validate_on_submit() and run_use_case(
            lambda: services.decide(application, current_user, form.outcome.data,
                                    form.level.data, form.reason.data or ""),
            form=form, success=_("Decisione registrata.")).ok:
        return redirect(url_for("decisions.index"))
    return render_template(
        "decisions/decide.html", application=application, assessment=assessment,
        scheme=scheme_of(application.scheme_version), result=result, form=form,
        changes=ChangesForm(prefix="chg"),
        actions=services.decision_actions(current_user, application),
        decision=services.decision_of(application))


@bp.post("/officer/applications/<int:application_id>/changes")
@roles_required(Role.OFFICER)
def request_changes(application_id: int):
    application = _application(application_id)
    form = ChangesForm(prefix="chg")
    if form.validate_on_submit():
        run_use_case(lambda: services.send_back(application, current_user, form.items.data),
                     success=_("Domanda rimandata all'azienda."))
    return redirect(url_for("decisions.decide", application_id=application_id))


@bp.route("/officer/appeals/<int:appeal_id>", methods=["GET", "POST"])
@roles_required(Role.OFFICER)
def appeal(appeal_id: int):
    item = db.session.get(Appeal, appeal_id)
    if item is None or item.officer_id != current_user.id:
        raise NotFound(_("Ricorso non trovato."))
    form = AppealDecisionForm(prefix="app")
    if form.validate_on_submit() and run_use_case(
            lambda: services.decide_appeal(item, current_user, form.outcome.data,
                                           form.reason.data),
            form=form, success=_("Ricorso deciso.")).ok:
        return redirect(url_for("decisions.index"))
    return render_template("decisions/appeal.html", appeal=item, form=form)


@bp.post("/applications/<int:application_id>/appeal")
@roles_required(Role.APPLICANT)
def lodge_appeal(application_id: int):
    application = access.get_for(current_user, application_id)
    decision = services.decision_of(application)
    form = AppealForm(prefix="apl")
    back = redirect(url_for("applications.detail", application_id=application_id))
    if decision is None or not form.validate_on_submit():
        flash(_("Scrivi i motivi del ricorso."), "danger")
        return back
    run_use_case(lambda: services.lodge_appeal(decision, current_user, form.text.data),
                 success=_("Ricorso presentato: sarà deciso da un responsabile che non ha "
                           "preso parte alla decisione."))
    return back


@bp.post("/manage/certificates/<number>/changes/<int:change_id>/appeal")
@roles_required(Role.APPLICANT)
def lodge_status_appeal(number: str, change_id: int):
    certificate = certificate_for(current_user, number)
    change = db.session.get(StatusChange, change_id)
    if change is None or change.certificate.number != certificate.number:
        raise NotFound(_("Decisione non trovata."))
    form = AppealForm(prefix="apl")
    if form.validate_on_submit():
        run_use_case(lambda: services.lodge_status_appeal(change, current_user, form.text.data),
                     success=_("Ricorso presentato: sarà deciso da un responsabile che non ha "
                               "preso parte alla decisione."))
    else:
        flash(_("Scrivi i motivi del ricorso."), "danger")
    return redirect(url_for("certificates.manage", number=number))


@bp.get("/admin/applications")
@roles_required(Role.ADMIN)
def admin_queue():
    filters, problems = lists.read_filters(request.args)
    appeals = db.session.scalars(db.select(Appeal).where(Appeal.outcome.is_(None))).all()
    return render_template("decisions/admin_queue.html",
                           applications=lists.admin_queue(filters), appeals=appeals,
                           filters=filters, problems=problems,
                           states=lists.state_choices(), kinds=lists.kind_choices(),
                           ), 400 if problems else 200


@bp.get("/admin/applications/export.<kind>")
@roles_required(Role.ADMIN)
@limiter.limit(rate_limit, scope="staff-export")
def admin_queue_export(kind: str):
    filters, problems = lists.read_filters(request.args)
    if problems:
        return error_response(400, " ".join(problems))
    return download(kind, "domande-in-corso", lists.APPLICATION_COLUMNS,
                    lambda: lists.application_rows(lists.admin_queue(filters)),
                    sheet="Domande", meta={"filters": filters.as_args()})


@bp.get("/officer/decisions")
@roles_required(Role.OFFICER, Role.ADMIN)
def decisions_taken():
    filters, problems = lists.read_decision_filters(request.args)
    found, total = lists.decisions_page(filters)
    return render_template("decisions/taken.html", decisions=found, total=total,
                           filters=filters, problems=problems,
                           outcomes=lists.outcome_choices(), page_size=lists.PAGE_SIZE,
                           ), 400 if problems else 200


@bp.get("/officer/decisions/export.<kind>")
@roles_required(Role.OFFICER, Role.ADMIN)
@limiter.limit(rate_limit, scope="staff-export")
def decisions_taken_export(kind: str):
    filters, problems = lists.read_decision_filters(request.args)
    if problems:
        return error_response(400, " ".join(problems))
    return download(kind, "decisioni", lists.DECISION_COLUMNS,
                    lambda: lists.decision_rows(lists.all_decisions(filters)),
                    sheet="Decisioni", meta={"filters": filters.as_args()})


@bp.get("/officer/export.<kind>")
@roles_required(Role.OFFICER)
@limiter.limit(rate_limit, scope="staff-export")
def officer_queue_export(kind: str):
    user = current_user._get_current_object()
    return download(kind, "valutazioni-da-decidere", lists.OFFICER_COLUMNS,
                    lambda: lists.officer_rows(user, lists.officer_queue()),
                    sheet="Da decidere")


@bp.route("/admin/applications/appeals/<int:appeal_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def assign_appeal(appeal_id: int):
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound(_("Ricorso non trovato."))
    officers = active_with_role(Role.OFFICER)
    form = AppealAssignForm()
    form.officer_id.choices = [(o.id, o.name) for o in officers]
    if form.validate_on_submit() and run_use_case(
            lambda: services.assign_appeal(appeal, db.session.get(User, form.officer_id.data),
                                           current_user),
            form=form, success=_("Ricorso assegnato.")).ok:
        return redirect(url_for("decisions.admin_queue"))
    checks = {o.id: services.appeal_obstacles(appeal, o) for o in officers}
    return render_template("decisions/assign_appeal.html", appeal=appeal, form=form,
                           officers=officers, checks=checks)


def firm_section(application: Application, user: User) -> str:
    """The decision and appeal part of the firm's application page."""
    return render_template("decisions/_firm_section.html",
                           view=services.firm_view(user, application),
                           appeal_form=AppealForm(prefix="apl"))


def init_app(app: Flask) -> None:
    """Add the decision's part to the application page (the firm's file cannot import us)."""
    sections.register_section(firm_section)

