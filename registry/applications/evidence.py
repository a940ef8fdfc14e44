"""Evidence documents: upload (checked by content and size), new versions, links to criteria."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from audits.schemes_store import scheme_of
from registry import auditlog, storage
from registry.accounts.models import User
from registry.applications.access import require_firm_editor
from registry.applications.models import Application, Document, DocumentVersion, EvidenceLink
from registry.errors import DomainError, NotFound
from registry.extensions import db


@dataclass(frozen=True)
class EvidenceFile:
    """What the firm says about an uploaded file."""

    title: str
    effective_on: dt.date
    expires_on: dt.date | None
    upload: FileStorage


def _check_dates(effective_on: dt.date, expires_on: dt.date | None) -> None:
    if expires_on is not None and expires_on < effective_on:
        raise DomainError(_("La scadenza non può precedere la data di efficacia."),
                          field="expires_on")


def _new_version(document: Document, number: int, evidence: EvidenceFile, user: User
                 ) -> DocumentVersion:
    _check_dates(evidence.effective_on, evidence.expires_on)
    sha, mime, size = storage.store_upload(evidence.upload, field="file")
    name = secure_filename(evidence.upload.filename or "") or f"documento.{mime.split('/')[-1]}"
    version = DocumentVersion(document=document, number=number, sha256=sha,
                              filename=name[:200], content_type=mime, size=size,
                              effective_on=evidence.effective_on,
                              expires_on=evidence.expires_on, uploaded_by_id=user.id)
    db.session.add(version)
    return version


def add_evidence(application: Application, user: User, criterion_code: str,
                 evidence: EvidenceFile) -> Document:
    """Upload a new document and offer it as evidence for a criterion."""
    require_firm_editor(user, application)
    scheme_of(application.scheme_version).criterion(criterion_code)
    if not evidence.title.strip():
        raise DomainError(_("Indica un titolo per il documento."), field="title")
    document = Document(firm_id=application.firm_id, application_id=application.id,
                        title=evidence.title.strip()[:200])
    db.session.add(document)
    version = _new_version(document, 1, evidence, user)
    db.session.add(EvidenceLink(application_id=application.id, criterion_code=criterion_code,
                                document=document))
    db.session.flush()
    auditlog.record("evidence.uploaded", "document", document.id, actor=user, after={
        "application_id": application.id, "criterion": criterion_code,
        "title": document.title, "version": 1, "sha256": version.sha256})
    return document


def add_version(application: Application, user: User, document_id: int,
                evidence: EvidenceFile) -> DocumentVersion:
    """Upload a new version of a document; older versions stay readable."""
    require_firm_editor(user, application)
    document = firm_document(application, document_id)
    version = _new_version(document, document.latest.number + 1, evidence, user)
    db.session.flush()
    auditlog.record("evidence.new_version", "document", document.id, actor=user, after={
        "version": version.number, "sha256": version.sha256})
    return version


def link_document(application: Application, user: User, criterion_code: str,
                  document_id: int) -> None:
    """Offer an already uploaded document for another criterion too."""
    require_firm_editor(user, application)
    scheme_of(application.scheme_version).criterion(criterion_code)
    document = firm_document(application, document_id)
    exists = db.session.scalar(db.select(EvidenceLink.id).where(
        EvidenceLink.application_id == application.id,
        EvidenceLink.criterion_code == criterion_code, EvidenceLink.document_id == document.id))
    if exists:
        raise DomainError(_("Il documento è già collegato a questo criterio."))
    db.session.add(EvidenceLink(application_id=application.id, criterion_code=criterion_code,
                                document_id=document.id))
    db.session.flush()
    auditlog.record("evidence.linked", "document", document.id, actor=user,
                    after={"application_id": application.id, "criterion": criterion_code})


def firm_document(application: Application, document_id: int) -> Document:
    """A document of this application's firm, or 404."""
    document = db.session.get(Document, document_id)
    if document is None or document.firm_id != application.firm_id:
        raise NotFound(_("Documento non trovato."))
    return document


def version_of(application: Application, document_id: int, number: int) -> DocumentVersion:
    document = firm_document(application, document_id)
    for version in document.versions:
        if version.number == number:
            return version
    raise NotFound(_("Versione non trovata."))


def criteria_with_evidence(application_id: int) -> set[str]:
    return set(db.session.scalars(db.select(EvidenceLink.criterion_code).where(
        EvidenceLink.application_id == application_id)))


def evidence_by_criterion(application_id: int) -> dict[str, list[Document]]:
    """Documents offered for each criterion, with their versions, in upload order."""
    links = db.session.scalars(db.select(EvidenceLink).where(
        EvidenceLink.application_id == application_id).order_by(EvidenceLink.id)).all()
    result: dict[str, list[Document]] = {}
    for link in links:
        result.setdefault(link.criterion_code, []).append(link.document)
    return result


def firm_documents(application: Application) -> list[Document]:
    return list(db.session.scalars(db.select(Document).where(
        Document.application_id == application.id).order_by(Document.id)))
