"""The auditor's workspace: assignments, declaration, scoring, findings, submission."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits.models import Assignment
from audits.schemes_store import scheme_of
from registry.applications import assessments, assignments, evidence, services
from registry.applications.audit_forms import (
    ChangesForm,
    ConflictForm,
    DeclarationForm,
    DetailsForm,
    FindingForm,
    ScoreForm,
    SimpleForm,
)
from registry.applications.models import Application
from registry.errors import DomainError
from registry.extensions import db
from registry.forms import show_domain_error
from registry.security import Role, roles_required

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("")
@roles_required(Role.AUDITOR)
def index():
    rows = db.session.scalars(db.select(Assignment).where(
        Assignment.auditor_id == current_user.id).order_by(Assignment.id.desc())).all()
    return render_template("audit/index.html", assignments=rows,
                           state_label=services.state_label)


def _load(application_id: int):
    """The application and the current auditor's assignment on it, or 404."""
    assignment = assignments.assignment_for(current_user, application_id)
    return db.session.get(Application, application_id), assignment


@bp.route("/applications/<int:application_id>/declaration", methods=["GET", "POST"])
@roles_required(Role.AUDITOR)
def declaration(application_id: int):
    application, assignment = _load(application_id)
    form, conflict = DeclarationForm(prefix="decl"), ConflictForm(prefix="conf")
    if form.submit.data and form.validate_on_submit():
        assignments.sign_declaration(assignment, current_user, str(form.confirm.label.text))
        db.session.commit()
        return redirect(url_for("audit.workspace", application_id=application_id))
    if conflict.submit.data and conflict.validate_on_submit():
        assignments.declare_conflict(assignment, current_user, conflict.reason.data)
        db.session.commit()
        flash(_("Conflitto dichiarato: l'incarico è stato revocato."), "info")
        return redirect(url_for("audit.index"))
    return render_template("audit/declaration.html", application=application, form=form,
                           conflict=conflict)


def _open(application_id: int):
    application, assignment = _load(application_id)
    if assignment.declaration_signed_at is None:
        return None, None, redirect(url_for("audit.declaration", application_id=application_id))
    return application, assessments.assessment_of(application), None


@bp.get("/applications/<int:application_id>")
@roles_required(Role.AUDITOR)
def workspace(application_id: int):
    application, assessment, redirect_to = _open(application_id)
    if redirect_to:
        return redirect_to
    scheme = scheme_of(application.scheme_version)
    scored = assessments.score_map(assessment)
    details = DetailsForm(prefix="det", obj=None, data={
        "started_on": assessment.started_on, "ended_on": assessment.ended_on,
        "sites": assessment.sites_visited})
    details.sites.choices = [(s.id, s.public_place()) for s in application.firm.sites]
    result = None
    if not assessments.unscored(assessment, application):
        result = assessments.evaluate(assessment, application)
    return render_template(
        "audit/workspace.html", application=application, assessment=assessment,
        scheme=scheme, scored=scored, details=details, changes=ChangesForm(prefix="chg"),
        simple=SimpleForm(), sample=assessments.proposed_sample(assessment, application),
        open_=assessment.state == "draft" and application.state == "under_audit",
        result=result, state_label=services.state_label)


@bp.post("/applications/<int:application_id>/resume")
@roles_required(Role.AUDITOR)
def resume(application_id: int):
    application, assignment = _load(application_id)
    if assignment.declaration_signed_at is None:
        abort(403)
    assignments.open_assessment(application, current_user)
    db.session.commit()
    return redirect(url_for("audit.workspace", application_id=application_id))


@bp.route("/applications/<int:application_id>/criteria/<code>", methods=["GET", "POST"])
@roles_required(Role.AUDITOR)
def criterion(application_id: int, code: str):
    application, assessment, redirect_to = _open(application_id)
    if redirect_to:
        return redirect_to
    item = services.criterion_or_404(scheme_of(application.scheme_version), code)
    row = next((s for s in assessment.scores if s.criterion_code == code), None)
    initial = {}
    if row is not None:
        initial = {"score": "na" if row.not_applicable else str(row.score),
                   "justification": row.justification, "notes": row.notes,
                   "evidence_reviewed": row.evidence_reviewed}
    form = ScoreForm(prefix="sc", data=initial)
    finding = FindingForm(prefix="fd")
    try:
        if form.submit.data and form.validate_on_submit():
            na = form.score.data == "na"
            assessments.score_criterion(
                assessment, application, current_user, code,
                score=None if na else int(form.score.data), not_applicable=na,
                justification=form.justification.data or "", notes=form.notes.data or "",
                evidence_reviewed=form.evidence_reviewed.data or "")
            db.session.commit()
            flash(_("Punteggio salvato (bozza)."), "success")
            return redirect(url_for("audit.workspace", application_id=application_id))
        if finding.submit.data and finding.validate_on_submit():
            assessments.add_finding(assessment, application, current_user, code,
                                    finding.kind.data, finding.text.data, finding.due_on.data)
            db.session.commit()
            flash(_("Rilievo aggiunto."), "success")
            return redirect(request.path)
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form if form.submit.data else finding, error)
    docs = evidence.evidence_by_criterion(application.id).get(code, [])
    findings = [f for f in assessment.findings if f.criterion_code == code]
    return render_template("audit/criterion.html", application=application, criterion=item,
                           form=form, finding=finding, docs=docs, findings=findings,
                           open_=assessment.state == "draft"
                           and application.state == "under_audit")


@bp.post("/applications/<int:application_id>/details")
@roles_required(Role.AUDITOR)
def details(application_id: int):
    application, assessment, redirect_to = _open(application_id)
    if redirect_to:
        return redirect_to
    form = DetailsForm(prefix="det")
    form.sites.choices = [(s.id, s.public_place()) for s in application.firm.sites]
    if form.validate_on_submit():
        return _finish(lambda: assessments.save_audit_details(
            assessment, application, current_user, form.started_on.data, form.ended_on.data,
            form.sites.data or []), _("Date e sedi salvate."), application_id)
    flash(" ".join(str(e) for errs in form.errors.values() for e in errs), "danger")
    return redirect(url_for("audit.workspace", application_id=application_id))


@bp.post("/applications/<int:application_id>/submit")
@roles_required(Role.AUDITOR)
def submit(application_id: int):
    application, assessment, redirect_to = _open(application_id)
    if redirect_to:
        return redirect_to
    return _finish(lambda: assessments.submit_assessment(assessment, application,
                                                         current_user),
                   _("Valutazione inviata: ora decide un responsabile indipendente."),
                   application_id)


@bp.post("/applications/<int:application_id>/changes")
@roles_required(Role.AUDITOR)
def request_changes(application_id: int):
    application, _assessment, redirect_to = _open(application_id)
    if redirect_to:
        return redirect_to
    form = ChangesForm(prefix="chg")
    if not form.validate_on_submit():
        flash(_("Elenca le integrazioni richieste."), "danger")
        return redirect(url_for("audit.workspace", application_id=application_id))
    return _finish(lambda: assessments.request_changes(application, current_user,
                                                       form.items.data),
                   _("Domanda rimandata all'azienda."), application_id)


def _finish(action, message: str, application_id: int):
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("audit.workspace", application_id=application_id))
