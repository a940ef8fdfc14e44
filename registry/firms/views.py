"""The firm's pages: profile, operating sites, members.

Every route is for applicants; membership of the firm is checked by the services, which
answer NotFound (404) for another firm's objects so that ids reveal nothing.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from registry import storage
from registry.errors import DomainError, NotFound, NotPermitted
from registry.extensions import db, limiter
from registry.firms import changes, geography, lists, membership, notices, phones, services
from registry.firms import delocalisation as rules
from registry.firms.forms import (
    CHANNEL_LABELS,
    FIELD_LABELS,
    LEGAL_FORM_LABELS,
    SERVICE_TYPE_LABELS,
    ChangeDecisionForm,
    ConfirmForm,
    FirmForm,
    InviteForm,
    JoinForm,
    NoticeForm,
    NoticeWithdrawForm,
    NumberDeclareForm,
    NumberEndForm,
    ProfileChangeForm,
    SiteCloseForm,
    SiteForm,
    show_errors,
)
from registry.firms.labels import authority_label, delocalisation_label
from registry.firms.models import Firm
from registry.firms.workflow import MembershipKind, ProfileChangeKind
from registry.forms import run_use_case
from registry.security import OVERSIGHT, Role, private_blueprint, roles_required
from registry.tabular import download, rate_limit

bp = private_blueprint(Blueprint("firms", __name__, url_prefix="/firm"))


def firm_required(view):
    """Pass the current user's firm to the view; without one, go and create it."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        firm = services.firm_of(current_user)
        if firm is None:
            flash(_("Registra prima il profilo della tua azienda."), "info")
            return redirect(url_for("firms.new"))
        return view(firm, *args, **kwargs)

    return wrapped


def _attempt(action, success: str) -> bool:
    """Run one use case; a rule it breaks becomes a flash. Not-found and not-permitted go on
    to the error pages (404/403)."""
    return run_use_case(action, success=success, propagate=(NotFound, NotPermitted)).ok


def _saved(saved: str):
    """The message after an edit: what was saved, or that nothing had changed."""
    return lambda changed: ((saved, "success") if changed
                            else (_("Nessuna modifica da salvare."), "info"))


def _labels() -> dict:
    return {"legal_forms": LEGAL_FORM_LABELS, "service_types": SERVICE_TYPE_LABELS,
            "channels": CHANNEL_LABELS, "province": geography.province_name,
            "country": lambda code: geography.country_name(code, str(get_locale() or "it"))}


# Profile ------------------------------------------------------------------------------------
@bp.get("")
@roles_required(Role.APPLICANT)
@firm_required
def profile(firm):
    return render_template("firms/profile.html", firm=firm, labels=_labels(),
                           confirm_form=ConfirmForm(),
                           can_manage=membership.can_manage_members(current_user, firm),
                           sites_by_request=firm.identity_locked_at is not None)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def new():
    if current_user.firm_id is not None:
        return redirect(url_for("firms.profile"))
    form = FirmForm()
    # One firm per P.IVA: say so as soon as the number is recognised, before any other error.
    if form.is_submitted() and services.find_by_vat(form.vat_number.data):
        return _already_registered(form)
    if form.validate_on_submit():
        try:
            outcome = run_use_case(lambda: services.create_firm(current_user,
                                                                form.profile_data()),
                                   form=form, show=show_errors,
                                   propagate=(NotFound, services.FirmAlreadyRegistered),
                                   success=_("Profilo dell'azienda registrato."))
        except services.FirmAlreadyRegistered:
            db.session.rollback()
            return _already_registered(form)
        if outcome.ok:
            return redirect(url_for("firms.profile"))
    return render_template("firms/new.html", form=form,
                           join_form=JoinForm(formdata=None, prefix="join"),
                           pending=membership.my_pending_joins(current_user))


def _already_registered(form: FirmForm):
    """The same page, input kept, led by the offer to ask to join the existing firm."""
    form.vat_number.errors = [_("Un'azienda con questa partita IVA è già registrata.")]
    existing = services.find_by_vat(form.vat_number.data)
    vat_number = existing.vat_number if existing else form.vat_number.data
    join_form = JoinForm(formdata=None, prefix="join", vat_number=vat_number)
    return render_template("firms/new.html", form=form, join_form=join_form,
                           already_registered=True,
                           pending=membership.my_pending_joins(current_user))


@bp.post("/join")
@roles_required(Role.APPLICANT)
# Each request emails a firm's owner: a cap keeps the form from being used to spam them.
@limiter.limit("20 per hour", scope="firm-join")
def join():
    form = JoinForm(prefix="join")
    if not form.validate_on_submit():
        flash(_("Indica la partita IVA dell'azienda."), "danger")
    else:
        _attempt(lambda: membership.request_to_join(current_user, form.vat_number.data,
                                                    form.message.data),
                 _("Richiesta inviata: il titolare del profilo riceverà un'email e ti "
                   "scriveremo quando avrà deciso."))
    return redirect(url_for("firms.new"))


@bp.route("/edit", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
@firm_required
def edit(firm):
    form = FirmForm(data=services.profile_values(firm))
    if form.validate_on_submit() and run_use_case(
            lambda: services.update_firm(firm, form.profile_data(), current_user),
            form=form, show=show_errors, success=_saved(_("Profilo aggiornato."))).ok:
        return redirect(url_for("firms.profile"))
    return render_template("firms/edit.html", form=form, firm=firm,
                           identity_locked=firm.identity_locked_at is not None)


# Identity changes ---------------------------------------------------------------------------
@bp.route("/changes/new", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
@firm_required
def request_change(firm):
    form = ProfileChangeForm(data=services.profile_values(firm))
    if form.validate_on_submit():
        outcome = run_use_case(
            lambda: changes.request_change(firm, current_user, form.profile_data(),
                                           form.reason.data, form.evidence.data),
            form=form, show=show_errors,
            success=_("Richiesta inviata: fino all'approvazione il registro mostra i dati "
                      "attuali."))
        if outcome.ok:
            return redirect(url_for("firms.change", change_id=outcome.value.id))
    return render_template("firms/change_new.html", form=form, firm=firm)


@bp.get("/changes")
@roles_required(Role.APPLICANT, Role.OFFICER)
def changes_index():
    officer = current_user.has_role(Role.OFFICER)
    if officer:
        rows = changes.pending_requests()
    else:
        rows = changes.requests_of(current_user.firm_id) if current_user.firm_id else []
    return render_template("firms/changes.html", changes=rows, can_export=officer)


@bp.get("/changes/export.<kind>")
@roles_required(Role.OFFICER)
@limiter.limit(rate_limit, scope="staff-export")
def changes_export(kind: str):
    return download(kind, "richieste-di-modifica", lists.CHANGE_COLUMNS,
                    lambda: lists.change_rows(changes.pending_requests()), sheet="Richieste")


@bp.route("/changes/<int:change_id>", methods=["GET", "POST"])
@roles_required(Role.APPLICANT, *OVERSIGHT)
def change(change_id: int):
    item = changes.change_for(current_user, change_id)
    form = ChangeDecisionForm()
    blocked = changes.may_decide(current_user, item)
    if not blocked and form.validate_on_submit() and run_use_case(
            lambda: changes.decide_change(item, current_user, form.decision.data == "approve",
                                          form.reason.data),
            form=form, success=_("Decisione registrata.")).ok:
        return redirect(url_for("firms.change", change_id=change_id))
    return render_template("firms/change.html", change=item, form=form,
                           can_decide=not blocked, field_labels=FIELD_LABELS)


@bp.get("/changes/<int:change_id>/evidence")
@roles_required(Role.APPLICANT, *OVERSIGHT)
def change_evidence(change_id: int):
    item = changes.change_for(current_user, change_id)
    return storage.send_upload(item.evidence_sha256, item.evidence_type,
                               item.evidence_filename)


# Sites --------------------------------------------------------------------------------------
@bp.route("/sites/new", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
@firm_required
def new_site(firm):
    form = SiteForm()
    locked = firm.identity_locked_at is not None
    if locked and form.validate_on_submit():
        outcome = run_use_case(lambda: changes.request_site_change(
            firm, current_user, ProfileChangeKind.SITE_ADD, None, form.site_data(),
            form.reason.data, form.evidence.data), form=form, show=show_errors,
            success=_("Richiesta inviata: la sede compare dopo l'approvazione."))
        if outcome.ok:
            return redirect(url_for("firms.change", change_id=outcome.value.id))
    elif form.validate_on_submit() and run_use_case(
            lambda: services.create_site(firm, form.site_data(), current_user),
            form=form, show=show_errors, success=_("Sede operativa aggiunta.")).ok:
        return redirect(url_for("firms.profile"))
    return render_template("firms/site_form.html", form=form, firm=firm, site=None,
                           as_request=locked)


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
@firm_required
def edit_site(firm, site_id: int):
    site = services.get_site(current_user, site_id)
    form = SiteForm(obj=site)
    locked = firm.identity_locked_at is not None
    if locked and form.validate_on_submit():
        outcome = run_use_case(lambda: changes.request_site_change(
            firm, current_user, ProfileChangeKind.SITE_UPDATE, site, form.site_data(),
            form.reason.data, form.evidence.data), form=form, show=show_errors,
            propagate=(NotFound, NotPermitted),
            success=_("Richiesta inviata: la sede cambia dopo l'approvazione."))
        if outcome.ok:
            return redirect(url_for("firms.change", change_id=outcome.value.id))
    elif form.validate_on_submit() and run_use_case(
            lambda: services.update_site(site, form.site_data(), current_user),
            form=form, show=show_errors, propagate=(NotFound, NotPermitted),
            success=_saved(_("Sede aggiornata."))).ok:
        return redirect(url_for("firms.profile"))
    return render_template("firms/site_form.html", form=form, firm=firm, site=site,
                           as_request=locked)


@bp.route("/sites/<int:site_id>/close", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
@firm_required
def close_site(firm, site_id: int):
    site = services.get_site(current_user, site_id)
    if firm.identity_locked_at is not None:
        form = SiteCloseForm()
        if form.validate_on_submit():
            outcome = run_use_case(lambda: changes.request_site_change(
                firm, current_user, ProfileChangeKind.SITE_CLOSE, site, None,
                form.reason.data, form.evidence.data), form=form,
                propagate=(NotFound, NotPermitted),
                success=_("Richiesta inviata: la sede resta aperta fino all'approvazione."))
            if outcome.ok:
                return redirect(url_for("firms.change", change_id=outcome.value.id))
        return render_template("firms/site_close.html", form=form, firm=firm, site=site)
    if request.method == "GET":
        return redirect(url_for("firms.profile"))
    if ConfirmForm().validate_on_submit():
        _attempt(lambda: services.close_site(site, current_user),
                 _("Sede chiusa: resta nello storico del profilo."))
    return redirect(url_for("firms.profile"))


# Calling numbers ----------------------------------------------------------------------------
def _numbers_page(firm, declare_form=None, end_form=None, end_id=None):
    return render_template("firms/numbers.html", firm=firm, rows=phones.history(firm.id),
                           declare_form=declare_form or NumberDeclareForm(formdata=None),
                           end_form=end_form, end_id=end_id)


@bp.get("/numbers")
@roles_required(Role.APPLICANT)
@firm_required
def numbers(firm):
    return _numbers_page(firm)


@bp.post("/numbers")
@roles_required(Role.APPLICANT)
@firm_required
def declare_number(firm):
    form = NumberDeclareForm()
    if form.validate_on_submit():
        outcome = run_use_case(lambda: phones.declare_number(
            firm, form.number.data, current_user, form.valid_from.data), form=form,
            success=lambda row: (_("Numero %(number)s dichiarato.", number=row.number),
                                 "success"))
        if outcome.ok:
            return redirect(url_for("firms.numbers"))
    return _numbers_page(firm, declare_form=form), 400


@bp.post("/numbers/<int:number_id>/end")
@roles_required(Role.APPLICANT)
@firm_required
def end_number(firm, number_id: int):
    form = NumberEndForm()
    if form.validate_on_submit():
        outcome = run_use_case(lambda: phones.end_number(
            firm, number_id, current_user, form.valid_until.data), form=form,
            success=_("Fine d'uso registrata: il numero resta nello storico."))
        if outcome.ok:
            return redirect(url_for("firms.numbers"))
    return _numbers_page(firm, end_form=form, end_id=number_id), 400


# Art. 24-bis notices -------------------------------------------------------------------------
def _notice_form(firm, formdata=None):
    abroad = [s for s in firm.open_sites if rules.is_extra_eu(s.country)]
    return NoticeForm(abroad, authority_label, **({} if formdata else {"formdata": None}))


def _delocalisation_page(firm, form=None, withdraw_form=None, own=True, status=200):
    checks = notices.firm_checks(firm)
    return render_template(
        "firms/delocalisation.html", firm=firm, checks=checks,
        status=rules.classify(checks), problems=notices.problems(firm, checks),
        notices=notices.notices_of(firm.id), form=form or _notice_form(firm), own=own,
        withdraw_form=withdraw_form or NoticeWithdrawForm(formdata=None),
        authority_label=authority_label, delocalisation_label=delocalisation_label,
        country=notices.country_name), status


@bp.get("/delocalisation")
@roles_required(Role.APPLICANT)
@firm_required
def delocalisation(firm):
    return _delocalisation_page(firm)


@bp.post("/delocalisation")
@roles_required(Role.APPLICANT)
@firm_required
def record_notice(firm):
    form = _notice_form(firm, formdata=True)
    if form.validate_on_submit() and run_use_case(
            lambda: notices.record_notice(firm, current_user, form.notice_data(),
                                          form.document.data),
            form=form, success=_("Comunicazione registrata.")).ok:
        return redirect(url_for("firms.delocalisation"))
    return _delocalisation_page(firm, form=form, status=400)


@bp.post("/delocalisation/<int:notice_id>/withdraw")
@roles_required(Role.APPLICANT)
@firm_required
def withdraw_notice(firm, notice_id: int):
    form = NoticeWithdrawForm()
    if form.validate_on_submit() and run_use_case(
            lambda: notices.withdraw_notice(firm, current_user, notice_id, form.reason.data),
            form=form, success=_("Comunicazione ritirata: resta nello storico.")).ok:
        return redirect(url_for("firms.delocalisation"))
    return _delocalisation_page(firm, withdraw_form=form, status=400)


@bp.get("/delocalisation/notices/<int:notice_id>/document")
@roles_required(Role.APPLICANT, *OVERSIGHT)
def notice_document(notice_id: int):
    notice = notices.notice_for(current_user, notice_id)
    return storage.send_upload(notice.document_sha256, notice.document_type,
                               notice.document_filename)


@bp.get("/delocalisation/firms/<int:firm_id>")
@roles_required(*OVERSIGHT)
def firm_delocalisation(firm_id: int):
    firm = db.session.get(Firm, firm_id)
    if firm is None:
        raise NotFound(_("Azienda non trovata."))
    return _delocalisation_page(firm, own=False)


# Members ------------------------------------------------------------------------------------
@bp.get("/members")
@roles_required(Role.APPLICANT)
@firm_required
def members(firm):
    can_manage = membership.can_manage_members(current_user, firm)
    return render_template(
        "firms/members.html", firm=firm, members=membership.members(firm),
        join_requests=membership.pending_requests(firm, MembershipKind.JOIN) if can_manage else [],
        invitations=membership.pending_requests(firm, MembershipKind.INVITE) if can_manage else [],
        can_manage=can_manage, invite_form=InviteForm(formdata=None),
        confirm_form=ConfirmForm())


@bp.post("/members/invite")
@roles_required(Role.APPLICANT)
@firm_required
# Invitations go to any address the owner types: capped so the registry is no spam relay.
@limiter.limit("50 per day", scope="firm-invite")
def invite(firm):
    membership.require_owner(current_user, firm)
    form = InviteForm()
    if not form.validate_on_submit():
        flash(form.email.errors[0] if form.email.errors else _("Indirizzo email non valido."),
              "danger")
    else:
        email = form.email.data
        _attempt(lambda: membership.invite_member(current_user, firm, email),
                 _("Invito inviato a %(email)s.", email=email))
    return redirect(url_for("firms.members"))


@bp.post("/members/requests/<int:request_id>/<any(accept, refuse):decision>")
@roles_required(Role.APPLICANT)
@firm_required
def decide_request(firm, request_id: int, decision: str):
    accept = decision == "accept"
    if ConfirmForm().validate_on_submit():
        _attempt(lambda: membership.decide_join_request(current_user, firm, request_id, accept),
                 _("Richiesta accettata: la persona ora fa parte dell'azienda.") if accept
                 else _("Richiesta rifiutata."))
    return redirect(url_for("firms.members"))


@bp.post("/members/invitations/<int:request_id>/cancel")
@roles_required(Role.APPLICANT)
@firm_required
def cancel_invitation(firm, request_id: int):
    if ConfirmForm().validate_on_submit():
        _attempt(lambda: membership.cancel_invitation(current_user, firm, request_id),
                 _("Invito annullato."))
    return redirect(url_for("firms.members"))


@bp.post("/members/<int:user_id>/remove")
@roles_required(Role.APPLICANT)
@firm_required
def remove_member(firm, user_id: int):
    if ConfirmForm().validate_on_submit():
        _attempt(lambda: membership.remove_member(current_user, firm, user_id),
                 _("La persona non fa più parte dell'azienda."))
    return redirect(url_for("firms.members"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def invitation(token: str):
    try:
        _request, firm = membership.invitation_for(token, current_user)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("firms.profile"))
    form = ConfirmForm()
    accepted = request.method == "POST" and form.validate_on_submit() and _attempt(
        lambda: membership.accept_invitation(token, current_user),
        _("Benvenuto: ora fai parte di %(firm)s.", firm=firm.name))
    if accepted:
        return redirect(url_for("firms.profile"))
    return render_template("firms/invitation.html", firm=firm, form=form)
