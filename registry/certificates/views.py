"""Managing a certificate's status: officers suspend, reinstate, withdraw; firms renounce."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from registry.certificates import lifecycle, lookup
from registry.certificates.models import Certificate
from registry.errors import DomainError, NotFound
from registry.extensions import db
from registry.forms import show_domain_error
from registry.security import Role, roles_required

bp = Blueprint("certificates", __name__, url_prefix="/manage/certificates")

ACTION_LABELS = {"suspend": _l("Sospendi"), "reinstate": _l("Riattiva"),
                 "withdraw": _l("Revoca"), "renounce": _l("Rinuncia al certificato")}


class StatusForm(FlaskForm):
    action = SelectField(_l("Operazione"), choices=[])
    public_reason = TextAreaField(_l("Motivazione pubblica (compare nella pagina di verifica)"),
                                  validators=[DataRequired(_l("Campo obbligatorio.")),
                                              Length(max=1000)])
    internal_reason = TextAreaField(_l("Motivazione interna (non pubblica)"),
                                    validators=[Length(max=4000)])
    submit = SubmitField(_l("Registra"))


@bp.get("")
@roles_required(Role.OFFICER, Role.ADMIN, Role.MINISTRY)
def index():
    rows = db.session.scalars(db.select(Certificate).order_by(Certificate.id.desc())
                              .limit(200)).all()
    return render_template("certificates/index.html", certificates=rows)


def _certificate(number: str) -> Certificate:
    certificate = lookup.find(number)
    staff = any(current_user.has_role(r) for r in (Role.OFFICER, Role.ADMIN, Role.MINISTRY))
    if certificate is None or not (staff or current_user.firm_id == certificate.firm_id):
        raise NotFound(_("Certificato non trovato."))
    return certificate


@bp.post("/<number>/surveillance")
@roles_required(Role.OFFICER, Role.ADMIN)
def start_surveillance(number: str):
    from registry.applications.services import start_surveillance as start

    certificate = _certificate(number)
    try:
        application = start(certificate, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("certificates.manage", number=number))
    db.session.commit()
    flash(_("Audit di sorveglianza avviato (domanda n. %(n)d).", n=application.id), "success")
    return redirect(url_for("certificates.manage", number=number))


@bp.route("/<number>", methods=["GET", "POST"])
@roles_required(Role.OFFICER, Role.ADMIN, Role.MINISTRY, Role.APPLICANT)
def manage(number: str):
    certificate = _certificate(number)
    actions = lifecycle.allowed_actions(certificate, current_user)
    form = StatusForm()
    form.action.choices = [(a, str(ACTION_LABELS[a])) for a in actions]
    if actions and form.validate_on_submit():
        try:
            lifecycle.change_status(certificate, form.action.data, current_user,
                                    public_reason=form.public_reason.data,
                                    internal_reason=form.internal_reason.data or "")
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Stato del certificato aggiornato."), "success")
            return redirect(url_for("certificates.manage", number=number))
    return render_template("certificates/manage.html", certificate=certificate, form=form,
                           actions=actions, answer=lookup.check(number),
                           deadline=lifecycle.suspension_deadline(certificate),
                           can_survey=current_user.has_role(Role.OFFICER)
                           or current_user.has_role(Role.ADMIN),
                           verify_url=lookup.verify_url(certificate))
