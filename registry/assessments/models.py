"""The auditor's work: assignments with their impartiality declarations, conflicts,
assessments with scores per criterion, and findings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.assessments.workflow import (
    NONCONFORMITIES,
    AssessmentState,
    AuditType,
    FindingStatus,
    SecondScoringState,
)
from registry.db import utcnow
from registry.extensions import db


class Assignment(db.Model):
    """An auditor assigned to an application; they sign an impartiality declaration first.

    Never deleted: an assignment that ends early (a declared conflict) keeps its row with the
    end, so who was ever assigned to a file stays known (they may never decide it)."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("application_id", "auditor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    auditor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))  # AuditorRole
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    declaration_signed_at: Mapped[dt.datetime | None]
    declaration_text: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))  # AssignmentEnd

    auditor = relationship("User", foreign_keys=[auditor_id])
    application = relationship("Application")


class ConflictDeclaration(db.Model):
    """An auditor declares a conflict of interest with a firm: never assigned to it."""

    __tablename__ = "conflict_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    auditor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    # The application the auditor was assigned to when declaring (None: declared otherwise).
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Assessment(db.Model):
    """The audit of one application: scores per criterion, findings, dates, sites visited."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    state: Mapped[str] = mapped_column(String(12), default=AssessmentState.DRAFT)
    audit_type: Mapped[str] = mapped_column(String(20), default=AuditType.INITIAL)
    started_on: Mapped[dt.date | None]
    ended_on: Mapped[dt.date | None]
    sites_visited: Mapped[list[int]] = mapped_column(JSON, default=list)
    # The criteria a surveillance re-scores (knock-outs and a rotating half of the others);
    # None: every criterion. The others keep the scores of the previous audit.
    criteria_sample: Mapped[list[str] | None] = mapped_column(JSON)
    submitted_at: Mapped[dt.datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    application = relationship("Application")
    scores: Mapped[list[CriterionScore]] = relationship(back_populates="assessment",
                                                        order_by="CriterionScore.criterion_code")
    findings: Mapped[list[Finding]] = relationship(back_populates="assessment",
                                                   order_by="Finding.id")


class CriterionScore(db.Model):
    """The auditor's score (0-4) or justified N/A for one criterion."""

    __tablename__ = "criterion_score"
    __table_args__ = (UniqueConstraint("assessment_id", "criterion_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"))
    criterion_code: Mapped[str] = mapped_column(String(20))
    score: Mapped[int | None]
    not_applicable: Mapped[bool] = mapped_column(default=False)
    justification: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    evidence_reviewed: Mapped[str | None] = mapped_column(Text)
    # The period of the records examined, required for 3 and 4 (at least 12 months).
    records_from: Mapped[dt.date | None]
    records_to: Mapped[dt.date | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="scores")

    @property
    def is_set(self) -> bool:
        return self.not_applicable or self.score is not None


class Finding(db.Model):
    """A nonconformity, observation or good practice found during the audit."""

    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # FindingKind
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The corrective action: the firm's plan and evidence, then the auditor's verification.
    status: Mapped[str] = mapped_column(String(12), default=FindingStatus.OPEN)
    plan: Mapped[str | None] = mapped_column(Text)
    plan_at: Mapped[dt.datetime | None]
    plan_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_filename: Mapped[str | None] = mapped_column(String(200))
    evidence_type: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[dt.datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closure_note: Mapped[str | None] = mapped_column(Text)

    assessment: Mapped[Assessment] = relationship(back_populates="findings")

    @property
    def needs_answer(self) -> bool:
        """A nonconformity the firm still has to answer."""
        return self.kind in NONCONFORMITIES and self.status == FindingStatus.OPEN


class SecondScoring(db.Model):
    """A blind second scoring of a sample of an assessment's criteria by another auditor,
    for calibration only: drawn (reproducibly, from the assessment's id) when the assessment
    is submitted; it never changes the assessment, its scores or the decision."""

    __tablename__ = "second_scoring"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), unique=True)
    # None when no auditor was eligible at the draw (the admin sees it on the calibration page).
    auditor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default=SecondScoringState.PENDING)
    # The draw in [0, 1) and the share in force: selected because draw < share.
    draw: Mapped[float]
    share: Mapped[float]
    criteria_sample: Mapped[list[str]] = mapped_column(JSON, default=list)
    selected_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]

    assessment: Mapped[Assessment] = relationship()
    auditor = relationship("User", foreign_keys=[auditor_id])
    scores: Mapped[list[SecondScore]] = relationship(back_populates="scoring",
                                                     order_by="SecondScore.criterion_code")


class SecondScore(db.Model):
    """The second auditor's blind score (0-4) or N/A for one sampled criterion."""

    __tablename__ = "second_score"
    __table_args__ = (UniqueConstraint("second_scoring_id", "criterion_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    second_scoring_id: Mapped[int] = mapped_column(ForeignKey("second_scoring.id"),
                                                   index=True)
    criterion_code: Mapped[str] = mapped_column(String(20))
    score: Mapped[int | None]
    not_applicable: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)

    scoring: Mapped[SecondScoring] = relationship(back_populates="scores")
