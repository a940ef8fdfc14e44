"""Open data: the register's exports carry their licence and time stamp, /opendata describes
the dataset in DCAT-AP_IT (JSON-LD) and the nightly job writes a full dump people download."""

import csv
import gzip
import io
import json
import re

from openpyxl import load_workbook

from registry.public import exports
from registry.public.exports import PUBLIC_COLUMNS

STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
DCATAPIT = "dcatapit:"


def _jsonld_in_page(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD block in the page"
    return json.loads(found.group(1))


def test_exports_declare_licence_and_time_without_changing_the_csv_columns(client,
                                                                            certified_firm):
    certified_firm("Aperta S.r.l.")
    response = client.get("/register/export.csv")
    assert 'rel="license"' in response.headers["Link"]
    assert exports.LICENCE_URL in response.headers["Link"]
    assert "/opendata#colonne" in response.headers["Link"]
    assert STAMP.fullmatch(response.headers["X-Data-As-Of"])
    reader = csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                            delimiter=";")
    assert reader.fieldnames == PUBLIC_COLUMNS  # the layout consumers rely on

    items = json.loads(client.get("/register/export.json").get_data(as_text=True))
    assert items[0]["ragione_sociale"] == "Aperta S.r.l."
    assert items[0]["licenza"] == "CC-BY-4.0" and STAMP.fullmatch(items[0]["dati_al"])

    workbook = load_workbook(io.BytesIO(client.get("/register/export.xlsx").data))
    assert workbook.sheetnames == ["Registro", "Metadati"]
    assert next(iter(workbook.active.values)) == tuple(PUBLIC_COLUMNS)
    meta = dict(workbook["Metadati"].values)
    assert meta["licenza_url"] == exports.LICENCE_URL and STAMP.fullmatch(meta["dati_al"])


def _types(node) -> list:
    kinds = node["@type"]
    return kinds if isinstance(kinds, list) else [kinds]


def test_catalogue_is_dcat_ap_it_json_ld(app, client):
    page = client.get("/opendata")
    assert page.status_code == 200
    embedded = _jsonld_in_page(page.get_data(as_text=True))
    served = client.get("/opendata/catalog.jsonld")
    assert served.mimetype == "application/ld+json"
    assert served.get_json() == embedded

    catalog = embedded
    assert "dcatapit:Catalog" in _types(catalog)
    assert catalog["@context"]["dcatapit"] == "http://dati.gov.it/onto/dcatapit#"
    for key in ("dct:title", "dct:description", "dct:publisher", "dct:modified",
                "foaf:homepage", "dcat:dataset"):
        assert key in catalog, key
    [dataset] = catalog["dcat:dataset"]
    assert "dcatapit:Dataset" in _types(dataset)
    assert dataset["dct:identifier"].endswith(":registro-bollino-blu")
    assert {t["@language"] for t in dataset["dct:title"]} == {"it", "en"}
    assert {t["@language"] for t in dataset["dct:description"]} == {"it", "en"}
    assert dataset["dcat:theme"]["@id"].endswith("/data-theme/ECON")
    assert dataset["dct:accrualPeriodicity"]["@id"].endswith("/frequency/DAILY")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", dataset["dct:modified"]["@value"])
    for role in ("dct:publisher", "dct:rightsHolder"):
        agent = dataset[role]
        assert "dcatapit:Agent" in _types(agent)
        assert agent["foaf:name"] == app.config["CONTROLLER_NAME"] and agent["dct:identifier"]
    contact = dataset["dcat:contactPoint"]
    assert contact["vcard:hasEmail"]["@id"] == "mailto:" + app.config["CONTACT_EMAIL"]
    downloads = {d["dcat:downloadURL"]["@id"] for d in dataset["dcat:distribution"]}
    base = app.config["BASE_URL"]
    assert {base + "/register/export.csv", base + "/register/export.xlsx",
            base + "/register/export.json", base + "/opendata/dump.csv.gz"} <= downloads
    for distribution in dataset["dcat:distribution"]:
        assert "dcatapit:Distribution" in _types(distribution)
        assert distribution["dcat:accessURL"]["@id"]
        assert distribution["dct:format"]["@id"].startswith(
            "http://publications.europa.eu/resource/authority/file-type/")
        licence = distribution["dct:license"]
        assert licence["@id"] == "https://creativecommons.org/licenses/by/4.0/"
        assert "dcatapit:LicenseDocument" in _types(licence)


def test_the_controller_identifier_comes_from_config(app, client):
    app.config["CONTROLLER_IPA_CODE"] = "bbreg"
    dataset = client.get("/opendata/catalog.jsonld").get_json()["dcat:dataset"][0]
    assert dataset["dct:identifier"] == "bbreg:registro-bollino-blu"
    assert dataset["dct:publisher"]["dct:identifier"] == "bbreg"


def test_page_documents_every_column_and_links_from_footer_and_register(client):
    html = client.get("/opendata").get_data(as_text=True)
    assert 'id="colonne"' in html
    for column in [*PUBLIC_COLUMNS, "licenza", "dati_al"]:
        assert f"<code>{column}</code>" in html
    assert "creativecommons.org/licenses/by/4.0" in html
    assert 'href="/opendata"' in client.get("/").get_data(as_text=True)
    register = client.get("/register?region=Lazio&page=1&kind=x").get_data(as_text=True)
    assert 'href="/opendata"' in register
    assert "/register/export.csv?region=Lazio" in register
    english = client.get("/opendata", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_a_value_cannot_close_the_json_ld_block(app, client):
    app.config["CONTROLLER_NAME"] = "</script><script>alert(1)</script>"
    html = client.get("/opendata").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert _jsonld_in_page(html)["dct:publisher"]["foaf:name"] == app.config["CONTROLLER_NAME"]


def test_missing_dump_is_a_404_page_not_an_error(client):
    for path in ("/opendata/dump.csv.gz", "/opendata/dump.json.gz", "/opendata/dump.xml.gz"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Copia completa non disponibile" in response.get_data(as_text=True)
    assert "non è ancora disponibile" in client.get("/opendata").get_data(as_text=True)


def test_the_nightly_job_writes_the_dump_and_it_downloads(app, client, certified_firm):
    certified_firm("Prima S.r.l.")
    certified_firm("=Seconda S.r.l.")
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "opendata_rows: 2" in result.output

    response = client.get("/opendata/dump.csv.gz")
    assert response.status_code == 200
    assert STAMP.fullmatch(response.headers["X-Data-As-Of"])
    assert 'rel="license"' in response.headers["Link"]
    text = gzip.decompress(response.data).decode("utf-8").lstrip("\ufeff")
    table = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert sorted(r["ragione_sociale"] for r in table) == ["'=Seconda S.r.l.", "Prima S.r.l."]

    items = json.loads(gzip.decompress(client.get("/opendata/dump.json.gz").data))
    assert sorted(i["ragione_sociale"] for i in items) == ["=Seconda S.r.l.", "Prima S.r.l."]
    assert all(i["licenza"] == "CC-BY-4.0" for i in items)
    assert items[0]["dati_al"] == response.headers["X-Data-As-Of"]

    page = client.get("/opendata").get_data(as_text=True)
    assert "/opendata/dump.csv.gz" in page and "2 righe" in page


def test_a_dry_run_writes_no_dump(app, client, certified_firm):
    certified_firm("Prova S.r.l.")
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert client.get("/opendata/dump.csv.gz").status_code == 404
