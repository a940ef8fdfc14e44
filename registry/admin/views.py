"""User administration: list, create, edit roles, deactivate."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits.models import SchemeVersion
from audits.schemes_store import list_versions, scheme_of
from registry.accounts import lists, services, sessions
from registry.accounts.forms import UserCreateForm, UserEditForm
from registry.accounts.models import User
from registry.admin import audit_trail
from registry.errors import error_response
from registry.extensions import db, limiter
from registry.forms import run_use_case
from registry.security import Role, private_blueprint, roles_required
from registry.tabular import download, rate_limit

bp = private_blueprint(Blueprint("admin", __name__, url_prefix="/admin"))


@bp.get("/schemes")
@roles_required(Role.ADMIN)
def schemes():
    return render_template("admin/schemes.html", versions=list_versions())


@bp.get("/schemes/<int:version_id>")
@roles_required(Role.ADMIN)
def scheme(version_id: int):
    version = db.get_or_404(SchemeVersion, version_id)
    return render_template("admin/scheme.html", version=version, scheme=scheme_of(version))


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    rows = db.session.scalars(db.select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=rows)


@bp.get("/users/export.<kind>")
@roles_required(Role.ADMIN)
@limiter.limit(rate_limit, scope="staff-export")
def users_export(kind: str):
    return download(kind, "utenti", lists.USER_COLUMNS,
                    lambda: lists.user_rows(lists.every_user()), sheet="Utenti")


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_user():
    form = UserCreateForm()
    if form.validate_on_submit() and run_use_case(
            lambda: services.create_user(form.email.data, form.name.data, form.password.data,
                                         form.roles.data, actor=current_user),
            form=form, success=_("Utente creato.")).ok:
        return redirect(url_for("admin.users"))
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    user = services.get_user(user_id)
    form = UserEditForm(obj=user, data=None)
    if not form.is_submitted():
        form.roles.data = sorted(user.roles)
    if form.validate_on_submit() and run_use_case(
            lambda: services.update_user(user, name=form.name.data, roles=form.roles.data,
                                         active=form.active.data, actor=current_user,
                                         current_session=sessions.current_session_id()),
            form=form, success=_("Utente aggiornato.")).ok:
        return redirect(url_for("admin.users"))
    return render_template("admin/user_edit.html", form=form, user=user)


@bp.post("/users/<int:user_id>/second-factor/reset")
@roles_required(Role.ADMIN)
def reset_second_factor(user_id: int):
    user = services.get_user(user_id)
    run_use_case(lambda: services.reset_second_factor(user, actor=current_user),
                 success=_("Secondo fattore reimpostato: le sessioni dell'utente sono state "
                           "chiuse; al prossimo accesso dovrà attivarlo di nuovo."))
    return redirect(url_for("admin.edit_user", user_id=user_id))


@bp.get("/audit-log")
@roles_required(Role.ADMIN)
def audit_log():
    filters, problems = audit_trail.read_filters(request.args)
    events, total = audit_trail.page_of(filters)
    return render_template("admin/audit_log.html", events=events, total=total,
                           filters=filters, problems=problems,
                           actors=audit_trail.actor_emails(events),
                           types=audit_trail.type_choices(),
                           action_label=audit_trail.action_label,
                           object_label=audit_trail.object_label,
                           page_size=audit_trail.PAGE_SIZE), 400 if problems else 200


@bp.get("/audit-log/export.<kind>")
@roles_required(Role.ADMIN)
@limiter.limit(rate_limit, scope="staff-export")
def audit_log_export(kind: str):
    filters, problems = audit_trail.read_filters(request.args)
    if problems:
        return error_response(400, " ".join(problems))
    meta = {"filters": filters.as_args(),
            "hash": "sha256(prev_hash + '\\n' + canonical(event)), canonical = JSON of id, "
                    "occurred_at, actor_id, action, object_type, object_id, before, after, "
                    "note with sorted keys and no spaces"}
    return download(kind, "registro-eventi", audit_trail.COLUMNS,
                    lambda: audit_trail.rows(filters), sheet="Eventi", meta=meta)
