"""The certification officer's queue, decision page and appeals."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits.schemes_store import scheme_of
from registry.applications import assessments, decisions, services
from registry.applications.audit_forms import AppealDecisionForm, ChangesForm, DecisionForm
from registry.applications.models import Appeal, Application
from registry.errors import DomainError, NotFound
from registry.extensions import db
from registry.forms import show_domain_error
from registry.security import Role, roles_required

bp = Blueprint("officer", __name__, url_prefix="/officer")


@bp.get("")
@roles_required(Role.OFFICER)
def index():
    queue = db.session.scalars(db.select(Application).where(
        Application.state == "assessed").order_by(Application.id)).all()
    appeals = db.session.scalars(db.select(Appeal).where(
        Appeal.officer_id == current_user.id, Appeal.outcome.is_(None))).all()
    return render_template("officer/index.html", queue=queue, appeals=appeals,
                           blocked={a.id: decisions.may_decide(current_user, a) for a in queue})


def _application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or assessments.assessment_of(application) is None:
        raise NotFound(_("Domanda non trovata."))
    return application


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@roles_required(Role.OFFICER)
def decide(application_id: int):
    application = _application(application_id)
    assessment = assessments.assessment_of(application)
    complete = not assessments.unscored(assessment, application)
    result = assessments.evaluate(assessment, application) if complete else None
    scheme = scheme_of(application.scheme_version)
    form = DecisionForm(prefix="dec")
    computed = result.level.code if result and result.level else None
    form.level.choices = [(lv.code, lv.label_it) for lv in scheme.levels
                          if computed and lv.rank <= next(
                              x.rank for x in scheme.levels if x.code == computed)]
    blocked = decisions.may_decide(current_user, application)
    if form.validate_on_submit():
        try:
            decisions.decide(application, current_user, form.outcome.data, form.level.data,
                             form.reason.data or "")
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Decisione registrata."), "success")
            return redirect(url_for("officer.index"))
    return render_template(
        "officer/decide.html", application=application, assessment=assessment,
        scheme=scheme, result=result, form=form, changes=ChangesForm(prefix="chg"),
        blocked=blocked, decision=decisions.decision_of(application),
        state_label=services.state_label)


@bp.post("/applications/<int:application_id>/changes")
@roles_required(Role.OFFICER)
def request_changes(application_id: int):
    application = _application(application_id)
    form = ChangesForm(prefix="chg")
    if form.validate_on_submit():
        try:
            if decisions.may_decide(current_user, application):
                raise DomainError(" ".join(decisions.may_decide(current_user, application)))
            assessments.request_changes(application, current_user, form.items.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Domanda rimandata all'azienda."), "success")
    return redirect(url_for("officer.decide", application_id=application_id))


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@roles_required(Role.OFFICER)
def appeal(appeal_id: int):
    item = db.session.get(Appeal, appeal_id)
    if item is None or item.officer_id != current_user.id:
        raise NotFound(_("Ricorso non trovato."))
    form = AppealDecisionForm(prefix="app")
    if form.validate_on_submit():
        try:
            decisions.decide_appeal(item, current_user, form.outcome.data, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Ricorso deciso."), "success")
            return redirect(url_for("officer.index"))
    return render_template("officer/appeal.html", appeal=item, form=form)
