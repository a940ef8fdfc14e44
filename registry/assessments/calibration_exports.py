"""The calibration page's four tables as staff downloads (CSV, XLSX, JSON through
registry.tabular): outcomes by auditor, each auditor's criteria against the peers, agreement
per criterion, disagreements to review.

People read words in the labelled columns (auditor names, criterion titles, levels in words,
the page's verdicts); the codes (criterion code, level codes, flags) are JSON machine fields
beside them. Figures are those of the page, from the same report, rounded to four decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.assessments.calibration import Comparison, Report
from registry.certificates.labels import level_words
from registry.tabular import Column

DIGITS = 4


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, DIGITS)


def _levels_text(summary) -> str:
    parts = [f"{level_words(code)}: {n}" for code, n in summary.ranked_levels]
    if summary.levels.get(None):
        parts.append(f"{_('non certificabili')}: {summary.levels[None]}")
    return " · ".join(parts)


def auditor_rows(report: Report, titles: dict[str, str]) -> Iterator[dict]:
    """One row per auditor: assessments, certifiable, levels, median days, flags."""
    for s in report.auditors:
        yield {"auditor": s.auditor.name, "auditor_id": s.auditor.id,
               "assessments": s.assessments, "certifiable": s.certifiable,
               "pass_rate_pct": _round(s.pass_rate * 100) if s.pass_rate is not None else None,
               "levels_text": _levels_text(s),
               "levels": {code or "not_certifiable": n for code, n in s.levels.items()},
               "median_days": _round(s.median_days), "timed": s.timed,
               "flagged": s.flagged}


def _verdict(c: Comparison, report: Report) -> str:
    if c.flagged:
        return (_("Segnalato: più severo dei pari") if c.effect < 0
                else _("Segnalato: più generoso dei pari"))
    if not c.enough_data:
        return _("Dati insufficienti per segnalare (servono almeno %(n)d valutazioni per "
                 "parte)", n=report.settings.min_assessments)
    return _("In linea con i pari")


def criterion_rows(report: Report, titles: dict[str, str]) -> Iterator[dict]:
    """One row per auditor and criterion, in the page's order (auditors by name, flagged
    criteria first)."""
    for s in report.auditors:
        for c in report.comparisons.get(s.auditor.id, []):
            yield {"auditor": s.auditor.name, "auditor_id": s.auditor.id,
                   "criterion": c.criterion, "criterion_title": titles.get(c.criterion,
                                                                            c.criterion),
                   "mine_n": c.mine.n, "mine_mean": _round(c.mine.mean),
                   "mine_counts": list(c.mine.counts),
                   "peers_n": c.peers.n, "peers_mean": _round(c.peers.mean),
                   "peers_sd": _round(c.peers.sd), "peers_counts": list(c.peers.counts),
                   "effect": _round(c.effect), "p_value": _round(c.p_value),
                   "verdict": _verdict(c, report), "flagged": c.flagged,
                   "enough_data": c.enough_data}


def agreement_rows(report: Report, titles: dict[str, str]) -> Iterator[dict]:
    """One row per criterion with double scorings: pairs, weighted kappa and interval."""
    for g in report.agreements:
        if g.needs_rewrite:
            guide = _("Da riscrivere")
        elif not g.enough_pairs:
            guide = _("Coppie insufficienti (servono almeno %(n)d)", n=report.settings.min_pairs)
        else:
            guide = _("Accordo sufficiente")
        yield {"criterion": g.criterion, "criterion_title": titles.get(g.criterion, g.criterion),
               "pairs": g.kappa.n, "kappa": _round(g.kappa.kappa), "low": _round(g.kappa.low),
               "high": _round(g.kappa.high),
               "same_pct": _round(g.exact * 100) if g.exact is not None else None,
               "guide": guide, "needs_rewrite": g.needs_rewrite,
               "enough_pairs": g.enough_pairs}


def disagreement_rows(report: Report, titles: dict[str, str]) -> Iterator[dict]:
    """One row per criterion where the blind second score differs from the first."""
    for d in report.disagreements:
        assessment = d.scoring.assessment
        yield {"application_id": assessment.application_id,
               "firm": assessment.application.firm.name,
               "criterion": d.criterion, "criterion_title": titles.get(d.criterion, d.criterion),
               "first_auditor": d.first_auditor.name if d.first_auditor else None,
               "first": d.first if d.first is not None else _("N/A"),
               "second_auditor": d.scoring.auditor.name if d.scoring.auditor else None,
               "second": d.second if d.second is not None else _("N/A")}


@dataclass(frozen=True)
class Table:
    filename: str
    sheet: str
    columns: list[Column]
    rows: Callable[[Report, dict[str, str]], Iterator[dict]]


TABLES: dict[str, Table] = {
    "auditors": Table("calibrazione-esiti-per-valutatore", "Esiti", [
        Column("auditor", _l("Valutatore")), Column("assessments", _l("Valutazioni inviate")),
        Column("certifiable", _l("Certificabili")),
        Column("pass_rate_pct", _l("Quota certificabili (%)")),
        Column("levels_text", _l("Livelli")),
        Column("median_days", _l("Giorni dall'incarico all'invio (mediana)")),
        Column("timed", _l("Valutazioni con i giorni")),
        Column("flagged", _l("Criteri segnalati")),
    ], auditor_rows),
    "criteria": Table("calibrazione-criteri-e-pari", "Criteri", [
        Column("auditor", _l("Valutatore")), Column("criterion_title", _l("Criterio")),
        Column("mine_n", _l("Punteggi del valutatore")),
        Column("mine_mean", _l("Media del valutatore")),
        Column("peers_n", _l("Punteggi dei pari")), Column("peers_mean", _l("Media dei pari")),
        Column("peers_sd", _l("Deviazione standard dei pari")),
        Column("effect", _l("Scarto (deviazioni standard dei pari)")),
        Column("p_value", _l("p (Mann-Whitney)")), Column("verdict", _l("Esito")),
    ], criterion_rows),
    "agreement": Table("calibrazione-accordo-per-criterio", "Accordo", [
        Column("criterion_title", _l("Criterio")), Column("pairs", _l("Coppie")),
        Column("kappa", _l("Kappa pesato")),
        Column("low", _l("Intervallo di confidenza: limite inferiore")),
        Column("high", _l("Intervallo di confidenza: limite superiore")),
        Column("same_pct", _l("Stesso punteggio (%)")),
        Column("guide", _l("Guida al punteggio")),
    ], agreement_rows),
    "disagreements": Table("calibrazione-disaccordi", "Disaccordi", [
        Column("application_id", _l("Domanda")), Column("firm", _l("Azienda")),
        Column("criterion_title", _l("Criterio")),
        Column("first_auditor", _l("Primo valutatore")),
        Column("first", _l("Punteggio del primo valutatore")),
        Column("second_auditor", _l("Secondo valutatore")),
        Column("second", _l("Punteggio della doppia valutazione")),
    ], disagreement_rows),
}
