"""The admin's side of the workflow: assigning auditors and appeals."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits.models import Assignment
from registry.accounts.models import User, UserRole
from registry.applications import assignments, decisions, services
from registry.applications.audit_forms import AppealAssignForm, AssignForm
from registry.applications.models import Appeal, Application
from registry.errors import DomainError, NotFound
from registry.extensions import db
from registry.forms import show_domain_error
from registry.security import Role, roles_required

bp = Blueprint("assignments", __name__, url_prefix="/admin/applications")


def _people(role: Role) -> list[User]:
    return list(db.session.scalars(db.select(User).join(UserRole).where(
        UserRole.role == str(role), User.active.is_(True)).order_by(User.name)))


@bp.get("")
@roles_required(Role.ADMIN)
def index():
    rows = db.session.scalars(db.select(Application).where(Application.state.in_(
        ["submitted", "under_audit", "changes_requested", "assessed"])).order_by(
        Application.id)).all()
    appeals = db.session.scalars(db.select(Appeal).where(Appeal.outcome.is_(None))).all()
    return render_template("admin/applications.html", applications=rows, appeals=appeals,
                           state_label=services.state_label)


@bp.route("/<int:application_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def assign(application_id: int):
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound(_("Domanda non trovata."))
    auditors = _people(Role.AUDITOR)
    form = AssignForm()
    form.auditor_id.choices = [(a.id, a.name) for a in auditors]
    if form.validate_on_submit():
        auditor = db.session.get(User, form.auditor_id.data)
        try:
            assignments.assign(application, auditor, form.role.data, current_user)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Valutatore assegnato."), "success")
            return redirect(url_for("assignments.assign", application_id=application_id))
    current = db.session.scalars(db.select(Assignment).where(
        Assignment.application_id == application.id)).all()
    checks = {a.id: assignments.obstacles(a, application) for a in auditors}
    return render_template("admin/assign.html", application=application, form=form,
                           current=current, auditors=auditors, checks=checks,
                           state_label=services.state_label)


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def assign_appeal(appeal_id: int):
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound(_("Ricorso non trovato."))
    officers = _people(Role.OFFICER)
    form = AppealAssignForm()
    form.officer_id.choices = [(o.id, o.name) for o in officers]
    if form.validate_on_submit():
        try:
            decisions.assign_appeal(appeal, db.session.get(User, form.officer_id.data),
                                    current_user)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Ricorso assegnato."), "success")
            return redirect(url_for("assignments.index"))
    checks = {o.id: decisions.appeal_obstacles(appeal, o) for o in officers}
    return render_template("admin/assign_appeal.html", appeal=appeal, form=form,
                           officers=officers, checks=checks)
