"""The statistics page's figures: each a table of words and numbers, a one-sentence summary
and a chart drawn on the server as SVG by Vega-Lite (`vl-convert-python`, pinned).

A chart repeats its table for the eye; the table and the summary are what a screen reader
reads and what prints, so the SVG is hidden from assistive technology. Every text a person
sees in a chart — titles, axis names, category names — is set here from the label tables:
Vega-Lite would otherwise print the data's field names. Levels read as the scheme's star
labels, statuses and stages by their label tables, never as codes.

The same `Figure` feeds the page and the CSV/XLSX/JSON downloads, so a download holds what
the page shows.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from dataclasses import dataclass, field

import vl_convert
from flask import current_app
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import text

from audits.schemes_store import current_levels, current_version, level_of, scheme_of
from audits.scoring import band_cutoffs
from registry.applications.labels import state_label
from registry.certificates.labels import level_label, level_words, status_label
from registry.db import today_in_rome
from registry.extensions import db
from registry.firms.geography import REGIONS
from registry.ministry import facts, history
from registry.ministry.history import Filters
from registry.ministry.labels import extra_eu_label, movement_label
from registry.ministry.workflow import ExtraEuBand, Movement, Period
from registry.public.register_stamp import newest_and_recent
from registry.public.verify_cache import Cache

WIDTH = 420
BLUE = "#0066cc"
VEGA_LITE = "https://vega.github.io/schema/vega-lite/v5.json"
# The tile-grid map: each region one square at (column, row), placed as on the peninsula.
TILES = {
    "Valle d'Aosta": (0, 0), "Trentino-Alto Adige": (2, 0), "Friuli-Venezia Giulia": (3, 0),
    "Piemonte": (0, 1), "Lombardia": (1, 1), "Veneto": (2, 1),
    "Liguria": (0, 2), "Emilia-Romagna": (1, 2),
    "Toscana": (1, 3), "Umbria": (2, 3), "Marche": (3, 3),
    "Sardegna": (0, 4), "Lazio": (2, 4), "Abruzzo": (3, 4), "Molise": (4, 4),
    "Campania": (3, 5), "Basilicata": (4, 5), "Puglia": (5, 5),
    "Calabria": (4, 6), "Sicilia": (3, 7),
}
# Names that fit a tile.
SHORT = {"Valle d'Aosta": "V. d'Aosta", "Trentino-Alto Adige": "Trentino-A.A.",
         "Friuli-Venezia Giulia": "Friuli-V.G.", "Emilia-Romagna": "Emilia-R."}
# Days from first submission to decision, grouped for the chart: (first day, last day or None).
DECISION_BANDS = ((0, 30), (31, 60), (61, 90), (91, 180), (181, None))


@dataclass
class Figure:
    """One figure of the page: its table, its summary, its chart (None when it has nothing
    to show, with `empty` saying why)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list]
    summary: str
    spec: dict | None = None
    empty: str | None = None
    notes: list[str] = field(default_factory=list)

    @functools.cached_property
    def svg(self) -> Markup | None:
        """The chart as inline SVG, or None for an empty figure. Kept on the figure: kept
        figures (`cached_figures`) are shown again without writing their specification."""
        if self.spec is None or self.empty:
            return None
        # Vega writes the SVG and escapes every text in it; the texts are our own labels.
        return Markup(render(json.dumps(self.spec, sort_keys=True,  # noqa: S704
                                        ensure_ascii=False)))

    def as_json(self, filters: Filters) -> dict:
        return {"figura": self.key, "titolo": self.title, "al": filters.at.isoformat(),
                "dal": filters.start.isoformat(), "filtri": described(filters),
                "sintesi": self.summary, "colonne": self.columns,
                "righe": [dict(zip(self.columns, row, strict=True)) for row in self.rows]}


@functools.lru_cache(maxsize=128)
def render(spec_json: str) -> str:
    """A Vega-Lite specification (as JSON) drawn as SVG; the same figures draw once."""
    return vl_convert.vegalite_to_svg(json.loads(spec_json))


def described(filters: Filters) -> dict:
    """The filters as a person reads them (for the downloads)."""
    return {_("Regione"): filters.region or _("tutte"),
            _("Livello"): level_label(filters.level) if filters.level else _("tutti"),
            _("Schema"): filters.scheme or _("tutti")}


def _spec(data: list[dict], **body) -> dict:
    return {"$schema": VEGA_LITE, "data": {"values": data}, "width": WIDTH,
            "config": {"font": "Titillium Web, Geneva, Tahoma, sans-serif",
                       "view": {"stroke": None}, "axis": {"labelLimit": 220}},
            **body}


def _bar(data: list[dict], x_title: str, y_title: str, *, horizontal: bool = False,
         color: str = BLUE) -> dict:
    order = [row["label"] for row in data]
    category = {"field": "label", "type": "nominal", "sort": order, "title": x_title}
    amount = {"field": "value", "type": "quantitative", "title": y_title,
              "axis": _whole_numbers(max((row["value"] for row in data), default=0))}
    encoding = ({"y": category, "x": amount} if horizontal else
                {"x": {**category, "axis": {"labelAngle": 0}}, "y": amount})
    return _spec(data, height=34 * len(data) if horizontal else 220, layer=[
        {"mark": {"type": "bar", "color": color}, "encoding": encoding},
        {"mark": {"type": "text", "align": "left" if horizontal else "center",
                  "baseline": "middle" if horizontal else "bottom",
                  "dx": 3 if horizontal else 0, "dy": 0 if horizontal else -2},
         "encoding": {**encoding, "text": {"field": "value", "type": "quantitative"}}}])


def _whole_numbers(highest: int) -> dict:
    # Counts have whole ticks only: Vega would put 0.5 between 0 and 1 and print it "1".
    step = max(1, -(-highest // 5))
    return {"values": list(range(0, highest + step, step)), "format": "d"}


def _level_codes(filters: Filters) -> list[str]:
    codes = [level.code for level in current_levels()]
    return [filters.level] if filters.level else codes


def _rank(code: str) -> int:
    level = level_of(code)
    return level.rank if level else 99


def _counted(pairs: list[tuple[str, int]]) -> str:
    return ", ".join(f"{label} {format_decimal(count)}" for label, count in pairs)


def _day(day: dt.date) -> str:
    return format_date(day, "dd/MM/yyyy")


def _nothing() -> str:
    return _("Nessun dato per questi filtri alla data scelta.")


# --- the figures -------------------------------------------------------------------------

def regions_figure(filters: Filters, groups, source=history) -> Figure:
    counts = source.firms_by_region_and_level(filters, groups)
    levels = _level_codes(filters)
    regions = list(REGIONS) + ([history.NO_REGION] if any(
        region == history.NO_REGION for region, _level in counts) else [])
    rows, totals = [], {}
    for region in regions:
        per_level = [counts.get((region, level), 0) for level in levels]
        totals[region] = sum(per_level)
        rows.append([region, *per_level, totals[region]])
    firms = sum(totals.values())
    columns = [_("Regione"), *(level_label(level) for level in levels), _("Totale")]
    if not firms:
        return Figure("regioni", _("Imprese certificate per regione"), columns, rows,
                      _nothing(), empty=_nothing())
    top = max(totals, key=lambda region: (totals[region], region != history.NO_REGION))
    summary = _("Il %(day)s le imprese certificate erano %(firms)s; la regione con più "
                "imprese certificate era %(region)s (%(count)s).", day=_day(filters.at),
                firms=format_decimal(firms), region=top, count=format_decimal(totals[top]))
    tiles = [{"region": region, "name": SHORT.get(region, region), "x": x, "y": y,
              "value": totals.get(region, 0),
              "label": f"{SHORT.get(region, region)}: {totals.get(region, 0)}"}
             for region, (x, y) in TILES.items()]
    size = 62
    # White text on the darker half of the scale, black on the lighter one.
    dark = {"condition": {"test": f"datum.value > {max(totals.values()) / 2}",
                          "value": "white"}, "value": "black"}
    spec = _spec(tiles, width=6 * size, height=8 * size, layer=[
        {"mark": {"type": "rect", "stroke": "white", "strokeWidth": 2},
         "encoding": {
             "x": {"field": "x", "type": "ordinal", "axis": None, "scale": {"domain": list(
                 range(6))}},
             "y": {"field": "y", "type": "ordinal", "axis": None, "scale": {"domain": list(
                 range(8))}},
             "color": {"field": "value", "type": "quantitative", "title": _("Imprese"),
                       "scale": {"scheme": "blues", "domainMin": 0},
                       "legend": {"values": _whole_numbers(max(totals.values()))["values"],
                                  "format": "d"}}}},
        {"mark": {"type": "text", "fontSize": 9, "dy": -7},
         "encoding": {"x": {"field": "x", "type": "ordinal"},
                      "y": {"field": "y", "type": "ordinal"},
                      "text": {"field": "name", "type": "nominal"}, "color": dark}},
        {"mark": {"type": "text", "fontSize": 12, "fontWeight": "bold", "dy": 8},
         "encoding": {"x": {"field": "x", "type": "ordinal"},
                      "y": {"field": "y", "type": "ordinal"},
                      "text": {"field": "value", "type": "quantitative"},
                      "color": dark}}])
    notes = [_("La regione è quella della sede legale dichiarata oggi.")]
    return Figure("regioni", _("Imprese certificate per regione"), columns, rows, summary,
                  spec, notes=notes)


def levels_figure(filters: Filters, groups, source=history) -> Figure:
    counts: Counter = Counter()
    for (_region, level), count in source.firms_by_region_and_level(filters, groups).items():
        counts[level] += count
    levels = sorted(set(_level_codes(filters)) | set(counts), key=_rank)
    rows = [[level_label(level), counts.get(level, 0)] for level in levels]
    columns = [_("Livello"), _("Imprese certificate")]
    title = _("Imprese certificate per livello")
    if not sum(counts.values()):
        return Figure("livelli", title, columns, rows, _nothing(), empty=_nothing())
    summary = _("Il %(day)s le imprese certificate per livello erano: %(counts)s.",
                day=_day(filters.at),
                counts=_counted([(level_words(level), counts.get(level, 0))
                                 for level in levels]))
    data = [{"label": level_label(level), "value": counts.get(level, 0)} for level in levels]
    return Figure("livelli", title, columns, rows, summary,
                  _bar(data, _("Livello"), _("Imprese certificate")))


def statuses_figure(filters: Filters, groups, source=history) -> Figure:
    counts = source.certificates_by_status(filters, groups)
    rows = [[status_label(status), count] for status, count in counts.items()]
    columns = [_("Stato"), _("Certificati")]
    title = _("Certificati per stato")
    if not sum(counts.values()):
        return Figure("stati", title, columns, rows, _nothing(), empty=_nothing())
    summary = _("Il %(day)s i certificati erano: %(counts)s.", day=_day(filters.at),
                counts=_counted([(status_label(s), n) for s, n in counts.items()]))
    data = [{"label": status_label(s), "value": n} for s, n in counts.items()]
    return Figure("stati", title, columns, rows, summary,
                  _bar(data, _("Stato"), _("Certificati"), horizontal=True))


def period_label(first: dt.date, period: Period) -> str:
    """A month ("nov 2026") or a quarter ("4° trim. 2026")."""
    if period == Period.QUARTER:
        return _("%(quarter)d° trim. %(year)d", quarter=(first.month - 1) // 3 + 1,
                 year=first.year)
    return format_date(first, "MMM yyyy")


def movements_figure(filters: Filters, problem: str | None, source=history) -> Figure:
    counts = source.movements(filters)
    kinds = list(Movement)
    firsts = history.periods(filters.start, filters.at, filters.period) if not problem else []
    rows = [[period_label(first, filters.period),
             *(counts.get((first, str(kind)), 0) for kind in kinds)] for first in firsts]
    columns = [_("Periodo"), *(movement_label(kind).capitalize() for kind in kinds)]
    title = _("Rilasci, sospensioni, revoche e scadenze nel tempo")
    totals = {kind: sum(counts.get((first, str(kind)), 0) for first in firsts)
              for kind in kinds}
    if problem or not sum(totals.values()):
        message = problem or _nothing()
        return Figure("movimenti", title, columns, rows, message, empty=message)
    summary = _("Dal %(start)s al %(end)s: %(counts)s.", start=_day(filters.start),
                end=_day(filters.at),
                counts=_counted([(movement_label(kind), totals[kind]) for kind in kinds]))
    order = [period_label(first, filters.period) for first in firsts]
    data = [{"period": period_label(first, filters.period), "kind": movement_label(kind),
             "value": counts.get((first, str(kind)), 0)} for first in firsts for kind in kinds]
    kind_order = [movement_label(kind) for kind in kinds]
    spec = _spec(data, height=240, mark={"type": "line", "point": True}, encoding={
        "x": {"field": "period", "type": "ordinal", "sort": order, "title": _("Periodo"),
              "axis": {"labelAngle": -40}},
        "y": {"field": "value", "type": "quantitative", "title": _("Numero"),
              "axis": _whole_numbers(max(row["value"] for row in data))},
        "color": {"field": "kind", "type": "nominal", "sort": kind_order,
                  "title": _("Movimento"),
                  "scale": {"range": [BLUE, "#cc7a00", "#d1344c", "#5c6f82", "#008055"]}}})
    return Figure("movimenti", title, columns, rows, summary, spec)


def pipeline_figure(filters: Filters, source=history) -> Figure:
    counts = source.applications_by_stage(filters)
    histograms = source.days_in_stage(filters)
    rows = []
    for stage in history.STAGES:
        histogram = histograms[str(stage)]
        middle = history.median(histogram)
        rows.append([state_label(stage), counts[str(stage)], sum(histogram.values()),
                     None if middle is None else middle])
    columns = [_("Fase"), _("Domande in corso"), _("Permanenze concluse nel periodo"),
               _("Giorni nella fase (mediana)")]
    title = _("Domande per fase e tempo trascorso in ciascuna fase")
    notes = [_("Le domande in corso non hanno ancora un livello: il filtro per livello non "
               "si applica.")] if filters.level else []
    in_progress = sum(counts.values())
    if not in_progress and not any(row[2] for row in rows):
        return Figure("fasi", title, columns, rows, _nothing(), empty=_nothing(), notes=notes)
    busiest = max(rows, key=lambda row: row[1])
    summary = _("Il %(day)s le domande in corso erano %(count)s, la fase più affollata "
                "«%(stage)s» (%(stage_count)s).", day=_day(filters.at),
                count=format_decimal(in_progress), stage=busiest[0],
                stage_count=format_decimal(busiest[1]))
    data = [{"label": row[0], "value": row[1]} for row in rows]
    return Figure("fasi", title, columns, rows, summary,
                  _bar(data, _("Fase"), _("Domande in corso")), notes=notes)


def decision_figure(filters: Filters, problem: str | None, source=history) -> Figure:
    histogram = Counter() if problem else source.days_to_decision(filters)
    rows = []
    for low, high in DECISION_BANDS:
        label = (_("da %(low)d a %(high)d giorni", low=low, high=high) if high is not None
                 else _("oltre %(low)d giorni", low=low - 1))
        rows.append([label, sum(n for days, n in histogram.items()
                                if days >= low and (high is None or days <= high))])
    columns = [_("Dal primo invio alla decisione"), _("Domande decise")]
    title = _("Tempo dal primo invio alla decisione")
    decided = sum(histogram.values())
    if problem or not decided:
        message = problem or _nothing()
        return Figure("decisioni", title, columns, rows, message, empty=message)
    summary = _("Dal %(start)s al %(end)s sono state decise %(count)s domande, in una "
                "mediana di %(days)s giorni dal primo invio.", start=_day(filters.start),
                end=_day(filters.at), count=format_decimal(decided),
                days=format_decimal(history.median(histogram)))
    data = [{"label": row[0], "value": row[1]} for row in rows]
    return Figure("decisioni", title, columns, rows, summary,
                  _bar(data, _("Giorni dal primo invio"), _("Domande decise")))


def areas_figure(filters: Filters, source=history) -> Figure:
    histograms = source.area_bands(filters)
    scheme = scheme_of(current_version()) if histograms else None
    names = {area.code: area.name(str(get_locale() or "it"))
             for area in scheme.areas} if scheme else {}
    # The scheme's bands, best first, and the letter below them all; any other found too.
    letters = [letter for _minimum, letter in band_cutoffs(scheme)] if scheme else []
    if letters:
        letters.append(chr(ord(letters[-1]) + 1))
    letters += sorted({b for h in histograms.values() for b in h} - set(letters))
    keys = sorted(histograms, key=lambda key: (list(names).index(key[0]) if key[0] in names
                                               else 99, _rank(key[1])))
    rows = [[names.get(area, area), level_label(level),
             *(histograms[(area, level)].get(letter, 0) for letter in letters),
             sum(histograms[(area, level)].values())] for area, level in keys]
    columns = [_("Area"), _("Livello"), *(_("fascia %(band)s", band=letter)
                                          for letter in letters), _("Totale")]
    title = _("Distribuzione dei risultati per area e livello")
    if not rows:
        return Figure("aree", title, columns, rows, _nothing(), empty=_nothing())
    totals = Counter()
    for histogram in histograms.values():
        totals.update(histogram)
    summary = _("Il %(day)s i risultati d'area dei certificati in vigore erano: %(counts)s.",
                day=_day(filters.at),
                counts=_counted([(_("fascia %(band)s", band=letter), totals.get(letter, 0))
                                 for letter in letters]))
    data = [{"label": f"{row[0]} · {row[1]}", "band": _("fascia %(band)s", band=letter),
             "order": index, "value": row[2 + index]}
            for row in rows for index, letter in enumerate(letters)]
    spec = _spec(data, mark="bar", encoding={
        "y": {"field": "label", "type": "nominal", "sort": [f"{r[0]} · {r[1]}" for r in rows],
              "title": None, "axis": {"labelLimit": 320}},
        "x": {"field": "value", "type": "quantitative", "stack": "normalize",
              "title": _("Quota dei certificati"), "axis": {"format": "%"}},
        "color": {"field": "band", "type": "ordinal", "title": _("Fascia"),
                  "sort": [_("fascia %(band)s", band=letter) for letter in letters],
                  "scale": {"scheme": "blues", "reverse": True}},
        "order": {"field": "order", "type": "quantitative"}})
    notes = [_("Le fasce sono quelle stampate sul certificato per ciascuna area.")]
    return Figure("aree", title, columns, rows, summary, spec, notes=notes)


def extra_eu_figure(filters: Filters, groups, source=history) -> Figure:
    counts = source.extra_eu_bands(filters, groups)
    rows = [[extra_eu_label(band), counts[str(band)]] for band in ExtraEuBand]
    columns = [_("Quota di traffico extra UE"), _("Imprese certificate")]
    title = _("Quota di traffico fuori dall'UE delle imprese certificate")
    notes = [_("La quota è quella dichiarata oggi nel profilo dell'impresa.")]
    firms = sum(counts.values())
    if not firms:
        return Figure("extra-ue", title, columns, rows, _nothing(), empty=_nothing(),
                      notes=notes)
    abroad = firms - counts[str(ExtraEuBand.NONE)]
    summary = _("Il %(day)s le imprese certificate erano %(firms)s, di cui %(abroad)s con "
                "traffico gestito fuori dall'UE.", day=_day(filters.at),
                firms=format_decimal(firms), abroad=format_decimal(abroad))
    data = [{"label": row[0], "value": row[1]} for row in rows]
    return Figure("extra-ue", title, columns, rows, summary,
                  _bar(data, _("Quota di traffico extra UE"), _("Imprese certificate"),
                       color="#cc7a00"), notes=notes)


TITLES = {
    "regioni": _l("Imprese certificate per regione"),
    "livelli": _l("Imprese certificate per livello"),
    "stati": _l("Certificati per stato"),
    "movimenti": _l("Rilasci, sospensioni, revoche e scadenze nel tempo"),
    "fasi": _l("Domande per fase e tempo trascorso in ciascuna fase"),
    "decisioni": _l("Tempo dal primo invio alla decisione"),
    "aree": _l("Distribuzione dei risultati per area e livello"),
    "extra-ue": _l("Quota di traffico fuori dall'UE delle imprese certificate"),
}
FIGURE_KEYS = tuple(TITLES)


def blank_figures(message: str) -> list[Figure]:
    """Every figure, empty, saying why (the day asked for does not exist)."""
    return [Figure(key, str(title), [], [], message, empty=message)
            for key, title in TITLES.items()]


def figures(filters: Filters, problem: str | None = None) -> list[Figure]:
    """Every figure of the page, for `filters`. `problem` (an impossible or empty range)
    empties the figures over a period and says why; the figures on a day still show.
    They are read from the nightly facts when there are some (facts.py), else computed
    from the history (history.py): the same figures, in milliseconds instead of seconds."""
    source = facts.source(today_in_rome()) or history
    groups = source.snapshot(filters)
    return [regions_figure(filters, groups, source), levels_figure(filters, groups, source),
            statuses_figure(filters, groups, source),
            movements_figure(filters, problem, source), pipeline_figure(filters, source),
            decision_figure(filters, problem, source), areas_figure(filters, source),
            extra_eu_figure(filters, groups, source)]


# --- the figures, kept while nothing they count has changed ------------------------------

# What changes whenever a figure could: the register's stamp (register_stamp: a row per
# transaction that changes a firm, its sites or numbers, a certificate or a status change;
# so a firm's region and extra-EU share too) and a new application or application event
# (ids that only grow). Scores are not in it: those counted belong to decided applications,
# whose scores no longer change, and a new certificate moves the stamp anyway. A new
# computation of the facts (facts.py) too. Four primary-key maxima, each with the sum of
# its newest ids (an id older than the newest may be committed after it): a
# firm's latest `updated_at`, read before, cost a scan of every firm (most of a kept page's
# time at 100,000 firms).
_STAMP = text("SELECT " + ", ".join(newest_and_recent(table) for table in (
    "register_change", "application", "application_event", "statistics_run")))


@dataclass(frozen=True)
class _Kept:
    stamp: tuple
    figures: list[Figure]


def stamp() -> tuple:
    """The register's state as far as the statistics can tell (see _STAMP)."""
    return tuple(db.session.execute(_STAMP).one())


def cached_figures(filters: Filters, problem: str | None = None) -> list[Figure]:
    """`figures`, from this process's cache when nothing they count has changed since they
    were computed (the stamp is read first, so a change landing meanwhile only makes the
    stored figures stale, never wrong). Officials re-read the same figures as they filter
    and download; at 100,000 firms computing them takes a noticeable fraction of a second."""
    cache: Cache = current_app.extensions.setdefault("statistics_cache", Cache(64))
    key = (filters, problem, str(get_locale()))
    current = stamp()
    kept = cache.get(key, current)
    if kept is None:
        kept = _Kept(current, figures(filters, problem))
        cache.put(key, kept)
    return kept.figures
