"""The public scheme: the version in force, every version a certificate or application used,
as a page (Italian and English, printable, no internal codes) and as JSON."""

import json
import re
from html.parser import HTMLParser

import pytest

from audits.scheme import DEFAULT_SCHEME_PATH
from audits.schemes_store import store_scheme_file
from registry.certificates import cycle
from registry.certificates.lifecycle import MAX_SUSPENSION_MONTHS
from registry.extensions import db

CODE = "bollino-blu-cc"


def _newer_version(app, tmp_path, version: str, **changes) -> None:
    """Load a copy of the default scheme under another version number (it becomes the one
    in force, being the most recently loaded)."""
    document = json.loads(DEFAULT_SCHEME_PATH.read_text(encoding="utf-8"))
    document.update(version=version, **changes)
    path = tmp_path / f"scheme-{version}.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with app.app_context():
        store_scheme_file(path)
        db.session.commit()


@pytest.fixture
def older_and_current(app, tmp_path, certified_firm):
    """A certificate granted under 1.0, then version 1.1 loaded: 1.1 is in force, 1.0 stays
    public because the certificate used it. Returns the certificate's number."""
    row = certified_firm("Schema S.r.l.")
    _newer_version(app, tmp_path, "1.1", validity_months=24,
                   name_it="Bollino Blu — contact centre (rivisto)")
    return row.number


class _Text(HTMLParser):
    """The text a person reads in <main> (no tags, no attributes, no scripts)."""

    def __init__(self):
        super().__init__()
        self.inside, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.inside += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self.inside -= 1

    def handle_data(self, data):
        if self.inside:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_the_scheme_in_force_in_italian(client, certified_firm):
    certified_firm()
    response = client.get("/scheme")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = visible_text(html)
    assert "versione 1.0" in text
    # four areas with weights, 28 criteria each with a 0-4 guide and evidence
    for name in ("Capacità manageriale", "Capacità organizzativa", "Formazione e competenze",
                 "Conformità legale"):
        assert name in text
    assert "30%" in text and "25%" in text and "20%" in text
    assert html.count('class="accordion-item criterion"') == 28
    assert html.count("Guida al punteggio") == 28
    assert "Statuto; organigramma" in text  # an evidence line of MAN-01
    # knock-outs, levels as stars, the table of contents with its anchors
    for anchor in ("scale", "areas", "criteria", "knock-outs", "levels", "cycle", "appeals",
                   "complaints", "mark"):
        assert f'id="{anchor}"' in html and f'href="#{anchor}"' in html
    assert "Bollino Blu ★★★" in text and "almeno 85%" in text
    assert "nessun criterio sotto 2" in text
    # the printable stylesheet
    assert 'href="/static/css/print.css" media="print"' in html


def test_the_cycle_numbers_come_from_the_code(client, certified_firm):
    certified_firm()
    text = visible_text(client.get("/scheme").get_data(as_text=True))
    assert f"vale {36} mesi" in text  # the scheme's validity_months
    assert f"a {cycle.SURVEILLANCE_MONTHS[0]} e {cycle.SURVEILLANCE_MONTHS[1]} mesi" in text
    assert f"al massimo {MAX_SUSPENSION_MONTHS} mesi" in text
    assert f"ricorso entro {cycle.APPEAL_DAYS} giorni" in text
    assert f"dopo {cycle.WAIT_AFTER_WITHDRAWAL_MONTHS} mesi" in text


def test_no_internal_codes_on_the_page(client, certified_firm):
    certified_firm()
    text = visible_text(client.get("/scheme").get_data(as_text=True))
    assert not re.search(r"\bL[123]\b", text)
    for code in ("min_overall", "knockout", "ko_min_score", "valid", "suspended", "None",
                 "True", "False"):
        assert not re.search(rf"\b{code}\b", text), code


def test_english(client, certified_firm):
    certified_firm()
    text = visible_text(client.get("/scheme?lang=en").get_data(as_text=True))
    assert "Managerial capacity" in text and "Legal compliance" in text
    assert "Governance, ownership and transparency" in text  # criterion title_en
    assert "Capacità manageriale" not in text
    assert "Governance, assetto proprietario e trasparenza" not in text


def test_an_older_version_stays_public(client, older_and_current):
    current = client.get("/scheme").get_data(as_text=True)
    assert "versione 1.1" in current and "(rivisto)" in current
    older = client.get(f"/scheme/{CODE}/1.0")
    assert older.status_code == 200
    older_text = visible_text(older.get_data(as_text=True))
    assert "non è più quella in vigore" in older_text
    assert "vale 36 mesi" in older_text
    assert "vale 24 mesi" in visible_text(current)
    assert f'href="/scheme/{CODE}/1.1"' in older.get_data(as_text=True)

    data = client.get(f"/api/v1/schemes/{CODE}/1.0").get_json()
    assert data["version"] == "1.0" and data["in_force"] is False
    assert data["cycle"]["validity_months"] == 36
    assert client.get(f"/api/v1/schemes/{CODE}/1.1").get_json()["cycle"][
        "validity_months"] == 24


def test_a_version_nobody_used_and_no_longer_in_force_is_not_public(app, tmp_path, client,
                                                                    older_and_current):
    _newer_version(app, tmp_path, "1.2")
    assert client.get(f"/scheme/{CODE}/1.1").status_code == 404
    assert client.get(f"/api/v1/schemes/{CODE}/1.1").status_code == 404
    assert client.get(f"/scheme/{CODE}/1.2").status_code == 200
    assert client.get(f"/scheme/{CODE}/1.0").status_code == 200


@pytest.mark.parametrize("path", ["/scheme/bollino-blu-cc/9.9", "/scheme/nope/1.0",
                                  "/api/v1/schemes/bollino-blu-cc/9.9"])
def test_unknown_versions_are_404(client, certified_firm, path):
    certified_firm()
    response = client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "not_found"


def test_the_json(client, certified_firm):
    certified_firm()
    response = client.get(f"/api/v1/schemes/{CODE}/1.0")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json()
    assert {"code", "version", "name", "in_force", "areas", "criteria", "knock_out", "levels",
            "cycle", "scale"} <= set(data)
    assert data["in_force"] is True
    assert [a["weight"] for a in data["areas"]] == [25, 25, 20, 30]
    assert len(data["criteria"]) == 28
    first = data["criteria"][0]
    assert [g["score"] for g in first["guide"]] == [0, 1, 2, 3, 4]
    assert first["guide"][0]["text"]["it"] and first["guide"][0]["text"]["en"]
    assert first["evidence"]["it"] and first["knock_out"] is None
    assert {k["criterion"]: k["min_score"] for k in data["knock_out"]} == {
        "LEG-01": 1, "LEG-02": 2, "LEG-03": 2, "LEG-04": 2, "LEG-05": 2, "LEG-06": 1,
        "FOR-03": 2}
    assert [lv["thresholds"]["min_overall_pct"] for lv in data["levels"]] == [60, 72, 85]
    assert data["levels"][1]["label"]["it"] == "Bollino Blu ★★"
    assert data["cycle"] == {
        "validity_months": 36, "surveillance_months": list(cycle.SURVEILLANCE_MONTHS),
        "max_suspension_months": MAX_SUSPENSION_MONTHS,
        "suspensions_leading_to_withdrawal": cycle.SUSPENSIONS_BEFORE_WITHDRAWAL,
        "suspensions_window_months": cycle.SUSPENSIONS_WINDOW_MONTHS,
        "major_nc_close_days": 90, "minor_nc_plan_days": 30,
        "appeal_days": cycle.APPEAL_DAYS,
        "wait_after_refusal_months": cycle.WAIT_AFTER_REFUSAL_MONTHS,
        "wait_after_withdrawal_months": cycle.WAIT_AFTER_WITHDRAWAL_MONTHS}


def test_the_verify_page_links_to_the_certificates_scheme_version(client, older_and_current):
    html = client.get(f"/v/{older_and_current}").get_data(as_text=True)
    assert f'href="/scheme/{CODE}/1.0#levels"' in html  # the version it was granted under
    assert "Che cosa significa Bollino Blu ★★?" in html
    linked = client.get(f"/scheme/{CODE}/1.0")
    assert 'id="levels"' in linked.get_data(as_text=True)


def test_home_and_navigation_link_to_the_scheme(client, certified_firm):
    certified_firm()
    html = client.get("/").get_data(as_text=True)
    assert html.count('href="/scheme"') >= 2  # the navigation bar, the home page, the footer


def test_no_scheme_loaded_yet(client):
    response = client.get("/scheme")
    assert response.status_code == 404
    assert "Nessuno schema" in response.get_data(as_text=True)


def test_documented_in_openapi(client, certified_firm):
    certified_firm()
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/schemes/{code}/{version}" in document["paths"]
    required = document["components"]["schemas"]["Scheme"]["required"]
    assert set(required) <= set(client.get(f"/api/v1/schemes/{CODE}/1.0").get_json())
