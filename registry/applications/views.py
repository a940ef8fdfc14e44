"""The firm's application pages: overview with progress, one page per criterion, submit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits.schemes_store import scheme_of
from registry.applications import evidence, services, storage
from registry.applications.forms import (
    ConfirmForm,
    EvidenceForm,
    LinkForm,
    NoteForm,
    StartForm,
    SubmitForm,
    VersionForm,
)
from registry.applications.models import Application, CriterionNote
from registry.errors import DomainError
from registry.extensions import db
from registry.forms import show_domain_error
from registry.security import Role, login_required, roles_required

bp = Blueprint("applications", __name__, url_prefix="/applications")


@bp.get("")
@roles_required(Role.APPLICANT)
def index():
    rows = []
    if current_user.firm_id:
        rows = db.session.scalars(db.select(Application).where(
            Application.firm_id == current_user.firm_id).order_by(Application.id.desc())).all()
    return render_template("applications/index.html", applications=rows, form=StartForm(),
                           has_firm=current_user.firm_id is not None,
                           state_label=services.state_label)


@bp.post("/new")
@roles_required(Role.APPLICANT)
def start():
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        application = services.start_application(current_user, form.kind.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("applications.index"))
    db.session.commit()
    return redirect(url_for("applications.detail", application_id=application.id))


def _criteria_rows(application: Application):
    scheme = scheme_of(application.scheme_version)
    docs = evidence.evidence_by_criterion(application.id)
    notes = {n.criterion_code: n.note for n in application.notes}
    ordered = sorted(scheme.criteria, key=lambda c: (not c.knockout, c.code))
    return scheme, [(c, docs.get(c.code, []), notes.get(c.code, "")) for c in ordered]


@bp.get("/<int:application_id>")
@login_required
def detail(application_id: int):
    application = services.get_for(current_user, application_id)
    scheme, rows = _criteria_rows(application)
    with_evidence = sum(1 for _c, docs, _n in rows if docs)
    editable = services.is_firm_member(current_user, application) and \
        application.state in services.EDITABLE_BY_FIRM
    from registry.applications import decisions
    from registry.applications.audit_forms import AppealForm
    from registry.applications.models import Appeal

    decision = decisions.decision_of(application)
    appeal_row = decision and db.session.scalar(db.select(Appeal).where(
        Appeal.decision_id == decision.id))
    return render_template(
        "applications/detail.html", application=application, scheme=scheme, rows=rows,
        decision=decision, appeal=appeal_row, appeal_form=AppealForm(prefix="apl"),
        with_evidence=with_evidence, missing=services.missing_items(application),
        editable=editable, submit_form=SubmitForm(), confirm_form=ConfirmForm(),
        can_withdraw=services.is_firm_member(current_user, application)
        and application.state in services.OPEN_STATES,
        state_label=services.state_label)


@bp.route("/<int:application_id>/criteria/<code>", methods=["GET", "POST"])
@login_required
def criterion(application_id: int, code: str):
    application = services.get_for(current_user, application_id)
    scheme = scheme_of(application.scheme_version)
    item = services.criterion_or_404(scheme, code)
    note = db.session.scalar(db.select(CriterionNote).where(
        CriterionNote.application_id == application.id, CriterionNote.criterion_code == code))
    note_form = NoteForm(prefix="note", data={"note": note.note if note else ""})
    upload_form = EvidenceForm(prefix="ev")
    link_form = LinkForm(prefix="link")
    docs = evidence.evidence_by_criterion(application.id).get(code, [])
    link_form.document_id.choices = [(d.id, d.title) for d in evidence.firm_documents(application)
                                     if d not in docs]
    if note_form.submit.data and note_form.validate_on_submit():
        return _run(lambda: services.save_note(application, current_user, code,
                                               note_form.note.data or ""),
                    note_form, _("Nota salvata."), application.id, code)
    if upload_form.submit.data and upload_form.validate_on_submit():
        data = evidence.EvidenceFile(upload_form.title.data, upload_form.effective_on.data,
                                     upload_form.expires_on.data, upload_form.file.data)
        result = _run(lambda: evidence.add_evidence(application, current_user, code, data),
                      upload_form, _("Documento caricato."), application.id, code)
        if result is not None:
            return result
    if link_form.submit.data and link_form.validate_on_submit():
        return _run(lambda: evidence.link_document(application, current_user, code,
                                                   link_form.document_id.data),
                    link_form, _("Documento collegato."), application.id, code)
    editable = services.is_firm_member(current_user, application) and \
        application.state in services.EDITABLE_BY_FIRM
    return render_template("applications/criterion.html", application=application,
                           criterion=item, docs=docs, note=note, note_form=note_form,
                           upload_form=upload_form, link_form=link_form, editable=editable,
                           version_form=VersionForm(prefix="ver"))


def _run(action, form, message, application_id, code):
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("applications.criterion", application_id=application_id, code=code))


@bp.post("/<int:application_id>/documents/<int:document_id>/versions")
@login_required
def new_version(application_id: int, document_id: int):
    application = services.get_for(current_user, application_id)
    evidence.firm_document(application, document_id)
    form = VersionForm(prefix="ver")
    back = url_for("applications.detail", application_id=application.id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(map(str, errors)), "danger")
        return redirect(back)
    data = evidence.EvidenceFile("", form.effective_on.data, form.expires_on.data, form.file.data)
    try:
        evidence.add_version(application, current_user, document_id, data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(back)
    db.session.commit()
    flash(_("Nuova versione caricata; le precedenti restano consultabili."), "success")
    return redirect(back)


@bp.get("/<int:application_id>/documents/<int:document_id>/versions/<int:number>")
@login_required
def download(application_id: int, document_id: int, number: int):
    application = services.get_for(current_user, application_id)
    version = evidence.version_of(application, document_id, number)
    return send_file(storage.path_for(version.sha256), mimetype=version.content_type,
                     as_attachment=True, download_name=version.filename)


@bp.post("/<int:application_id>/submit")
@roles_required(Role.APPLICANT)
def submit(application_id: int):
    application = services.get_for(current_user, application_id)
    form = SubmitForm()
    form.validate_on_submit()
    try:
        services.submit(application, current_user, bool(form.declaration.data))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("applications.detail", application_id=application_id))
    db.session.commit()
    flash(_("Domanda inviata: riceverai un'email a ogni passaggio."), "success")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.post("/<int:application_id>/withdraw")
@roles_required(Role.APPLICANT)
def withdraw(application_id: int):
    application = services.get_for(current_user, application_id)
    try:
        services.withdraw(application, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("applications.detail", application_id=application_id))
    db.session.commit()
    flash(_("Domanda ritirata."), "info")
    return redirect(url_for("applications.index"))


@bp.post("/<int:application_id>/appeal")
@roles_required(Role.APPLICANT)
def appeal(application_id: int):
    from registry.applications import decisions
    from registry.applications.audit_forms import AppealForm

    application = services.get_for(current_user, application_id)
    decision = decisions.decision_of(application)
    form = AppealForm(prefix="apl")
    back = redirect(url_for("applications.detail", application_id=application_id))
    if decision is None or not form.validate_on_submit():
        flash(_("Scrivi i motivi del ricorso."), "danger")
        return back
    try:
        decisions.lodge_appeal(decision, current_user, form.text.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return back
    db.session.commit()
    flash(_("Ricorso presentato: sarà deciso da un responsabile che non ha preso parte alla "
            "decisione."), "success")
    return back
