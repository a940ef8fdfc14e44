"""The firm's application pages: overview with progress, one page per criterion, submit;
and the staff's button that opens a surveillance audit on a certificate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits.schemes_store import scheme_of
from registry import storage
from registry.applications import access, evidence, sections, services
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
from registry.certificates import lookup
from registry.errors import DomainError, NotFound
from registry.extensions import db
from registry.forms import run_use_case
from registry.security import (
    CERTIFICATION_STAFF,
    Role,
    login_required,
    private_blueprint,
    roles_required,
)

bp = private_blueprint(Blueprint("applications", __name__))


@bp.get("/applications")
@roles_required(Role.APPLICANT)
def index():
    rows = []
    if current_user.firm_id:
        rows = db.session.scalars(db.select(Application).where(
            Application.firm_id == current_user.firm_id).order_by(Application.id.desc())).all()
    return render_template("applications/index.html", applications=rows, form=StartForm(),
                           has_firm=current_user.firm_id is not None,
                           waiting_until=current_user.firm_id
                           and services.waiting_until(current_user.firm_id))


@bp.post("/applications/new")
@roles_required(Role.APPLICANT)
def start():
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = run_use_case(lambda: services.start_application(current_user, form.kind.data))
    if not outcome.ok:
        return redirect(url_for("applications.index"))
    return redirect(url_for("applications.detail", application_id=outcome.value.id))


def _criteria_rows(application: Application):
    scheme = scheme_of(application.scheme_version)
    docs = evidence.evidence_by_criterion(application.id)
    notes = {n.criterion_code: n.note for n in application.notes}
    ordered = sorted(scheme.criteria, key=lambda c: (not c.knockout, c.code))
    return scheme, [(c, docs.get(c.code, []), notes.get(c.code, "")) for c in ordered]


@bp.get("/applications/<int:application_id>")
@login_required
def detail(application_id: int):
    application = access.get_for(current_user, application_id)
    scheme, rows = _criteria_rows(application)
    with_evidence = sum(1 for _c, docs, _n in rows if docs)
    return render_template(
        "applications/detail.html", application=application, scheme=scheme, rows=rows,
        with_evidence=with_evidence, missing=services.missing_items(application),
        actions=services.actions_for(current_user, application), submit_form=SubmitForm(),
        confirm_form=ConfirmForm(),
        sections=sections.render_sections(application, current_user))


@bp.route("/applications/<int:application_id>/criteria/<code>", methods=["GET", "POST"])
@login_required
def criterion(application_id: int, code: str):
    application = access.get_for(current_user, application_id)
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
    back = url_for("applications.criterion", application_id=application_id, code=code)
    if note_form.submit.data and note_form.validate_on_submit():
        if run_use_case(lambda: services.save_note(application, current_user, code,
                                                   note_form.note.data or ""),
                        form=note_form, success=_("Nota salvata.")).ok:
            return redirect(back)
    elif upload_form.submit.data and upload_form.validate_on_submit():
        data = evidence.EvidenceFile(upload_form.title.data, upload_form.effective_on.data,
                                     upload_form.expires_on.data, upload_form.file.data)
        if run_use_case(lambda: evidence.add_evidence(application, current_user, code, data),
                        form=upload_form, success=_("Documento caricato.")).ok:
            return redirect(back)
    elif link_form.submit.data and link_form.validate_on_submit() and run_use_case(
            lambda: evidence.link_document(application, current_user, code,
                                           link_form.document_id.data),
            form=link_form, success=_("Documento collegato.")).ok:
        return redirect(back)
    return render_template("applications/criterion.html", application=application,
                           criterion=item, docs=docs, note=note, note_form=note_form,
                           upload_form=upload_form, link_form=link_form,
                           can_edit=access.can_edit(current_user, application),
                           version_form=VersionForm(prefix="ver"))


@bp.post("/applications/<int:application_id>/documents/<int:document_id>/versions")
@login_required
def new_version(application_id: int, document_id: int):
    application = access.get_for(current_user, application_id)
    evidence.firm_document(application, document_id)
    form = VersionForm(prefix="ver")
    back = url_for("applications.detail", application_id=application.id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(map(str, errors)), "danger")
        return redirect(back)
    data = evidence.EvidenceFile("", form.effective_on.data, form.expires_on.data, form.file.data)
    run_use_case(lambda: evidence.add_version(application, current_user, document_id, data),
                 success=_("Nuova versione caricata; le precedenti restano consultabili."))
    return redirect(back)


@bp.get("/applications/<int:application_id>/documents/<int:document_id>/versions/<int:number>")
@login_required
def download(application_id: int, document_id: int, number: int):
    application = access.get_for(current_user, application_id)
    version = evidence.version_of(application, document_id, number)
    return storage.send_upload(version.sha256, version.content_type, version.filename)


def _not_submitted(_form, error: DomainError) -> None:
    """A refused submission in the words of the page's own state message: when only the
    declaration is missing, say just that (the page lists anything else still missing)."""
    missing = error.params.get("missing") or []
    if missing and all(item.code == "declaration" for item in missing):
        flash(_("Per inviare la domanda spunta la dichiarazione del legale rappresentante."),
              "warning")
    elif missing:
        flash(_("La domanda non è ancora completa: vedi qui sotto che cosa manca."), "warning")
    else:
        flash(error.message, "danger")


@bp.post("/applications/<int:application_id>/submit")
@roles_required(Role.APPLICANT)
def submit(application_id: int):
    application = access.get_for(current_user, application_id)
    form = SubmitForm()
    form.validate_on_submit()
    run_use_case(lambda: services.submit(application, current_user,
                                         bool(form.declaration.data)),
                 success=_("Domanda inviata: riceverai un'email a ogni passaggio."),
                 show=_not_submitted)
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.post("/applications/<int:application_id>/withdraw")
@roles_required(Role.APPLICANT)
def withdraw(application_id: int):
    application = access.get_for(current_user, application_id)
    if run_use_case(lambda: services.withdraw(application, current_user),
                    success=_("Domanda ritirata."), category="info").ok:
        return redirect(url_for("applications.index"))
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.post("/manage/certificates/<number>/surveillance")
@roles_required(*CERTIFICATION_STAFF)
def start_surveillance(number: str):
    certificate = lookup.find(number)
    if certificate is None:
        raise NotFound(_("Certificato non trovato."))
    outcome = run_use_case(lambda: services.start_surveillance(certificate, current_user))
    if outcome.ok:
        flash(_("Audit di sorveglianza avviato (domanda n. %(n)d).", n=outcome.value.id),
              "success")
    return redirect(url_for("certificates.manage", number=number))
