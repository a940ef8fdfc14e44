"""The auditor's workspace (assignments, declaration, scoring, findings, submission) and the
admin's assignment of auditors to an application."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from audits.schemes_store import scheme_of
from registry import storage
from registry.accounts.models import User, active_with_role
from registry.applications import evidence, sections
from registry.applications.models import Application
from registry.applications.services import criterion_or_404
from registry.assessments import assignments, corrective, lists, services
from registry.assessments.explain import explain
from registry.assessments.forms import (
    AssignForm,
    ChangesForm,
    CloseFindingForm,
    ConflictForm,
    DeclarationForm,
    DetailsForm,
    FindingForm,
    PlanForm,
    ScoreForm,
    SimpleForm,
)
from registry.assessments.labels import audit_type_label, finding_label, finding_status_label
from registry.assessments.report_pdf import ReportPdfData, build_report_pdf
from registry.assessments.workflow import AssessmentState
from registry.certificates.labels import level_label
from registry.db import today_in_rome
from registry.errors import NotFound, error_response
from registry.extensions import db, limiter
from registry.forms import run_use_case
from registry.i18n import date_filter, number_filter
from registry.security import Role, login_required, private_blueprint, roles_required
from registry.tabular import download, rate_limit

bp = private_blueprint(Blueprint("assessments", __name__))


@bp.get("/audit")
@roles_required(Role.AUDITOR)
def index():
    user = current_user._get_current_object()
    status, problems = lists.read_finding_status(request.args)
    return render_template("assessments/index.html", assignments=lists.current_assignments(user),
                           findings=lists.findings_of(user, status), status=status,
                           problems=problems, statuses=lists.status_choices(),
                           ), 400 if problems else 200


@bp.get("/audit/export.<kind>")
@roles_required(Role.AUDITOR)
@limiter.limit(rate_limit, scope="staff-export")
def index_export(kind: str):
    user = current_user._get_current_object()
    return download(kind, "incarichi", lists.ASSIGNMENT_COLUMNS,
                    lambda: lists.assignment_rows(lists.current_assignments(user)),
                    sheet="Incarichi")


@bp.get("/audit/findings/export.<kind>")
@roles_required(Role.AUDITOR)
@limiter.limit(rate_limit, scope="staff-export")
def findings_export(kind: str):
    user = current_user._get_current_object()
    status, problems = lists.read_finding_status(request.args)
    if problems:
        return error_response(400, " ".join(problems))
    return download(kind, "rilievi", lists.FINDING_COLUMNS,
                    lambda: lists.finding_rows(lists.findings_of(user, status)),
                    sheet="Rilievi", meta={"filters": {"status": status} if status else {}})


def _load(application_id: int):
    """The application and the current auditor's assignment on it, or 404."""
    assignment = assignments.assignment_for(current_user, application_id)
    return db.session.get(Application, application_id), assignment


@bp.route("/audit/applications/<int:application_id>/declaration", methods=["GET", "POST"])
@roles_required(Role.AUDITOR)
def declaration(application_id: int):
    application, assignment = _load(application_id)
    form, conflict = DeclarationForm(prefix="decl"), ConflictForm(prefix="conf")
    if form.submit.data and form.validate_on_submit() and run_use_case(
            lambda: assignments.sign_declaration(assignment, current_user,
                                                 str(form.confirm.label.text)), form=form).ok:
        return redirect(url_for("assessments.workspace", application_id=application_id))
    if conflict.submit.data and conflict.validate_on_submit() and run_use_case(
            lambda: assignments.declare_conflict(assignment, current_user,
                                                 conflict.reason.data), form=conflict,
            success=_("Conflitto dichiarato: l'incarico è stato revocato."), category="info").ok:
        return redirect(url_for("assessments.index"))
    return render_template("assessments/declaration.html", application=application, form=form,
                           conflict=conflict)


def _open(application_id: int):
    application, assignment = _load(application_id)
    if assignment.declaration_signed_at is None:
        return None, None, redirect(url_for("assessments.declaration",
                                            application_id=application_id))
    return application, services.assessment_of(application), None


@bp.get("/audit/applications/<int:application_id>")
@roles_required(Role.AUDITOR)
def workspace(application_id: int):
    application, assessment, redirect_to = _open(application_id)
    if redirect_to:
        return redirect_to
    scheme = scheme_of(application.scheme_version)
    details = DetailsForm(prefix="det", obj=None, data={
        "started_on": assessment.started_on, "ended_on": assessment.ended_on,
        "sites": assessment.sites_visited})
    details.sites.choices = [(s.id, s.public_place()) for s in application.firm.sites]
    result = None
    if not services.unscored(assessment, application):
        result = services.evaluate(assessment, application)
    codes = set(services.to_score(assessment, application))
    return render_template(
        "assessments/workspace.html", application=application, assessment=assessment,
        scheme=scheme, scored=services.score_map(assessment), details=details,
        criteria=[c for c in scheme.criteria if c.code in codes],
        required_sites=services.required_sites(assessment, application),
        changes=ChangesForm(prefix="chg"), simple=SimpleForm(),
        sample=services.proposed_sample(assessment, application),
        actions=services.workspace_actions(assessment, application), result=result,
        problems=services.submission_problems(assessment, application))


@bp.post("/audit/applications/<int:application_id>/resume")
@roles_required(Role.AUDITOR)
def resume(application_id: int):
    application, assignment = _load(application_id)
    if assignment.declaration_signed_at is None:
        abort(403)
    run_use_case(lambda: assignments.open_assessment(application, current_user))
    return redirect(url_for("assessments.workspace", application_id=application_id))


@bp.route("/audit/applications/<int:application_id>/criteria/<code>",
          methods=["GET", "POST"])
@roles_required(Role.AUDITOR)
def criterion(application_id: int, code: str):
    application, assessment, redirect_to = _open(application_id)
    if redirect_to:
        return redirect_to
    item = criterion_or_404(scheme_of(application.scheme_version), code)
    row = next((s for s in assessment.scores if s.criterion_code == code), None)
    initial = {}
    if row is not None:
        initial = {"score": "na" if row.not_applicable else str(row.score),
                   "justification": row.justification, "notes": row.notes,
                   "evidence_reviewed": row.evidence_reviewed,
                   "records_from": row.records_from, "records_to": row.records_to}
    form = ScoreForm(prefix="sc", data=initial)
    finding = FindingForm(prefix="fd")
    if form.submit.data and form.validate_on_submit():
        na = form.score.data == "na"
        if run_use_case(lambda: services.score_criterion(
                assessment, application, current_user, code,
                score=None if na else int(form.score.data), not_applicable=na,
                justification=form.justification.data or "", notes=form.notes.data or "",
                evidence_reviewed=form.evidence_reviewed.data or "",
                records_from=form.records_from.data, records_to=form.records_to.data),
                form=form, success=_("Punteggio salvato (bozza).")).ok:
            return redirect(url_for("assessments.workspace", application_id=application_id))
    elif finding.submit.data and finding.validate_on_submit() and run_use_case(
            lambda: services.add_finding(assessment, application, current_user, code,
                                         finding.kind.data, finding.text.data,
                                         finding.due_on.data),
            form=finding, success=_("Rilievo aggiunto.")).ok:
        return redirect(request.path)
    docs = evidence.evidence_by_criterion(application.id).get(code, [])
    findings = [f for f in assessment.findings if f.criterion_code == code]
    return render_template("assessments/criterion.html", application=application,
                           criterion=item, form=form, finding=finding, docs=docs,
                           findings=findings,
                           can_score=services.is_open(assessment, application))


@bp.post("/audit/applications/<int:application_id>/details")
@roles_required(Role.AUDITOR)
def details(application_id: int):
    application, assessment, redirect_to = _open(application_id)
    if redirect_to:
        return redirect_to
    form = DetailsForm(prefix="det")
    form.sites.choices = [(s.id, s.public_place()) for s in application.firm.sites]
    if form.validate_on_submit():
        run_use_case(lambda: services.save_audit_details(
            assessment, application, current_user, form.started_on.data, form.ended_on.data,
            form.sites.data or []), success=_("Date e sedi salvate."))
    else:
        flash(" ".join(str(e) for errs in form.errors.values() for e in errs), "danger")
    return redirect(url_for("assessments.workspace", application_id=application_id))


@bp.post("/audit/applications/<int:application_id>/submit")
@roles_required(Role.AUDITOR)
def submit(application_id: int):
    application, assessment, redirect_to = _open(application_id)
    if redirect_to:
        return redirect_to
    run_use_case(lambda: services.submit_assessment(assessment, application, current_user),
                 success=_("Valutazione inviata: ora decide un responsabile indipendente."))
    return redirect(url_for("assessments.workspace", application_id=application_id))


@bp.post("/audit/applications/<int:application_id>/changes")
@roles_required(Role.AUDITOR)
def request_changes(application_id: int):
    application, _assessment, redirect_to = _open(application_id)
    if redirect_to:
        return redirect_to
    form = ChangesForm(prefix="chg")
    if form.validate_on_submit():
        run_use_case(lambda: services.request_changes(application, current_user,
                                                      form.items.data),
                     success=_("Domanda rimandata all'azienda."))
    else:
        flash(_("Elenca le integrazioni richieste."), "danger")
    return redirect(url_for("assessments.workspace", application_id=application_id))


@bp.route("/admin/applications/<int:application_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def assign(application_id: int):
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound(_("Domanda non trovata."))
    auditors = active_with_role(Role.AUDITOR)
    form = AssignForm()
    form.auditor_id.choices = [(a.id, a.name) for a in auditors]
    if form.validate_on_submit() and run_use_case(
            lambda: assignments.assign(application, db.session.get(User, form.auditor_id.data),
                                       form.role.data, current_user),
            form=form, success=_("Valutatore assegnato.")).ok:
        return redirect(url_for("assessments.assign", application_id=application_id))
    current = assignments.current_assignments(application.id)
    checks = {a.id: assignments.obstacles(a, application) for a in auditors}
    return render_template("assessments/assign.html", application=application, form=form,
                           current=current, auditors=auditors, checks=checks)


# The audit report and corrective actions ---------------------------------------------------
@bp.get("/applications/<int:application_id>/report")
@login_required
def report(application_id: int):
    found = corrective.report_for(current_user, application_id)
    return render_template(
        "assessments/report.html", report=found,
        # One form per finding, each with its own prefix: no two fields share an id.
        plan_forms={f.id: PlanForm(prefix=f"pl{f.id}") for f in found.findings},
        close_forms={f.id: CloseFindingForm(prefix=f"cl{f.id}") for f in found.findings},
        can_answer={f.id: corrective.may_answer(current_user, f) for f in found.findings},
        can_close={f.id: corrective.may_close(current_user, f) for f in found.findings})


@bp.get("/applications/<int:application_id>/report.pdf")
@login_required
def report_pdf(application_id: int):
    found = corrective.report_for(current_user, application_id)
    response = make_response(build_report_pdf(_pdf_data(found)))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = \
        f'inline; filename="rapporto-audit-{application_id}.pdf"'
    return response


def _pdf_data(found) -> ReportPdfData:
    """The report in words, in the reader's language."""
    scheme = scheme_of(found.application.scheme_version)
    lang = str(get_locale() or "it")
    result, assessment = found.result, found.assessment
    areas = [[scheme.area(a.code).name(lang),
              "—" if a.pct is None else f"{number_filter(a.pct, 2)}%",
              f"{a.min_pct}%", _("raggiunto") if a.passed_minimum else _("non raggiunto")]
             for a in (result.areas if result else [])]
    if result is None:
        outcome = _("L'audit è in corso: il punteggio sarà disponibile quando il valutatore "
                    "avrà valutato tutti i criteri.")
    elif result.certifiable:
        outcome = _("Punteggio complessivo %(p)s%% — certificabile al livello %(l)s",
                    p=number_filter(result.overall_pct, 2), l=level_label(result.level.code))
    else:
        outcome = _("Punteggio complessivo %(p)s%% — non certificabile",
                    p=number_filter(result.overall_pct, 2))
    return ReportPdfData(
        title=_("Rapporto di audit — domanda n. %(n)d", n=found.application.id),
        lines=[f"{found.application.firm.name} · P.IVA {found.application.firm.vat_number}",
               _("Audit: %(t)s, dal %(a)s al %(b)s", t=audit_type_label(assessment.audit_type),
                 a=date_filter(assessment.started_on), b=date_filter(assessment.ended_on))],
        area_header=[_("Area"), _("Punteggio"), _("Minimo"), _("Esito")], areas=areas,
        outcome=outcome, reasons=[explain(r) for r in result.reasons] if result else [],
        findings_title=_("Rilievi"),
        findings_header=[_("Criterio"), _("Tipo"), _("Rilievo"), _("Entro il"), _("Stato"),
                         _("Azioni correttive")],
        findings=[[f.criterion_code, finding_label(f.kind), f.text, date_filter(f.due_on),
                   finding_status_label(f.status), f.plan or ""] for f in found.findings],
        footer=_("Registro Bollino Blu — documento generato il %(d)s. I punteggi non sono "
                 "pubblici.", d=date_filter(today_in_rome())))


@bp.post("/applications/<int:application_id>/findings/<int:finding_id>/plan")
@roles_required(Role.APPLICANT)
def plan(application_id: int, finding_id: int):
    found = corrective.report_for(current_user, application_id)
    finding = corrective.finding_of(found.application, finding_id)
    form = PlanForm(prefix=f"pl{finding_id}")
    if form.validate_on_submit():
        run_use_case(lambda: corrective.submit_plan(finding, current_user, form.plan.data,
                                                    form.evidence.data),
                     success=_("Piano di azioni correttive inviato al valutatore."))
    else:
        flash(_("Descrivi le azioni correttive."), "danger")
    return redirect(url_for("assessments.report", application_id=application_id))


@bp.get("/applications/<int:application_id>/findings/<int:finding_id>/evidence")
@login_required
def finding_evidence(application_id: int, finding_id: int):
    found = corrective.report_for(current_user, application_id)
    finding = corrective.finding_of(found.application, finding_id)
    if not finding.evidence_sha256:
        raise NotFound(_("Documento non trovato."))
    return storage.send_upload(finding.evidence_sha256, finding.evidence_type,
                               finding.evidence_filename)


@bp.post("/audit/applications/<int:application_id>/findings/<int:finding_id>/close")
@roles_required(Role.AUDITOR)
def close_finding(application_id: int, finding_id: int):
    application, _assignment = _load(application_id)
    finding = corrective.finding_of(application, finding_id)
    form = CloseFindingForm(prefix=f"cl{finding_id}")
    if form.validate_on_submit():
        run_use_case(lambda: corrective.close_finding(finding, current_user, form.note.data),
                     success=_("Rilievo chiuso."))
    else:
        flash(_("Scrivi che cosa hai verificato."), "danger")
    return redirect(url_for("assessments.report", application_id=application_id))


def report_section(application: Application, user: User) -> str:
    """The audit report's part of the firm's application page: a link, and what to answer."""
    assessment = services.assessment_of(application)
    if assessment is None or (assessment.state != AssessmentState.SUBMITTED
                              and not assessment.findings):
        return ""
    return render_template("assessments/_report_section.html", application=application,
                           to_answer=[f for f in assessment.findings if f.needs_answer])


def init_app(app: Flask) -> None:
    """Add the audit report's part to the application page."""
    sections.register_section(report_section)
