"""Criteria schemes: areas, criteria and levels as frozen dataclasses, and the scheme files.

A scheme file is JSON (see `schemes/bollino-blu-cc-1.0.json`, built from domain.md §2-3).
`parse_scheme` checks the whole document and reports every problem at once, so whoever
edits a scheme fixes it in one pass; a scheme that parses is safe for `audits.scoring`.
Standard library only: no Flask, no database.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any

DEFAULT_SCHEME_PATH = Path(__file__).resolve().parent / "schemes" / "bollino-blu-cc-1.0.json"


class SchemeError(Exception):
    """A scheme file or document that cannot be used; `errors` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


def _pick(lang: object, italian, english):
    """Italian is the scheme's primary language: English only when asked for and present."""
    wants_english = str(lang or "").lower().replace("-", "_").split("_")[0] == "en"
    return english if wants_english and english else italian


@dataclass(frozen=True)
class Area:
    """One of the scheme's areas: its weight in the overall score and its pass mark (%)."""

    code: str
    name_it: str
    name_en: str
    weight: int
    min_pct: int | float

    def name(self, lang: str) -> str:
        """The area's name in `lang` ("it" or "en"; anything else gets Italian)."""
        return _pick(lang, self.name_it, self.name_en)


@dataclass(frozen=True)
class Criterion:
    """A scored criterion; `scoring_it[s]` is the guide for score `s`.

    A knock-out criterion fails the whole file below `ko_min_score` and never allows N/A.
    """

    code: str
    area: str
    title_it: str
    title_en: str
    weight: int
    knockout: bool
    ko_min_score: int | None
    evidence_it: tuple[str, ...]
    evidence_en: tuple[str, ...]
    scoring_it: tuple[str, ...]
    scoring_en: tuple[str, ...]
    na_allowed: bool
    na_rule_it: str | None
    na_rule_en: str | None
    sources: tuple[str, ...] = ()
    note_it: str | None = None
    note_en: str | None = None

    def title(self, lang: str) -> str:
        """The title in `lang` (Italian fallback)."""
        return _pick(lang, self.title_it, self.title_en)

    def evidence(self, lang: str) -> tuple[str, ...]:
        """What the auditor checks, in `lang`."""
        return _pick(lang, self.evidence_it, self.evidence_en)

    def scoring(self, lang: str) -> dict[int, str]:
        """The scoring guide in `lang`: {score: what it takes}."""
        return dict(enumerate(_pick(lang, self.scoring_it, self.scoring_en)))

    def na_rule(self, lang: str) -> str | None:
        """When the criterion may be marked N/A, in `lang`; None if it never may."""
        return _pick(lang, self.na_rule_it, self.na_rule_en)

    def note(self, lang: str) -> str | None:
        """The scheme owner's note for auditors, in `lang`, if any."""
        return _pick(lang, self.note_it, self.note_en)


@dataclass(frozen=True)
class Level:
    """A certification level (L1 ★ … L3 ★★★) and the thresholds it needs."""

    code: str
    rank: int
    label_it: str
    label_en: str
    min_overall: int | float
    min_each_area: int | float
    min_criterion_score: int | None

    def label(self, lang: str) -> str:
        """The label in `lang` (Italian fallback)."""
        return _pick(lang, self.label_it, self.label_en)


@dataclass(frozen=True)
class Scheme:
    """A validated criteria scheme; levels are ordered by rank, lowest first."""

    code: str
    version: str
    name_it: str
    name_en: str
    areas: tuple[Area, ...]
    criteria: tuple[Criterion, ...]
    levels: tuple[Level, ...]
    validity_months: int
    scale_min: int
    scale_max: int
    anchors_it: tuple[str, ...] = ()
    anchors_en: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        """The scheme's name in `lang` (Italian fallback)."""
        return _pick(lang, self.name_it, self.name_en)

    def anchors(self, lang: str) -> dict[int, str]:
        """The generic meaning of each score, in `lang`."""
        return dict(enumerate(_pick(lang, self.anchors_it, self.anchors_en), self.scale_min))

    @property
    def scores(self) -> range:
        """Every valid score, lowest first."""
        return range(self.scale_min, self.scale_max + 1)

    @cached_property
    def _areas_by_code(self) -> dict[str, Area]:
        return {area.code: area for area in self.areas}

    @cached_property
    def _criteria_by_code(self) -> dict[str, Criterion]:
        return {criterion.code: criterion for criterion in self.criteria}

    def area(self, code: str) -> Area:
        """The area with this code; KeyError if the scheme has none."""
        return self._areas_by_code[code]

    def criterion(self, code: str) -> Criterion:
        """The criterion with this code; KeyError if the scheme has none."""
        return self._criteria_by_code[code]

    def level(self, code: str) -> Level:
        """The level with this code; KeyError if the scheme has none."""
        for level in self.levels:
            if level.code == code:
                return level
        raise KeyError(code)

    def criteria_of(self, area_code: str) -> tuple[Criterion, ...]:
        """The criteria of one area, in scheme order."""
        return tuple(c for c in self.criteria if c.area == area_code)

    @property
    def knockouts(self) -> tuple[Criterion, ...]:
        """The knock-out criteria, in scheme order."""
        return tuple(c for c in self.criteria if c.knockout)

    def knockouts_first(self) -> tuple[Criterion, ...]:
        """All criteria, knock-outs first: every surveillance re-scores them (domain.md §3.3)."""
        return self.knockouts + tuple(c for c in self.criteria if not c.knockout)


_LANGUAGES = {"_it": "Italian", "_en": "English"}


def _shown(value: Any) -> str:
    """A value as the JSON spells it, for error messages."""
    return json.dumps(value, ensure_ascii=False)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# kind: (test, what the message says the field must be)
_KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "text": (lambda v: isinstance(v, str), "text"),
    "positive": (lambda v: _is_whole(v) and v >= 1, "a positive whole number"),
    "flag": (lambda v: isinstance(v, bool), "true or false"),
    "percent": (lambda v: isinstance(v, int | float) and not isinstance(v, bool)
                and math.isfinite(v) and 0 <= v <= 100, "between 0 and 100"),
}


class _Check:
    """Collects every problem of a scheme document; each message names the item at fault."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        # The scale scores are checked against; the document's own once it is known good.
        self.low, self.high = 0, 4

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def present(self, where: str, item: dict, key: str) -> bool:
        value = item.get(key)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return True
        language = _LANGUAGES.get(key[-3:])
        self.fail(where, f"missing {language} text ({key})" if language
                  else f"missing field '{key}'")
        return False

    def field(self, where: str, item: dict, key: str, kind: str = "text") -> bool:
        """The field is present and of its kind; otherwise say what it must be."""
        if not self.present(where, item, key):
            return False
        test, wanted = _KINDS[kind]
        if test(item[key]):
            return True
        self.fail(where, f"{key} must be {wanted}, not {_shown(item[key])}")
        return False

    def texts(self, where: str, item: dict, key: str, may_be_empty: bool = False) -> None:
        if not self.present(where, item, key):
            return
        value = item[key]
        if not isinstance(value, list) or not all(
                isinstance(line, str) and line.strip() for line in value):
            self.fail(where, f"{key} must be a list of texts")
        elif not value and not may_be_empty:
            language = _LANGUAGES.get(key[-3:])
            self.fail(where, f"missing {language} text ({key})" if language
                      else f"{key} is empty")

    def guide(self, where: str, item: dict, key: str) -> None:
        """A text for every score of the scale, and nothing else."""
        if not self.present(where, item, key):
            return
        value = item[key]
        if not isinstance(value, dict):
            self.fail(where, f"{key} must give a text for each score from {self.low} to "
                             f"{self.high}")
            return
        expected = [str(score) for score in range(self.low, self.high + 1)]
        for score in expected:
            if not isinstance(value.get(score), str) or not value[score].strip():
                self.fail(where, f"{key} has no text for score {score}")
        for score in value:
            if score not in expected:
                self.fail(where, f"{key} has an unknown score {_shown(score)}")

    def items(self, data: dict, key: str) -> list:
        if not self.present("scheme", data, key):
            return []
        if not isinstance(data[key], list) or not data[key]:
            self.fail("scheme", f"{key} must be a non-empty list")
            return []
        return data[key]

    @staticmethod
    def name_of(kind: str, key: str, index: int, item: Any) -> str:
        code = item.get("code") if isinstance(item, dict) else None
        return f"{kind} {code}" if isinstance(code, str) and code.strip() else f"{key}[{index}]"

    def document(self, data: Any) -> None:
        if not isinstance(data, dict):
            self.fail("scheme", "the document must be a JSON object")
            return
        for key in ("code", "version", "name_it", "name_en"):
            self.field("scheme", data, key)
        self.field("scheme", data, "validity_months", "positive")
        self.scale(data)
        self.criteria(data, self.areas(data))
        self.levels(data)

    def scale(self, data: dict) -> None:
        if not self.present("scheme", data, "scale"):
            return
        scale = data["scale"]
        if not isinstance(scale, dict):
            self.fail("scale", "must be an object with min, max, anchors_it and anchors_en")
            return
        # The area formula 100·Σ(w·s) / (max·Σw) reads a score as a share of max: 0 is nothing.
        if scale.get("min") != 0 or not _is_whole(scale.get("min")):
            self.fail("scale", f"min must be 0, not {_shown(scale.get('min'))}")
        if _is_whole(scale.get("max")) and scale["max"] >= 1:
            self.high = scale["max"]
        else:
            self.fail("scale", f"max must be a positive whole number, not "
                               f"{_shown(scale.get('max'))}")
        self.guide("scale", scale, "anchors_it")
        self.guide("scale", scale, "anchors_en")

    def areas(self, data: dict) -> dict[str, dict]:
        known: dict[str, dict] = {}
        total, weights_ok = 0, True
        for index, area in enumerate(self.items(data, "areas")):
            where = self.name_of("area", "areas", index, area)
            if not isinstance(area, dict):
                self.fail(where, "must be an object")
                weights_ok = False
                continue
            if self.field(where, area, "code"):
                if area["code"] in known:
                    self.fail(where, "duplicate code")
                known.setdefault(area["code"], area)
            self.field(where, area, "name_it")
            self.field(where, area, "name_en")
            if self.field(where, area, "weight", "positive"):
                total += area["weight"]
            else:
                weights_ok = False
            self.field(where, area, "min_pct", "percent")
        if known and weights_ok and total != 100:
            self.errors.append(f"area weights add up to {total}, not 100")
        return known

    def criteria(self, data: dict, areas: dict[str, dict]) -> None:
        seen: set[str] = set()
        totals = dict.fromkeys(areas, 0)
        used: set[str] = set()
        unsure: set[str] = set()  # areas with a broken weight: their total means nothing
        for index, criterion in enumerate(self.items(data, "criteria")):
            where = self.name_of("criterion", "criteria", index, criterion)
            if not isinstance(criterion, dict):
                self.fail(where, "must be an object")
                continue
            if self.field(where, criterion, "code"):
                if criterion["code"] in seen:
                    self.fail(where, "duplicate code")
                seen.add(criterion["code"])
            area = criterion["area"] if self.field(where, criterion, "area") else None
            if area is not None and area not in areas:
                self.fail(where, f"unknown area '{area}'")
            used.add(area)
            if not self.field(where, criterion, "weight", "positive"):
                unsure.add(area)
            elif area in totals:
                totals[area] += criterion["weight"]
            self.criterion_fields(where, criterion)
        for code in areas:
            if code not in used:
                self.fail(f"area {code}", "has no criteria")
            elif code not in unsure and totals[code] != 100:
                self.fail(f"area {code}", f"criterion weights add up to {totals[code]}, not 100")

    def criterion_fields(self, where: str, criterion: dict) -> None:
        for key in ("title_it", "title_en"):
            self.field(where, criterion, key)
        if self.field(where, criterion, "knockout", "flag"):
            low, high, minimum = self.low, self.high, criterion.get("ko_min_score")
            if criterion["knockout"] and not (_is_whole(minimum) and low <= minimum <= high):
                self.fail(where, f"knock-out needs ko_min_score between {low} and {high}")
            if not criterion["knockout"] and minimum is not None:
                self.fail(where, "ko_min_score must be null when the criterion is not a "
                                 "knock-out")
        for key in ("evidence_it", "evidence_en"):
            self.texts(where, criterion, key)
        for key in ("scoring_it", "scoring_en"):
            self.guide(where, criterion, key)
        na_allowed = self.field(where, criterion, "na_allowed", "flag") and criterion["na_allowed"]
        if na_allowed and criterion.get("knockout") is True:
            # A legal duty cannot be waived as a whole (domain.md §3.1).
            self.fail(where, "a knock-out criterion cannot allow N/A")
        for key in ("na_rule_it", "na_rule_en"):
            if na_allowed:
                self.field(where, criterion, key)
            elif criterion.get(key) is not None:
                self.fail(where, f"{key} must be null when N/A is not allowed")
        for key in ("note_it", "note_en"):
            if not isinstance(criterion.get(key), str | None):
                self.fail(where, f"{key} must be text or null")
        self.texts(where, criterion, "sources", may_be_empty=True)

    def levels(self, data: dict) -> None:
        items, good = self.items(data, "levels"), []
        for index, level in enumerate(items):
            where = self.name_of("level", "levels", index, level)
            if not isinstance(level, dict):
                self.fail(where, "must be an object")
                continue
            kinds = {"code": "text", "rank": "positive", "label_it": "text", "label_en": "text",
                     "min_overall": "percent", "min_each_area": "percent"}
            checks = [self.field(where, level, key, kind) for key, kind in kinds.items()]
            minimum = level.get("min_criterion_score")
            if minimum is not None and not (_is_whole(minimum)
                                            and self.low <= minimum <= self.high):
                self.fail(where, f"min_criterion_score must be null or a score from {self.low} "
                                 f"to {self.high}, not {_shown(minimum)}")
                checks.append(False)
            if all(checks[:2]) and level["code"] != f"L{level['rank']}":
                # scoring.level_rank reads the rank from the code, so the two must agree.
                self.fail(where, f"code must be 'L{level['rank']}' for rank {level['rank']}")
            elif all(checks):
                good.append(level)
        if good and len(good) == len(items):
            self.level_order(good)

    def level_order(self, levels: list[dict]) -> None:
        """A higher level must ask at least as much as the one below, and more in something."""
        ranks = sorted(level["rank"] for level in levels)
        if ranks != list(range(1, len(levels) + 1)):
            self.fail("levels", f"ranks must run from 1 without gaps or repeats, not {ranks}")
            return
        levels = sorted(levels, key=lambda level: level["rank"])
        span = f"from {levels[0]['code']} to {levels[-1]['code']}"
        for lower, higher in pairwise(levels):
            keys = ("min_overall", "min_each_area", "min_criterion_score")
            pairs = [(key, lower.get(key), higher.get(key)) for key in keys]
            for key, below, above in pairs:
                if (above if above is not None else self.low) < (
                        below if below is not None else self.low):
                    self.fail("levels", f"thresholds must increase {span} ({higher['code']} "
                                        f"{key} {_shown(above)} < {lower['code']} "
                                        f"{_shown(below)})")
            if all(below == above for _key, below, above in pairs):
                self.fail("levels", f"{higher['code']} asks no more than {lower['code']}")


def parse_scheme(data: Any) -> Scheme:
    """Validate a scheme document (the parsed JSON) and build the `Scheme`.

    Raises `SchemeError` listing every problem, each naming the item at fault
    ("criterion MAN-03: duplicate code", "area weights add up to 90, not 100", …).
    Keys the registry does not know are ignored, so files may carry extra notes.
    """
    check = _Check()
    check.document(data)
    if check.errors:
        raise SchemeError(check.errors)
    scale = data["scale"]
    low, high = scale["min"], scale["max"]

    def guide(mapping: dict[str, str]) -> tuple[str, ...]:
        return tuple(mapping[str(score)] for score in range(low, high + 1))

    return Scheme(
        code=data["code"], version=data["version"],
        name_it=data["name_it"], name_en=data["name_en"],
        areas=tuple(Area(code=a["code"], name_it=a["name_it"], name_en=a["name_en"],
                         weight=a["weight"], min_pct=a["min_pct"]) for a in data["areas"]),
        criteria=tuple(Criterion(
            code=c["code"], area=c["area"], title_it=c["title_it"], title_en=c["title_en"],
            weight=c["weight"], knockout=c["knockout"], ko_min_score=c["ko_min_score"],
            evidence_it=tuple(c["evidence_it"]), evidence_en=tuple(c["evidence_en"]),
            scoring_it=guide(c["scoring_it"]), scoring_en=guide(c["scoring_en"]),
            na_allowed=c["na_allowed"], na_rule_it=c["na_rule_it"], na_rule_en=c["na_rule_en"],
            sources=tuple(c["sources"]), note_it=c.get("note_it"), note_en=c.get("note_en"),
        ) for c in data["criteria"]),
        levels=tuple(sorted((Level(
            code=lv["code"], rank=lv["rank"], label_it=lv["label_it"], label_en=lv["label_en"],
            min_overall=lv["min_overall"], min_each_area=lv["min_each_area"],
            min_criterion_score=lv["min_criterion_score"],
        ) for lv in data["levels"]), key=lambda level: level.rank)),
        validity_months=data["validity_months"], scale_min=low, scale_max=high,
        anchors_it=guide(scale["anchors_it"]), anchors_en=guide(scale["anchors_en"]),
    )


def content_hash(data: Any) -> str:
    """SHA-256 of the canonical JSON: the same scheme hashes the same however it is laid out."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_scheme_file(path: str | Path) -> tuple[Scheme, dict, str]:
    """Read, parse and validate a scheme file: (scheme, raw document, content hash).

    Raises `SchemeError` for a file that cannot be read, is not UTF-8 JSON, or is not a
    valid scheme.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SchemeError([f"{path.name}: cannot read the file ({error.strerror or error})"]
                          ) from None
    except UnicodeDecodeError:
        raise SchemeError([f"{path.name}: the file is not UTF-8 text"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SchemeError([f"{path.name}: not valid JSON (line {error.lineno}, column "
                           f"{error.colno}: {error.msg})"]) from None
    return parse_scheme(data), data, content_hash(data)
