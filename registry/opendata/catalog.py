"""The open-data catalogue: the register's datasets, their columns and their DCAT-AP_IT
description as JSON-LD (what dati.gov.it harvests).

DCAT-AP_IT (AgID, profile of DCAT-AP 1.1) asks of a catalogue: title, description,
publisher, modified, homepage; of a dataset: identifier (`<IPA code>:<local id>`), title,
description, theme (EU data-theme vocabulary), publisher, rights holder, contact point,
modified, accrual periodicity (EU frequency vocabulary) and distributions; of a
distribution: format, access URL, licence (a dcatapit:LicenseDocument). Titles and
descriptions are given in Italian and English.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from registry.certificates.status import LISTED, STATUS_LABELS
from registry.certificates.verdict import VERDICT_LABELS, Verdict
from registry.public import exports
from registry.wording import N_

DATASET_ID = "registro-bollino-blu"
THEME = "http://publications.europa.eu/resource/authority/data-theme/ECON"
DAILY = "http://publications.europa.eu/resource/authority/frequency/DAILY"
ITALIAN = "http://publications.europa.eu/resource/authority/language/ITA"
FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
ATTRIBUTION = "http://purl.org/adms/licencetype/Attribution"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatapit": "http://dati.gov.it/onto/dcatapit#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
# Title and description in both languages: the catalogue is one document for every reader.
TITLE = {"it": "Registro Bollino Blu delle imprese di contact center certificate",
         "en": "Bollino Blu register of certified contact-centre firms"}
DESCRIPTION = {
    "it": "Le imprese di contact center in outsourcing iscritte al Registro Bollino Blu, "
          "con il loro certificato corrente: numero, livello, stato, validità ed esito "
          "della verifica alla data di estrazione. Solo dati pubblici.",
    "en": "The outsourced contact-centre firms listed in the Bollino Blu register with "
          "their current certificate: number, level, status, validity and the verification "
          "outcome on the day of extraction. Public data only.",
}
CATALOG_TITLE = {"it": "Dati aperti del Registro Bollino Blu",
                 "en": "Bollino Blu register open data"}
CATALOG_DESCRIPTION = {
    "it": "Il catalogo dei dati aperti pubblicati dal Registro Bollino Blu.",
    "en": "The catalogue of the open data published by the Bollino Blu register.",
}
KEYWORDS = ["contact center", "call center", "certificazione", "outsourcing", "registro"]


@dataclass(frozen=True)
class Distribution:
    """One download of the dataset: where, in which format, whether it follows filters."""

    key: str
    path: str
    media_type: str
    file_type: str  # the EU file-type authority code
    title: dict[str, str]


DISTRIBUTIONS = (
    Distribution("csv", "/register/export.csv", "text/csv", "CSV",
                 {"it": "Registro in CSV (aggiornato a ogni richiesta, accetta i filtri)",
                  "en": "Register as CSV (live, accepts the register's filters)"}),
    Distribution("xlsx", "/register/export.xlsx",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX",
                 {"it": "Registro in XLSX (aggiornato a ogni richiesta, accetta i filtri)",
                  "en": "Register as XLSX (live, accepts the register's filters)"}),
    Distribution("json", "/register/export.json", "application/json", "JSON",
                 {"it": "Registro in JSON (aggiornato a ogni richiesta, accetta i filtri)",
                  "en": "Register as JSON (live, accepts the register's filters)"}),
    Distribution("dump-csv", "/opendata/dump.csv.gz", "application/gzip", "CSV",
                 {"it": "Copia completa notturna in CSV compresso (gzip)",
                  "en": "Full nightly dump as compressed CSV (gzip)"}),
    Distribution("dump-json", "/opendata/dump.json.gz", "application/gzip", "JSON",
                 {"it": "Copia completa notturna in JSON compresso (gzip)",
                  "en": "Full nightly dump as compressed JSON (gzip)"}),
)

# The columns of the exports, in their order: the names are stable (renaming one would break
# the programs that read them); new columns are only ever added at the end.
# A coded column's values: (code, its meaning marked for translation, read with `_()`).
_LEVELS = (("L1", N_("una stella")), ("L2", N_("due stelle")), ("L3", N_("tre stelle")))
_STATUSES = tuple((status, STATUS_LABELS[status]) for status in LISTED)
_VERDICTS = tuple((verdict, VERDICT_LABELS[verdict]) for verdict in (
    Verdict.VALID, Verdict.SUSPENDED, Verdict.WITHDRAWN, Verdict.EXPIRED, Verdict.NOT_YET_VALID))
COLUMNS = (
    ("ragione_sociale", _l("Ragione sociale dell'impresa."), ()),
    ("partita_iva", _l("Partita IVA dell'impresa (11 cifre)."), ()),
    ("comune", _l("Comune della sede legale."), ()),
    ("provincia", _l("Sigla della provincia della sede legale."), ()),
    ("regione", _l("Regione della sede legale."), ()),
    ("numero_certificato", _l("Numero del certificato corrente, nella forma BB-AAAA-NNNNN."),
     ()),
    ("revisione", _l("Revisione del certificato: cresce quando cambiano i dati stampati."), ()),
    ("schema", _l("Codice dello schema di certificazione."), ()),
    ("versione_schema", _l("Versione dello schema con cui l'impresa è stata valutata."), ()),
    ("livello", _l("Livello di certificazione."), _LEVELS),
    ("stato", _l("Stato del certificato."), _STATUSES),
    ("valido_dal", _l("Primo giorno di validità (AAAA-MM-GG)."), ()),
    ("valido_al", _l("Ultimo giorno di validità (AAAA-MM-GG)."), ()),
    ("esito_verifica_oggi", _l("Esito della verifica alla data dell'estrazione."), _VERDICTS),
)
"""Each column: its name, what it means and, for a column of codes, each code's meaning (the
page shows the codes as code, for the programs that read them)."""
JSON_ONLY_COLUMNS = (
    ("licenza", _l("Solo JSON: la licenza dei dati (CC-BY-4.0)."), ()),
    ("dati_al", _l("Solo JSON: data e ora (UTC, ISO 8601) in cui i dati sono stati letti."), ()),
)


def _texts(by_language: dict[str, str]) -> list[dict]:
    return [{"@language": lang, "@value": text} for lang, text in by_language.items()]


def _agent(config: dict) -> dict:
    identifier = (config.get("CONTROLLER_IPA_CODE") or config.get("CONTROLLER_TAX_CODE")
                  or DATASET_ID)
    return {"@type": ["foaf:Agent", "dcatapit:Agent"], "foaf:name": config["CONTROLLER_NAME"],
            "dct:identifier": identifier}


def _licence() -> dict:
    return {"@id": exports.LICENCE_URL,
            "@type": ["dct:LicenseDocument", "dcatapit:LicenseDocument"],
            "dct:type": {"@id": ATTRIBUTION}, "foaf:name": exports.LICENCE_NAME,
            "owl:versionInfo": "4.0"}


def _date(day: dt.date) -> dict:
    return {"@value": day.isoformat(), "@type": "xsd:date"}


def catalog(config: dict, modified: dt.date) -> dict:
    """The DCAT-AP_IT catalogue as a JSON-LD document (`config`: the app's configuration,
    for BASE_URL, the controller and the contact address; `modified`: the data's date)."""
    base = config["BASE_URL"].rstrip("/")
    agent = _agent(config)
    publisher_id = agent["dct:identifier"]
    contact = {"@id": f"{base}/opendata#contatto",
               "@type": ["vcard:Organization", "dcatapit:Organization"],
               "vcard:fn": config["CONTROLLER_NAME"],
               "vcard:hasEmail": {"@id": f"mailto:{config['CONTACT_EMAIL']}"}}
    distributions = [{
        "@id": f"{base}/opendata#distribuzione-{d.key}",
        "@type": ["dcat:Distribution", "dcatapit:Distribution"],
        "dct:title": _texts(d.title),
        "dct:format": {"@id": FILE_TYPES + d.file_type},
        "dcat:mediaType": d.media_type,
        "dcat:accessURL": {"@id": f"{base}/opendata"},
        "dcat:downloadURL": {"@id": base + d.path},
        "dct:license": _licence(),
        "dct:conformsTo": {"@id": f"{base}/opendata#colonne"},
    } for d in DISTRIBUTIONS]
    dataset = {
        "@id": f"{base}/opendata#{DATASET_ID}",
        "@type": ["dcat:Dataset", "dcatapit:Dataset"],
        "dct:identifier": f"{publisher_id}:{DATASET_ID}",
        "dct:title": _texts(TITLE),
        "dct:description": _texts(DESCRIPTION),
        "dct:modified": _date(modified),
        "dct:language": {"@id": ITALIAN},
        "dcat:theme": {"@id": THEME},
        "dct:accrualPeriodicity": {"@id": DAILY},
        "dcat:keyword": KEYWORDS,
        "dcat:landingPage": {"@id": f"{base}/register"},
        "dct:publisher": agent,
        "dct:rightsHolder": agent,
        "dcat:contactPoint": contact,
        "dcat:distribution": distributions,
    }
    return {
        "@context": {**CONTEXT, "owl": "http://www.w3.org/2002/07/owl#"},
        "@id": f"{base}/opendata#catalogo",
        "@type": ["dcat:Catalog", "dcatapit:Catalog"],
        "dct:title": _texts(CATALOG_TITLE),
        "dct:description": _texts(CATALOG_DESCRIPTION),
        "dct:publisher": agent,
        "dct:modified": _date(modified),
        "dct:language": {"@id": ITALIAN},
        "foaf:homepage": {"@id": f"{base}/opendata"},
        "dcat:themeTaxonomy": {"@id": "http://publications.europa.eu/resource/authority/"
                                      "data-theme"},
        "dcat:dataset": [dataset],
    }


def as_script(document: dict) -> str:
    """The document as the text of a <script type="application/ld+json"> block: `<`, `>`
    and `&` escaped, so no value can close the block or open markup."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
