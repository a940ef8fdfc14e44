"""Complaint pages: the public report and the workers' anonymous channel under
/register/<firm-id>/report (contract.md), the officers' triage, the firm's answers and the
ministry's counts.

The anonymous channel logs nothing about the request and stores nothing about it; the
receipt code travels only in POST bodies, never in a URL (access logs keep URLs).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from registry.complaints import services
from registry.complaints.forms import (
    FirmAnswerForm,
    FollowForm,
    PublicReportForm,
    TriageForm,
    WorkerReportForm,
)
from registry.complaints.labels import (
    complaint_action_label,
    complaint_category_label,
    complaint_kind_label,
    complaint_outcome_label,
    complaint_state_label,
)
from registry.complaints.models import Complaint
from registry.complaints.workflow import (
    CLOSE_OUTCOMES,
    FIRM_VISIBLE,
    OPEN,
    REPORTER_VISIBLE,
    ComplaintAction,
    ComplaintCategory,
    ComplaintKind,
    ComplaintOutcome,
    ComplaintState,
)
from registry.db import today_in_rome
from registry.errors import NotFound
from registry.extensions import db, limiter
from registry.firms.models import Firm
from registry.forms import run_use_case
from registry.security import OVERSIGHT, Role, private_blueprint, roles_required
from registry.storage.uploads import send_upload
from registry.tabular import download, rate_limit

bp = private_blueprint(Blueprint("complaints", __name__))

DEFAULT_FILE_LIMIT = "5 per hour"
DEFAULT_FOLLOW_LIMIT = "30 per hour"


@bp.context_processor
def labels() -> dict:
    return {"complaint_kind_label": complaint_kind_label,
            "complaint_state_label": complaint_state_label,
            "complaint_action_label": complaint_action_label,
            "complaint_category_label": complaint_category_label,
            "complaint_outcome_label": complaint_outcome_label}


def _file_limit() -> str:
    return current_app.config.get("COMPLAINT_RATE_LIMIT", DEFAULT_FILE_LIMIT)


def _follow_limit() -> str:
    return current_app.config.get("COMPLAINT_FOLLOW_RATE_LIMIT", DEFAULT_FOLLOW_LIMIT)


def _address_key() -> str:
    """The rate-limit bucket of the sender: a keyed hash of its address that changes every
    day, so neither the limiter's store nor its log lines ever hold the address itself."""
    day = today_in_rome().isoformat()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    address = (get_remote_address() or "").encode()
    return "complaint:" + hmac.new(secret, day.encode() + b"|" + address,
                                   hashlib.sha256).hexdigest()[:32]


def _listed_firm(firm_id: int) -> Firm:
    """A firm the public register lists (it holds or held a certificate)."""
    firm = db.session.get(Firm, firm_id)
    if firm is None or firm.current_certificate_id is None:
        raise NotFound(_("Azienda non trovata nel registro."))
    return firm


def _refused(form) -> str | None:
    """Why a filing is refused before any work: the honeypot field was filled."""
    if form.website.data:
        return _("La segnalazione non è stata accettata. Se sei una persona, lascia vuoto "
                 "il campo nascosto e riprova.")
    return None


# --- public ----------------------------------------------------------------------------------

@bp.route("/register/<int:firm_id>/report", methods=["GET", "POST"])
@limiter.limit(_file_limit, key_func=_address_key, scope="complaint", methods=["POST"])
def public_report(firm_id: int):
    firm = _listed_firm(firm_id)
    form = PublicReportForm()
    problem = None
    if form.is_submitted():
        problem = _refused(form)
        if problem is None and form.validate() and run_use_case(
                lambda: services.file_public_report(
                    firm, called_at=form.called_at.moment,
                    calling_number=form.calling_number.data, text=form.text.data,
                    contact_email=form.contact_email.data,
                    attachment=request.files.get(form.attachment.name)),
                form=form).ok:
            return render_template("complaints/thanks.html", firm=firm)
        return render_template("complaints/report.html", firm=firm, form=form,
                               problem=problem), 400
    return render_template("complaints/report.html", firm=firm, form=form, problem=None)


@bp.route("/register/<int:firm_id>/report/worker", methods=["GET", "POST"])
@limiter.limit(_file_limit, key_func=_address_key, scope="complaint", methods=["POST"])
def worker_report(firm_id: int):
    firm = _listed_firm(firm_id)
    form = WorkerReportForm()
    if form.is_submitted():
        problem = _refused(form)
        outcome = None
        if problem is None and form.validate():
            outcome = run_use_case(
                lambda: services.file_worker_report(
                    firm, text=form.text.data,
                    attachment=request.files.get(form.attachment.name)), form=form)
        if outcome is not None and outcome.ok:
            # Shown once, in this response only: it is stored nowhere but as a hash.
            return render_template("complaints/receipt.html", firm=firm,
                                   code=outcome.value.code, follow=FollowForm())
        return render_template("complaints/worker.html", firm=firm, form=form,
                               problem=problem), 400
    return render_template("complaints/worker.html", firm=firm, form=form, problem=None)


@bp.route("/register/<int:firm_id>/report/follow", methods=["GET", "POST"])
@limiter.limit(_follow_limit, key_func=_address_key, scope="complaint-follow",
               methods=["POST"])
def follow(firm_id: int):
    firm = _listed_firm(firm_id)
    form = FollowForm()
    if not form.is_submitted():
        return render_template("complaints/follow.html", firm=firm, form=form, problem=None)
    # One lookup by hash whatever was typed: a code that does not exist and a wrong one
    # give the same page, the same status and the same work.
    valid = form.validate()  # the CSRF token only
    complaint = services.find_by_receipt(form.code.data)
    if not valid and "csrf_token" in form.errors:
        return render_template("complaints/follow.html", firm=firm, form=form, problem=_(
            "Il modulo è scaduto. Ricarica la pagina e riprova.")), 400
    if complaint is None:
        return render_template("complaints/follow.html", firm=firm, form=FollowForm(
            formdata=None), problem=_("Codice di ricevuta non riconosciuto. Controlla di "
                                      "averlo copiato per intero.")), 404
    shown, status = FollowForm(formdata=None, code=form.code.data), 200
    if form.text.data and form.text.data.strip() and not run_use_case(
            lambda: services.reporter_message(complaint, form.text.data), form=shown,
            success=_("Messaggio inviato.")).ok:
        shown.text.data, status = form.text.data, 400
    return render_template("complaints/case.html", firm=firm, complaint=complaint,
                           form=shown,
                           events=[e for e in complaint.events if e.action in REPORTER_VISIBLE],
                           can_write=complaint.state in OPEN), status


# --- officers --------------------------------------------------------------------------------

def _complaint(complaint_id: int) -> Complaint:
    return services.staff_complaint(current_user, complaint_id)


@bp.get("/complaints")
@roles_required(Role.OFFICER)
def index():
    state = request.args.get("state") or None
    kind = request.args.get("kind") or None
    firm_id = request.args.get("firm", type=int)
    return render_template("complaints/index.html",
                           rows=services.staff_list(state, kind, firm_id, current_user),
                           due=services.acknowledge_by, late=services.acknowledgement_late,
                           state=state, kind=kind, firm_id=firm_id,
                           states=list(ComplaintState), kinds=list(ComplaintKind))


@bp.get("/complaints/<int:complaint_id>")
@roles_required(Role.OFFICER)
def detail(complaint_id: int):
    complaint = _complaint(complaint_id)
    return _detail_page(complaint, TriageForm())


def _detail_page(complaint: Complaint, form: TriageForm, status: int = 200):
    form.category.choices = [(str(c), complaint_category_label(c)) for c in ComplaintCategory]
    form.outcome.choices = [(str(o), complaint_outcome_label(o)) for o in CLOSE_OUTCOMES]
    if not form.firm_id.data:
        form.firm_id.data = complaint.firm_id
    if not form.certificate_number.data:
        form.certificate_number.data = complaint.certificate_number
    actions = services.actions_for(current_user, complaint)
    return render_template("complaints/detail.html", complaint=complaint, form=form,
                           can={a.value: a in actions for a in ComplaintAction},
                           audit_opened=complaint.outcome == ComplaintOutcome.AUDIT_OPENED,
                           suspension=complaint.outcome == ComplaintOutcome.SUSPENSION_PROPOSED
                           ), status


@bp.post("/complaints/<int:complaint_id>/act")
@roles_required(Role.OFFICER)
def act(complaint_id: int):
    complaint = _complaint(complaint_id)
    form = TriageForm()
    if form.validate() and run_use_case(
            lambda: services.officer_act(
                complaint, current_user, form.action.data, text=form.text.data,
                category=form.category.data, outcome=form.outcome.data,
                firm_id=form.firm_id.data, certificate_number=form.certificate_number.data),
            form=form, success=_("Segnalazione aggiornata.")).ok:
        return redirect(url_for("complaints.detail", complaint_id=complaint.id))
    return _detail_page(_complaint(complaint_id), form, 400)


@bp.get("/complaints/<int:complaint_id>/attachment")
@roles_required(Role.OFFICER)
def attachment(complaint_id: int):
    complaint = _complaint(complaint_id)
    if not complaint.attachment_sha256:
        raise NotFound(_("La segnalazione non ha allegati."))
    return send_upload(complaint.attachment_sha256, complaint.attachment_mime,
                       f"segnalazione-{complaint.id}")


@bp.get("/complaints/overview")
@roles_required(*OVERSIGHT)
def overview():
    return render_template("complaints/overview.html", rows=services.overview(),
                           outcomes=list(ComplaintOutcome))


# --- the firm --------------------------------------------------------------------------------

@bp.get("/firm/complaints")
@roles_required(Role.APPLICANT)
def firm_list():
    rows = services.firm_complaints(current_user.firm_id) if current_user.firm_id else []
    return render_template("complaints/firm_list.html", rows=rows)


@bp.route("/firm/complaints/<int:complaint_id>", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def firm_detail(complaint_id: int):
    complaint = services.firm_complaint(current_user, complaint_id)
    form = FirmAnswerForm()
    status = 200
    if form.is_submitted():
        if form.validate() and run_use_case(
                lambda: services.firm_answer(complaint, current_user, form.text.data),
                form=form, success=_("Risposta inviata.")).ok:
            return redirect(url_for("complaints.firm_detail", complaint_id=complaint.id))
        status = 400
    return render_template(
        "complaints/firm_detail.html", complaint=complaint, form=form,
        events=[e for e in complaint.events if e.action in FIRM_VISIBLE],
        can_answer=ComplaintAction.FIRM_ANSWER in services.actions_for(current_user,
                                                                        complaint)), status


@bp.get("/complaints/export.<fmt>")
@roles_required(Role.OFFICER)
@limiter.limit(rate_limit, scope="staff-export")
def export(fmt: str):
    """The officers' list with the filters on screen, as CSV, XLSX or JSON."""
    complaints = services.staff_list(request.args.get("state") or None,
                                     request.args.get("kind") or None,
                                     request.args.get("firm", type=int), current_user)
    return download(fmt, "segnalazioni", services.EXPORT_COLUMNS,
                    lambda: services.export_rows(complaints), sheet="Segnalazioni")
