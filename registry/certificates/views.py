"""Managing a certificate's status: officers suspend, reinstate, withdraw; firms renounce."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from registry.certificates import lifecycle, lists, lookup, transfers
from registry.certificates.labels import action_label
from registry.certificates.qr import qr_svg
from registry.errors import error_response
from registry.extensions import limiter
from registry.forms import run_use_case
from registry.security import OVERSIGHT, Role, has_any_role, private_blueprint, roles_required
from registry.tabular import download, rate_limit

bp = private_blueprint(Blueprint("certificates", __name__,
                                 url_prefix="/manage/certificates"))


class TransferForm(FlaskForm):
    target_vat = StringField(_l("Partita IVA della nuova società (già registrata)"),
                             validators=[DataRequired(_l("Campo obbligatorio.")),
                                         Length(max=20)])
    reason = TextAreaField(_l("Atto di fusione o cessione (estremi, data)"),
                           validators=[DataRequired(_l("Campo obbligatorio.")),
                                       Length(max=4000)])
    submit = SubmitField(_l("Trasferisci il certificato"))


class StatusForm(FlaskForm):
    action = SelectField(_l("Operazione"), choices=[])
    public_reason = TextAreaField(_l("Motivazione pubblica (compare nella pagina di verifica)"),
                                  validators=[DataRequired(_l("Campo obbligatorio.")),
                                              Length(max=1000)])
    internal_reason = TextAreaField(_l("Motivazione interna (non pubblica)"),
                                    validators=[Length(max=4000)])
    submit = SubmitField(_l("Registra"))


@bp.get("")
@roles_required(*OVERSIGHT, Role.APPLICANT)
def index():
    if has_any_role(current_user, OVERSIGHT):
        filters, problems = lists.read_filters(request.args)
        return render_template("certificates/index.html", certificates=lists.newest(filters),
                               filters=filters, problems=problems,
                               statuses=lists.status_choices(), limit=lists.PAGE_LIMIT,
                               ), 400 if problems else 200
    # A firm's own certificates: what it prints, shows and links to.
    rows = lookup.firm_certificates(current_user.firm_id) if current_user.firm_id else []
    return render_template("certificates/mine.html", certificates=rows,
                           appealable={c.number: lifecycle.appealable_by(current_user, c)
                                       for c in rows},
                           answers={c.number: lookup.check(c.number) for c in rows},
                           verify_urls={c.number: lookup.verify_url(c) for c in rows})


@bp.get("/export.<kind>")
@roles_required(*OVERSIGHT)
@limiter.limit(rate_limit, scope="staff-export")
def export(kind: str):
    filters, problems = lists.read_filters(request.args)
    if problems:
        return error_response(400, " ".join(problems))
    return download(kind, "certificati", lists.COLUMNS,
                    lambda: lists.rows(lists.every(filters)), sheet="Certificati",
                    meta={"filters": filters.as_args()})


@bp.post("/<number>/transfer")
@roles_required(Role.OFFICER)
def transfer(number: str):
    certificate = lookup.certificate_for(current_user, number)
    form = TransferForm(prefix="tr")
    if form.validate_on_submit():
        outcome = run_use_case(
            lambda: transfers.transfer(certificate, form.target_vat.data, current_user,
                                       form.reason.data))  # refusals flashed: we redirect
        if outcome.ok:
            flash(_("Certificato trasferito: il nuovo è il n. %(n)s.", n=outcome.value.number),
                  "success")
            return redirect(url_for("certificates.manage", number=outcome.value.number))
    else:
        flash(_("Indica la partita IVA della nuova società e l'atto."), "danger")
    return redirect(url_for("certificates.manage", number=number))


@bp.get("/<number>/qr.svg")
@roles_required(*OVERSIGHT, Role.APPLICANT)
def qr_image(number: str):
    """The certificate's QR code (its verify address with the signed token) to print."""
    certificate = lookup.certificate_for(current_user, number)
    response = make_response(qr_svg(lookup.verify_url(certificate)))
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Content-Disposition"] = f'inline; filename="{certificate.number}-qr.svg"'
    return response


@bp.route("/<number>", methods=["GET", "POST"])
@roles_required(*OVERSIGHT, Role.APPLICANT)
def manage(number: str):
    certificate = lookup.certificate_for(current_user, number)
    actions = lifecycle.allowed_actions(certificate, current_user)
    form = StatusForm()
    form.action.choices = [(str(a), action_label(a)) for a in actions]
    if actions and form.validate_on_submit() and run_use_case(
            lambda: lifecycle.change_status(certificate, form.action.data, current_user,
                                            public_reason=form.public_reason.data,
                                            internal_reason=form.internal_reason.data or ""),
            form=form, success=_("Stato del certificato aggiornato.")).ok:
        return redirect(url_for("certificates.manage", number=number))
    return render_template("certificates/manage.html", certificate=certificate, form=form,
                           actions=actions, answer=lookup.check(number),
                           deadline=lifecycle.suspension_deadline(certificate),
                           can_start_surveillance=lifecycle.can_start_surveillance(
                               certificate, current_user),
                           appealable=lifecycle.appealable_by(current_user, certificate),
                           transfer_form=TransferForm(prefix="tr"),
                           can_transfer=transfers.can_transfer(certificate, current_user),
                           verify_url=lookup.verify_url(certificate))
