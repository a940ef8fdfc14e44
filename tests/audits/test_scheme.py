"""The scheme file and its validation: the real file loads, and every broken file says why."""

import copy
import dataclasses
import hashlib
import json

import pytest

from audits.scheme import (
    DEFAULT_SCHEME_PATH,
    Scheme,
    SchemeError,
    content_hash,
    load_scheme_file,
    parse_scheme,
)

RAW = json.loads(DEFAULT_SCHEME_PATH.read_text(encoding="utf-8"))

# Weights and knock-out minimums exactly as in domain.md §2 and default_scheme.json.
CRITERION_WEIGHTS = {
    "MAN": [15, 20, 15, 15, 15, 10, 10],
    "ORG": [15, 15, 20, 15, 15, 10, 10],
    "FOR": [20, 20, 15, 15, 10, 10, 10],
    "LEG": [15, 20, 15, 15, 15, 10, 10],
}
KNOCKOUTS = {"FOR-03": 2, "LEG-01": 1, "LEG-02": 2, "LEG-03": 2, "LEG-04": 2, "LEG-05": 2,
             "LEG-06": 1}


@pytest.fixture(scope="module")
def scheme() -> Scheme:
    return load_scheme_file(DEFAULT_SCHEME_PATH)[0]


def item(items: list[dict], code: str) -> dict:
    return next(entry for entry in items if entry["code"] == code)


def errors_of(mutate) -> list[str]:
    """Break a deep copy of the real file with `mutate` and return the validator's errors."""
    data = copy.deepcopy(RAW)
    mutate(data)
    with pytest.raises(SchemeError) as caught:
        parse_scheme(data)
    return caught.value.errors


# --- the real file -----------------------------------------------------------------------

def test_default_file_loads_cleanly(scheme):
    assert (scheme.code, scheme.version) == ("bollino-blu-cc", "1.0")
    assert scheme.name_it == scheme.name_en == "Bollino Blu — contact centre"
    assert [a.code for a in scheme.areas] == ["MAN", "ORG", "FOR", "LEG"]
    assert len(scheme.criteria) == 28
    assert (scheme.validity_months, scheme.scale_min, scheme.scale_max) == (36, 0, 4)
    assert list(scheme.scores) == [0, 1, 2, 3, 4]


def test_weights_and_area_minimums_match_the_source(scheme):
    assert {a.code: (a.weight, a.min_pct) for a in scheme.areas} == {
        "MAN": (25, 50), "ORG": (25, 50), "FOR": (20, 50), "LEG": (30, 50)}
    for area, weights in CRITERION_WEIGHTS.items():
        criteria = scheme.criteria_of(area)
        assert [c.code for c in criteria] == [f"{area}-0{i}" for i in range(1, 8)]
        assert [c.weight for c in criteria] == weights


def test_knockouts_and_na(scheme):
    assert {c.code: c.ko_min_score for c in scheme.knockouts} == KNOCKOUTS
    assert all(c.ko_min_score is None for c in scheme.criteria if not c.knockout)
    # LEG-04 has an N/A rule for some items, but a knock-out is never N/A as a whole.
    assert [c.code for c in scheme.criteria if c.na_allowed] == ["LEG-07"]
    assert scheme.criterion("LEG-07").na_rule("en").startswith("N/A if there was no contractor")
    assert scheme.criterion("LEG-07").na_rule("it").startswith("Non applicabile")
    assert scheme.criterion("LEG-04").na_rule("it") is None
    assert "RPO" in scheme.criterion("LEG-04").note("it")


def test_levels(scheme):
    assert [(lv.code, lv.rank, lv.min_overall, lv.min_each_area, lv.min_criterion_score)
            for lv in scheme.levels] == [("L1", 1, 60, 50, None), ("L2", 2, 72, 60, None),
                                         ("L3", 3, 85, 75, 2)]
    assert scheme.level("L2").label("it") == "Bollino Blu ★★"


def test_every_criterion_is_written_in_both_languages(scheme):
    for c in scheme.criteria:
        assert c.title_it and c.title_en
        assert len(c.evidence_it) == len(c.evidence_en) > 0
        assert len(c.scoring_it) == len(c.scoring_en) == 5
        # The Italian is a translation, not a copy of the English.
        assert all(it != en for it, en in zip(c.scoring_it, c.scoring_en, strict=True)), c.code
        assert c.evidence_it != c.evidence_en, c.code
        assert c.sources
    assert scheme.anchors("it")[0].startswith("Assente")
    assert scheme.anchors("en")[4].startswith("Excellent")


def test_language_accessors_fall_back_to_italian(scheme):
    c = scheme.criterion("MAN-01")
    assert c.title("it") == "Governance, assetto proprietario e trasparenza"
    assert c.title("en") == c.title("en_GB") == c.title("EN") == c.title_en
    assert c.title("de") == c.title(None) == c.title_it
    assert c.scoring("en")[0].startswith("Ownership or management opaque")
    assert c.scoring("it")[2].startswith("Organigramma")
    assert c.evidence("it")[0].startswith("Visura camerale")
    assert c.na_rule("en") is None and c.note("en") is None
    assert scheme.area("FOR").name("en") == "Training and competence"
    assert scheme.area("FOR").name("it") == "Formazione e competenze"
    assert scheme.name("en") == "Bollino Blu — contact centre"


def test_lookups(scheme):
    assert scheme.area("LEG").weight == 30
    assert scheme.criterion("FOR-03").knockout
    with pytest.raises(KeyError):
        scheme.criterion("XYZ-01")
    with pytest.raises(KeyError):
        scheme.area("XYZ")
    with pytest.raises(KeyError):
        scheme.level("L4")
    first = scheme.knockouts_first()
    assert [c.code for c in first[:7]] == [c.code for c in scheme.knockouts]
    assert sorted(c.code for c in first) == sorted(c.code for c in scheme.criteria)


def test_scheme_is_immutable_and_hashable(scheme):
    with pytest.raises(dataclasses.FrozenInstanceError):
        scheme.code = "other"  # type: ignore[misc]
    assert hash(scheme) == hash(parse_scheme(copy.deepcopy(RAW)))
    assert scheme == parse_scheme(copy.deepcopy(RAW))


def test_content_hash_is_of_the_canonical_json(tmp_path):
    _scheme, data, digest = load_scheme_file(DEFAULT_SCHEME_PATH)
    canonical = json.dumps(RAW, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert digest == hashlib.sha256(canonical.encode()).hexdigest() == content_hash(data)
    assert data == RAW
    # The same content laid out differently hashes the same; a changed value does not.
    relaid = tmp_path / "relaid.json"
    relaid.write_text(json.dumps(RAW, indent=4, ensure_ascii=True), encoding="utf-8")
    assert load_scheme_file(relaid)[2] == digest
    changed = copy.deepcopy(RAW)
    changed["areas"][0]["name_it"] += "."
    assert content_hash(changed) != digest


def test_unknown_keys_are_ignored():
    data = copy.deepcopy(RAW)
    data["status_note"] = "bozza"
    data["criteria"][0]["internal_ref"] = 7
    assert len(parse_scheme(data).criteria) == 28


def test_levels_are_ordered_by_rank_whatever_the_file_order():
    data = copy.deepcopy(RAW)
    data["levels"].reverse()
    assert [lv.code for lv in parse_scheme(data).levels] == ["L1", "L2", "L3"]


# --- broken files: one kind each, with the precise message ---------------------------------

_DELETE = object()


def _set(path: tuple, value):
    """A mutation setting data[path...] = value; path items are keys, indexes or codes."""
    def mutate(data):
        target = data
        for step in path[:-1]:
            by_code = isinstance(target, list) and isinstance(step, str)
            target = item(target, step) if by_code else target[step]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return mutate

BROKEN = {
    "duplicate criterion code": (
        _set(("criteria", "MAN-04", "code"), "MAN-03"), ["criterion MAN-03: duplicate code"]),
    "criterion weights": (
        _set(("criteria", "MAN-01", "weight"), 10),
        ["area MAN: criterion weights add up to 95, not 100"]),
    "area weights": (
        _set(("areas", "MAN", "weight"), 15), ["area weights add up to 90, not 100"]),
    "knock-out without minimum": (
        _set(("criteria", "LEG-01", "ko_min_score"), None),
        ["criterion LEG-01: knock-out needs ko_min_score between 0 and 4"]),
    "knock-out minimum off the scale": (
        _set(("criteria", "LEG-01", "ko_min_score"), 5),
        ["criterion LEG-01: knock-out needs ko_min_score between 0 and 4"]),
    "minimum on a criterion that is not a knock-out": (
        _set(("criteria", "MAN-01", "ko_min_score"), 2),
        ["criterion MAN-01: ko_min_score must be null when the criterion is not a knock-out"]),
    "levels not increasing": (
        _set(("levels", "L2", "min_overall"), 50),
        ["levels: thresholds must increase from L1 to L3 (L2 min_overall 50 < L1 60)"]),
    "level criterion minimum decreasing": (
        _set(("levels", "L2", "min_criterion_score"), 3),
        ["levels: thresholds must increase from L1 to L3 (L3 min_criterion_score 2 < L2 3)"]),
    "level asking no more than the one below": (
        lambda data: item(data["levels"], "L2").update(min_overall=60, min_each_area=50),
        ["levels: L2 asks no more than L1"]),
    "level code not matching its rank": (
        _set(("levels", "L2", "rank"), 3), ["level L2: code must be 'L3' for rank 3"]),
    "level criterion minimum off the scale": (
        _set(("levels", "L3", "min_criterion_score"), 7),
        ["level L3: min_criterion_score must be null or a score from 0 to 4, not 7"]),
    "missing required field": (
        _set(("criteria", "MAN-02", "weight"), _DELETE),
        ["criterion MAN-02: missing field 'weight'"]),
    "wrong type": (
        _set(("criteria", "MAN-02", "weight"), "20"),
        ['criterion MAN-02: weight must be a positive whole number, not "20"']),
    "knock-out flag not a boolean": (
        _set(("criteria", "FOR-03", "knockout"), "yes"),
        ['criterion FOR-03: knockout must be true or false, not "yes"']),
    "scoring guide missing a level": (
        _set(("criteria", "ORG-03", "scoring_it", "3"), _DELETE),
        ["criterion ORG-03: scoring_it has no text for score 3"]),
    "scoring guide with an unknown level": (
        _set(("criteria", "ORG-03", "scoring_en", "5"), "Beyond excellent."),
        ['criterion ORG-03: scoring_en has an unknown score "5"']),
    "missing Italian text": (
        _set(("criteria", "FOR-01", "title_it"), "  "),
        ["criterion FOR-01: missing Italian text (title_it)"]),
    "missing English text": (
        _set(("criteria", "FOR-01", "evidence_en"), _DELETE),
        ["criterion FOR-01: missing English text (evidence_en)"]),
    "empty Italian evidence list": (
        _set(("criteria", "FOR-01", "evidence_it"), []),
        ["criterion FOR-01: missing Italian text (evidence_it)"]),
    "missing area name": (
        _set(("areas", "ORG", "name_en"), None), ["area ORG: missing English text (name_en)"]),
    "area minimum above 100": (
        _set(("areas", "LEG", "min_pct"), 120),
        ["area LEG: min_pct must be between 0 and 100, not 120"]),
    "area minimum below 0": (
        _set(("areas", "LEG", "min_pct"), -5),
        ["area LEG: min_pct must be between 0 and 100, not -5"]),
    "area minimum not a number": (
        _set(("areas", "LEG", "min_pct"), float("nan")),
        ["area LEG: min_pct must be between 0 and 100, not NaN"]),
    "knock-out allowing N/A": (
        lambda data: item(data["criteria"], "LEG-01").update(
            na_allowed=True, na_rule_it="Mai.", na_rule_en="Never."),
        ["criterion LEG-01: a knock-out criterion cannot allow N/A"]),
    "N/A allowed without a rule": (
        _set(("criteria", "MAN-01", "na_allowed"), True),
        ["criterion MAN-01: missing Italian text (na_rule_it)",
         "criterion MAN-01: missing English text (na_rule_en)"]),
    "N/A rule on a criterion without N/A": (
        _set(("criteria", "LEG-07", "na_allowed"), False),
        ["criterion LEG-07: na_rule_it must be null when N/A is not allowed",
         "criterion LEG-07: na_rule_en must be null when N/A is not allowed"]),
    "note not text": (
        _set(("criteria", "MAN-02", "note_it"), ["a", "list"]),
        ["criterion MAN-02: note_it must be text or null"]),
    "sources not a list of texts": (
        _set(("criteria", "MAN-01", "sources"), "ISO 18295-1"),
        ["criterion MAN-01: sources must be a list of texts"]),
    "missing scheme version": (
        _set(("version",), _DELETE), ["scheme: missing field 'version'"]),
    "validity not positive": (
        _set(("validity_months",), 0),
        ["scheme: validity_months must be a positive whole number, not 0"]),
    "scale not starting at 0": (
        _set(("scale", "min"), 1), ["scale: min must be 0, not 1"]),
    "scale anchor missing": (
        _set(("scale", "anchors_en", "2"), _DELETE), ["scale: anchors_en has no text for score 2"]),
    "criterion without a code": (
        _set(("criteria", 0, "code"), _DELETE), ["criteria[0]: missing field 'code'"]),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_broken_file_gives_a_precise_message(kind):
    mutate, expected = BROKEN[kind]
    assert errors_of(mutate) == expected


def test_unknown_area():
    def mutate(data):
        item(data["criteria"], "MAN-07").update(code="XYZ-01", area="XYZ")
    assert errors_of(mutate) == ["criterion XYZ-01: unknown area 'XYZ'",
                                 "area MAN: criterion weights add up to 90, not 100"]


def test_area_without_criteria():
    def mutate(data):
        data["criteria"] = [c for c in data["criteria"] if c["area"] != "FOR"]
    assert errors_of(mutate) == ["area FOR: has no criteria"]


def test_duplicate_area_code():
    def mutate(data):
        data["areas"][1]["code"] = "MAN"
    errors = errors_of(mutate)
    assert "area MAN: duplicate code" in errors
    assert "criterion ORG-01: unknown area 'ORG'" in errors


def test_level_ranks_with_a_gap():
    def mutate(data):
        data["levels"] = [lv for lv in data["levels"] if lv["code"] != "L2"]
    assert errors_of(mutate) == ["levels: ranks must run from 1 without gaps or repeats, "
                                 "not [1, 3]"]


def test_empty_lists_and_wrong_shapes():
    assert errors_of(lambda data: data.update(levels=[])) == [
        "scheme: levels must be a non-empty list"]
    assert errors_of(lambda data: data["criteria"].append("oops")) == [
        "criteria[28]: must be an object"]
    errors = errors_of(lambda data: data.update(criteria={}))
    assert errors[0] == "scheme: criteria must be a non-empty list"
    assert "area LEG: has no criteria" in errors


def test_every_problem_is_listed_at_once():
    def mutate(data):
        item(data["criteria"], "MAN-04")["code"] = "MAN-03"
        item(data["areas"], "LEG")["min_pct"] = 101
        item(data["criteria"], "LEG-02")["knockout"] = "true"
        del item(data["criteria"], "FOR-05")["scoring_en"]["0"]
    assert errors_of(mutate) == [
        "area LEG: min_pct must be between 0 and 100, not 101",
        "criterion MAN-03: duplicate code",
        "criterion FOR-05: scoring_en has no text for score 0",
        'criterion LEG-02: knockout must be true or false, not "true"',
    ]


def test_scheme_error_message_joins_the_errors():
    error = SchemeError(["one", "two"])
    assert error.errors == ["one", "two"] and str(error) == "one\ntwo"


@pytest.mark.parametrize("document", [[], "scheme", None, 42])
def test_document_must_be_an_object(document):
    with pytest.raises(SchemeError) as caught:
        parse_scheme(document)
    assert caught.value.errors == ["scheme: the document must be a JSON object"]


def test_unreadable_file(tmp_path):
    with pytest.raises(SchemeError) as caught:
        load_scheme_file(tmp_path / "missing.json")
    assert caught.value.errors[0].startswith("missing.json: cannot read the file")


def test_invalid_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"code": "x",\n  "version": }', encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        load_scheme_file(path)
    assert caught.value.errors == ["bad.json: not valid JSON (line 2, column 14: "
                                   "Expecting value)"]


def test_file_not_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"name_it": "Capacità"}'.encode("latin-1"))
    with pytest.raises(SchemeError) as caught:
        load_scheme_file(path)
    assert caught.value.errors == ["latin1.json: the file is not UTF-8 text"]


def test_invalid_scheme_file(tmp_path):
    data = copy.deepcopy(RAW)
    data["areas"][0]["weight"] = 5
    path = tmp_path / "scheme.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        load_scheme_file(path)
    assert caught.value.errors == ["area weights add up to 80, not 100"]
