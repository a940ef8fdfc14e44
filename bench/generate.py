"""Fill a fresh registry database with N firms and about 1.5·N certificates, fast.

The schema comes from the real migrations (`flask_migrate.upgrade()`); the scheme version,
the QR signing key and two users go through the app's own services; everything else is
inserted with SQLAlchemy Core `insert()` executemany, in batches of 5,000 rows with one
transaction per batch (never ORM objects one by one).

Per firm: one current certificate (valid 70 %, expired 12 %, suspended/withdrawn/renounced
6 % each); a quarter of the firms also hold an older, expired certificate from the previous
three-year cycle, and another quarter had their current certificate reissued (revision 1
superseded, revision 2 current). Every certificate has its application, its decision, its
status history and a real Ed25519 token signed with the registry's active key, so the verify
page's token check does the real work.

Stand-alone use: `python -m bench.generate --url sqlite:////tmp/x.sqlite3 --firms 10000
--keys /tmp/keys` (the keys folder must be the server's REGISTRY_KEYS_FOLDER).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select, text
from stdnum import luhn
from stdnum.it import codicefiscale

# The app's own rule for validity dates, so generated certificates match issued ones.
from registry.certificates.cycle import add_months

BATCH = 5_000
SEED = 20261122
# The register search benchmarked everywhere: two common words of firm names.
SEARCH_QUERY = "servizi qualità"
ROME = ZoneInfo("Europe/Rome")

# --- word lists --------------------------------------------------------------------------

# (word, weight): "Servizi" is by far the commonest word in Italian company names.
SECTORS = [("Servizi", 14), ("Teleservizi", 8), ("Contact", 8), ("Assistenza Clienti", 6),
           ("Call Center", 6), ("Telemarketing", 4), ("Customer Care", 4), ("Voce", 3),
           ("Linea Diretta", 3), ("Chiamate", 2), ("Relazioni Clienti", 3),
           ("Comunicazione", 4), ("Ascolto", 2), ("Dialogo", 2), ("Sportello", 2),
           ("Teleassistenza", 3), ("Multicanale", 2), ("Outsourcing", 3), ("Connessioni", 2),
           ("Risposta Pronta", 1), ("Informazioni", 2), ("Prenotazioni", 2),
           ("Recupero Crediti", 3), ("Back Office", 3)]
QUALITIES = [("Qualità", 16), ("Eccellenza", 8), ("Affidabilità", 6), ("Cortesia", 5),
             ("Fedeltà", 4), ("Velocità", 4), ("Professionalità", 6), ("Solidarietà", 4),
             ("Serenità", 3), ("Comunità", 4), ("Innovazione", 6), ("Fiducia", 6),
             ("Efficienza", 5), ("Sicurezza", 4), ("Continuità", 3), ("Prossimità", 3),
             ("Responsabilità", 3), ("Trasparenza", 4), ("Cordialità", 2), ("Puntualità", 2)]
PLACES = ["Italia", "Adriatica", "Tirrenica", "Nord", "Sud", "Centro Italia", "Lombarda",
          "Toscana", "Emiliana", "Veneta", "Sicula", "Sarda", "Pugliese", "Campana", "Ligure",
          "Piemontese", "Romana", "Partenopea", "Alpina", "Mediterranea", "Appenninica",
          "Padana", "Etrusca", "Salentina", "Ionica", "Friulana", "Marchigiana", "Umbra",
          "Calabrese", "Lucana", "Abruzzese", "Molisana", "Valdostana", "Trentina", "Felsinea",
          "Meridionale", "Insubrica", "Garganica", "Cilentana", "Brianzola"]
ADJECTIVES = ["Italiana", "Nazionale", "Europea", "Generale", "Integrata", "Moderna", "Nuova",
              "Globale", "Unita", "Riunita", "Meridionale", "Settentrionale"]
SURNAMES = ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
            "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa",
            "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro",
            "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone", "Longo",
            "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis",
            "D'Angelo", "Marchetti", "Parisi", "Villa", "Conte", "Ferraro", "Ferri", "Fabbri",
            "Bianco", "Marini", "Grasso", "Valentini", "Messina", "Sala", "De Angelis", "Gatti",
            "Pellegrini", "Palumbo", "Sanna", "Farina", "Rizzi", "Monti", "Cattaneo", "Morelli",
            "Amato", "Silvestri", "Mazza", "Testa", "Grassi", "Pellegrino", "Carbone",
            "Giuliani", "Benedetti", "Barone", "Rossetti", "Caputo", "Montanari", "Guerra",
            "Palmieri", "Bernardi", "Martino", "Fiore", "De Rosa", "Ferretti", "Bellini",
            "Basile", "Riva", "Donati", "Piras", "Vitali", "Battaglia", "Sartori", "Neri",
            "Costantini", "Milani", "Pagano", "Ruggiero", "Sorrentino", "D'Amico", "Orlando",
            "Negri", "Forte", "Mele", "Cirillo", "Pace", "Santini", "Bellucci", "Cocco",
            "Zanetti", "Parodi", "Marchi", "Nicolò", "Solinas", "Schettino", "Pirrone"]
FIRST_NAMES = [("Marco", "M"), ("Giulia", "F"), ("Francesca", "F"), ("Luca", "M"),
               ("Alessandro", "M"), ("Sara", "F"), ("Andrea", "M"), ("Chiara", "F"),
               ("Matteo", "M"), ("Elena", "F"), ("Lorenzo", "M"), ("Martina", "F"),
               ("Davide", "M"), ("Federica", "F"), ("Simone", "M"), ("Valentina", "F"),
               ("Niccolò", "M"), ("Ilaria", "F"), ("Giuseppe", "M"), ("Anna", "F"),
               ("Paolo", "M"), ("Laura", "F"), ("Stefano", "M"), ("Silvia", "F"),
               ("Roberto", "M"), ("Paola", "F"), ("Antonio", "M"), ("Maria", "F"),
               ("Giovanni", "M"), ("Rosa", "F"), ("Fabrizio", "M"), ("Lucia", "F"),
               ("Carlo", "M"), ("Teresa", "F"), ("Nicola", "M"), ("Beatrice", "F"),
               ("Pietro", "M"), ("Noemi", "F"), ("Michele", "M"), ("Gabriella", "F"),
               ("Raffaele", "M"), ("Carmela", "F"), ("Salvatore", "M"), ("Concetta", "F")]
# (legal form, how the name ends or starts, weight)
LEGAL_FORMS = [("SRL", "S.r.l.", 48), ("SPA", "S.p.A.", 12), ("SRLS", "S.r.l.s.", 8),
               ("COOP", "Società Cooperativa", 10), ("SNC", "S.n.c.", 5),
               ("SAS", "S.a.s.", 5), ("CONSORZIO", "Consorzio", 3), ("SAPA", "S.a.p.a.", 1),
               ("DITTA_INDIVIDUALE", "", 4), ("ALTRO", "Società Consortile a r.l.", 2)]
STREETS = ["Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele II", "Via Mazzini",
           "Via Cavour", "Piazza della Libertà", "Viale Europa", "Via Dante Alighieri",
           "Via Giuseppe Verdi", "Via dell'Industria", "Via dei Mille", "Corso Italia",
           "Via XX Settembre", "Via Nazionale", "Viale della Repubblica", "Via San Francesco",
           "Via Marconi", "Via Matteotti", "Via Gramsci", "Piazza Duomo", "Via Trieste",
           "Via Napoli", "Via Milano", "Via delle Città", "Largo Fiume", "Via Nizza",
           "Via Cristoforo Colombo", "Via Aurelia", "Via Emilia", "Via dell'Università"]
ROLES = ["Amministratore unico", "Presidente del CdA", "Amministratore delegato",
         "Legale rappresentante", "Socio amministratore", "Titolare"]
CCNLS = [("K511", "CCNL Telecomunicazioni"),
         ("H011", "CCNL Terziario, Distribuzione e Servizi"),
         ("H05Y", "CCNL Cooperative sociali"),
         ("K411", "CCNL Telecomunicazioni (call center in outsourcing)")]
ATECO = ["82.20.00", "82.20.00", "82.20.00", "82.99.99", "82.91.10", "63.99.00"]
SERVICES = ["inbound", "inbound, outbound", "back office, inbound", "back office, inbound, "
            "outbound", "outbound", "contact center"]
EXTRA_EU = ["AL", "TN", "MA", "RS", "MK", "MD", "EG", "TR", "UA", "BA"]
FOREIGN_SITES = [("Tirana", "AL"), ("Durazzo", "AL"), ("Tunisi", "TN"), ("Casablanca", "MA"),
                 ("Belgrado", "RS"), ("Chișinău", "MD")]
# Capital towns whose name differs from their province's, and Belfiore codes of a few.
TOWNS = {"MB": "Monza", "PU": "Pesaro", "BT": "Barletta", "VB": "Verbania", "MS": "Massa",
         "FC": "Forlì", "SU": "Carbonia", "CA": "Cagliari"}
BELFIORE = ["H501", "F205", "F839", "L219", "G273", "D969", "A944", "D612", "A662", "C351",
            "L736", "L781", "G224", "B157", "E506", "L424", "A271", "F158", "H224", "B963"]
MONTH_LETTERS = "ABCDEHLMPRST"

PUBLIC_REASONS = {
    "valid": "Certificato rilasciato",
    "suspended": ["DURC non regolare: verifica in corso",
                  "Sorveglianza non svolta nei termini",
                  "Segnalazione di violazioni contrattuali in verifica"],
    "withdrawn": ["Dichiarazioni non veritiere", "Sospensione non risolta entro 6 mesi",
                  "Gravi non conformità accertate in sorveglianza"],
    "renounced": ["Rinuncia dell'azienda", "Cessazione dell'attività di contact center"],
    "expired": "Scadenza naturale",
}


def _weighted(pairs):
    """(words, cumulative weights) for random.choices(cum_weights=…), the fast form."""
    words, weights = zip(*pairs, strict=True)
    return list(words), list(itertools.accumulate(weights))


SECTOR_WORDS, SECTOR_WEIGHTS = _weighted(SECTORS)
QUALITY_WORDS, QUALITY_WEIGHTS = _weighted(QUALITIES)
FORM_ROWS, FORM_WEIGHTS = _weighted([((f, s), w) for f, s, w in LEGAL_FORMS])


# --- pure helpers ------------------------------------------------------------------------

def ascii_letters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isalpha() and ch.isascii()).upper()


def vat_number(serial: int, office: int) -> str:
    """A valid partita IVA: 7-digit serial, office code 001-100, Luhn check digit."""
    first_ten = f"{serial:07d}{office:03d}"
    return first_ten + luhn.calc_check_digit(first_ten)


def _cf_part(letters: str, is_name: bool) -> str:
    consonants = [c for c in letters if c not in "AEIOU"]
    vowels = [c for c in letters if c in "AEIOU"]
    if is_name and len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    return "".join(consonants + vowels + ["X", "X", "X"])[:3]


def personal_tax_code(surname: str, name: str, sex: str, born: dt.date, town: str) -> str:
    """A codice fiscale with a correct check character (python-stdnum computes it)."""
    day = born.day + (40 if sex == "F" else 0)
    first15 = (_cf_part(ascii_letters(surname), False) + _cf_part(ascii_letters(name), True)
               + f"{born.year % 100:02d}{MONTH_LETTERS[born.month - 1]}{day:02d}{town}")
    return first15 + codicefiscale.calc_check_digit(first15)


def slug(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.lower())
                   if ch.isascii() and ch.isalnum())[:24] or "azienda"


def firm_name(rng: random.Random) -> tuple[str, str]:
    """(ragione sociale, legal form) from the word lists, e.g. "Qualità Servizi S.r.l."."""
    form, suffix = rng.choices(FORM_ROWS, cum_weights=FORM_WEIGHTS)[0]
    sector = rng.choices(SECTOR_WORDS, cum_weights=SECTOR_WEIGHTS)[0]
    quality = rng.choices(QUALITY_WORDS, cum_weights=QUALITY_WEIGHTS)[0]
    surname = rng.choice(SURNAMES)
    if form == "DITTA_INDIVIDUALE":
        first, _sex = rng.choice(FIRST_NAMES)
        return f"{sector} di {first} {surname}", form
    pattern = rng.randrange(100)
    if pattern < 18:
        core = f"{sector} {rng.choice(PLACES)}"
    elif pattern < 34:
        core = f"{quality} {sector}"
    elif pattern < 44:
        core = f"{sector} {'ed' if quality[0] in 'AEIOU' else 'e'} {quality}"
    elif pattern < 58:
        core = f"{surname} {sector}"
    elif pattern < 66:
        core = f"{surname} & {rng.choice(SURNAMES)} {sector}"
    elif pattern < 76:
        core = f"Società {rng.choice(ADJECTIVES)} {sector}"
    elif pattern < 86:
        core = f"{sector} {surname}"
    elif pattern < 93:
        core = f"{quality} {rng.choice(PLACES)}"
    else:
        core = f"{sector} {quality} {rng.choice(PLACES)}"
    if form == "CONSORZIO":
        return f"Consorzio {core}", form
    return f"{core} {suffix}", form


def _utc(day: dt.date, hour: int = 9) -> dt.datetime:
    """`hour` o'clock in Rome as UTC (winter time: one hour less; close enough here)."""
    return dt.datetime(day.year, day.month, day.day, hour - 1, tzinfo=dt.UTC)


# --- the generator -----------------------------------------------------------------------

@dataclass
class Result:
    """What the generator did: row counts, timings, and the samples the load test uses."""

    url: str
    firms: int
    rows: dict[str, int] = field(default_factory=dict)
    setup_s: float = 0.0
    load_s: float = 0.0
    analyse_s: float = 0.0
    verify_number: str = ""
    verify_token: str = ""
    search_query: str = SEARCH_QUERY
    search_matches: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_s(self) -> float:
        return self.total_rows / self.load_s if self.load_s else 0.0

    def as_dict(self) -> dict:
        return {"firms": self.firms, "rows": self.rows, "total_rows": self.total_rows,
                "setup_s": round(self.setup_s, 2), "load_s": round(self.load_s, 2),
                "analyse_s": round(self.analyse_s, 2), "rows_per_s": round(self.rows_per_s),
                "verify_number": self.verify_number, "search_query": self.search_query,
                "search_matches": self.search_matches}


class _Builder:
    """Builds the rows of one chunk of firms; keeps ids and yearly counters across chunks."""

    def __init__(self, rng, today, scheme, scheme_version, kid, private_key, users, ids):
        from audits.scoring import band

        self.rng, self.today, self.kid, self.private_key = rng, today, kid, private_key
        self.scheme, self.scheme_version = scheme, scheme_version
        self.applicant_id, self.officer_id = users
        self.next_app, self.next_decision, self.next_cert = ids
        self.counters: dict[int, int] = {}
        self.area_pool: dict[str, list] = {}
        self.areas = [(a.code, a.name_it, a.name_en) for a in scheme.areas]
        self.band = lambda pct: band(pct, scheme)
        self.provinces = sorted(_provinces().items())

    # firms ---------------------------------------------------------------------------
    def firm(self, firm_id: int, serial: int) -> dict:
        rng = self.rng
        name, form = firm_name(rng)
        sigla, (province_name, region) = rng.choice(self.provinces)
        town = TOWNS.get(sigla, province_name)
        vat = vat_number(serial, rng.randint(1, 100))
        first, sex = rng.choice(FIRST_NAMES)
        surname = rng.choice(SURNAMES)
        born = dt.date(rng.randint(1950, 1990), rng.randint(1, 12), rng.randint(1, 28))
        headcount = int(min(4000, 10 + rng.lognormvariate(4.3, 1.0)))
        italy = rng.choice([100, 100, 100, 95, 90, 85, 80, 70])
        extra = 0 if italy == 100 else rng.choice([0, 5, 10, 15, 20, 30])
        extra = min(extra, 100 - italy)
        created = _utc(self.today - dt.timedelta(days=rng.randint(1400, 2600)), 10)
        return {
            "id": firm_id, "name": name, "name_search": _normalise(name), "legal_form": form,
            "vat_number": vat, "tax_code": vat, "rea_province": sigla,
            "rea_number": str(rng.randint(10_000, 2_999_999)),
            "pec": f"amministrazione@pec.{slug(name)}.it", "ateco_code": rng.choice(ATECO),
            "incorporated_on": dt.date(rng.randint(1975, 2020), rng.randint(1, 12),
                                       rng.randint(1, 28)),
            "office_street": f"{rng.choice(STREETS)} {rng.randint(1, 220)}",
            "office_postcode": f"{rng.randint(10, 98168):05d}", "office_comune": town,
            "office_province": sigla, "office_region": region,
            "legal_rep_name": f"{first} {surname}",
            "legal_rep_tax_code": personal_tax_code(surname, first, sex, born,
                                                    rng.choice(BELFIORE)),
            "legal_rep_role": rng.choice(ROLES), "headcount": headcount,
            "fte": Decimal(round(headcount * rng.uniform(0.6, 0.95), 1)).quantize(Decimal("0.1")),
            "ccnl_code": (ccnl := rng.choice(CCNLS))[0], "ccnl_name": ccnl[1],
            "roc_number": str(rng.randint(10_000, 39_999)),
            "traffic_italy_pct": italy, "traffic_eu_pct": 100 - italy - extra,
            "traffic_extra_eu_pct": extra,
            "extra_eu_countries": rng.sample(EXTRA_EU, rng.randint(1, 2)) if extra else [],
            "owner_id": None, "created_at": created, "updated_at": created,
        }

    # certificates --------------------------------------------------------------------
    def number(self, year: int) -> str:
        from registry.certificates.numbering import format_number

        self.counters[year] = self.counters.get(year, 0) + 1
        return format_number(year, self.counters[year])

    def _level_areas(self, level: str) -> tuple[str, list[dict], list[dict]]:
        """Overall %, the snapshot's areas and the printed areas of a result at `level`
        (drawn from 256 precomputed results per level: Decimal and band() are slow)."""
        pool = self.area_pool.get(level)
        if pool is None:
            pool = self.area_pool[level] = [self._new_level_areas(level) for _ in range(256)]
        return self.rng.choice(pool)

    def _new_level_areas(self, level: str) -> tuple[str, list[dict], list[dict]]:
        low, high = {"L1": (60, 72), "L2": (72, 85), "L3": (85, 98)}[level]
        overall = self.rng.uniform(low, high - 0.01)
        snap, printed = [], []
        for code, name_it, name_en in self.areas:
            pct = Decimal(f"{min(100.0, max(low - 8, overall + self.rng.uniform(-6, 6))):.2f}")
            snap.append({"code": code, "pct": str(pct), "passed": True})
            printed.append({"code": code, "band": self.band(pct), "name_it": name_it,
                            "name_en": name_en})
        return f"{overall:.2f}", snap, printed

    def _token(self, number, vat, valid_from, valid_until, level) -> str:
        from registry.certificates import token as tokens

        claims = tokens.TokenClaims(number=number, vat_number=vat, valid_from=valid_from,
                                    valid_until=valid_until,
                                    scheme_version=self.scheme.version, level=level,
                                    kid=self.kid)
        return tokens.sign_token(claims, self.private_key)

    def certificate(self, out, firm, *, number, revision, valid_from, valid_until, issued_on,
                    level, status, kind, sites, services, history) -> None:
        """Append one certificate with its application, decision and history to `out`."""
        app_id, decision_id, cert_id = self.next_app, self.next_decision, self.next_cert
        self.next_app += 1
        self.next_decision += 1
        self.next_cert += 1
        overall, snap_areas, printed = self._level_areas(level)
        decided = _utc(issued_on, 11)
        started = issued_on - dt.timedelta(days=self.rng.randint(20, 60))
        out["application"].append({
            "id": app_id, "firm_id": firm["id"], "scheme_version_id": self.scheme_version.id,
            "kind": kind, "certificate_number": number if kind == "surveillance" else None,
            "state": "certified", "version_id": 1, "created_by_id": self.applicant_id,
            "created_at": _utc(started - dt.timedelta(days=30)),
            "submitted_at": _utc(started - dt.timedelta(days=20)),
            "declaration_by_id": self.applicant_id,
            "declaration_at": _utc(started - dt.timedelta(days=20))})
        out["decision"].append({
            "id": decision_id, "application_id": app_id, "officer_id": self.officer_id,
            "outcome": "certify", "level": level, "computed_level": level, "reason": None,
            "snapshot": {
                "scheme": {"code": self.scheme_version.code,
                           "version": self.scheme_version.version,
                           "content_hash": self.scheme_version.content_hash},
                "scores": [], "findings": [], "evidence": [],
                "result": {"overall_pct": overall, "level": level, "certifiable": True,
                           "areas": snap_areas, "knockouts_failed": []},
                "assessment": {"audit_type": kind, "started_on": started.isoformat(),
                               "ended_on": (started + dt.timedelta(days=2)).isoformat(),
                               "sites_visited": []}},
            "decided_at": decided})
        out["certificate"].append({
            "id": cert_id, "number": number, "revision": revision, "firm_id": firm["id"],
            "application_id": app_id, "decision_id": decision_id,
            "scheme_code": self.scheme.code, "scheme_version": self.scheme.version,
            "scheme_name": self.scheme.name_it, "level": level, "areas": printed,
            "sites": sites, "services": services, "firm_name": firm["name"],
            "vat_number": firm["vat_number"],
            "registered_office": (f"{firm['office_street']}, {firm['office_postcode']} "
                                  f"{firm['office_comune']} ({firm['office_province']})"),
            "valid_from": valid_from, "valid_until": valid_until, "issued_on": issued_on,
            "status": status, "kid": self.kid,
            "token": self._token(number, firm["vat_number"], valid_from, valid_until, level),
            "created_at": decided})
        for change_status, day in history:
            reason = PUBLIC_REASONS.get(change_status, "")
            if isinstance(reason, list):
                reason = self.rng.choice(reason)
            if change_status == "superseded" or (change_status == "valid" and revision > 1
                                                 and day != valid_from):
                reason = f"Revisione {revision + (change_status == 'superseded')}: " \
                         f"dati dell'azienda aggiornati"
            out["certificate_status_change"].append({
                "certificate_id": cert_id, "status": change_status, "effective_on": day,
                "at": _utc(day, 8),
                "actor_id": None if change_status == "expired" else self.officer_id,
                "public_reason": reason,
                "internal_reason": "Pratica verificata dall'ufficio" if change_status in (
                    "suspended", "withdrawn") else None})

    def firm_certificates(self, out, firm) -> None:
        """The firm's certificates: current one, maybe an older cycle, maybe a revision."""
        rng, today = self.rng, self.today
        roll = rng.random()
        status = ("valid" if roll < 0.70 else "expired" if roll < 0.82 else "suspended"
                  if roll < 0.88 else "withdrawn" if roll < 0.94 else "renounced")
        if status == "expired":
            valid_from = today - dt.timedelta(days=rng.randint(1100, 1800))
        else:
            valid_from = today - dt.timedelta(days=rng.randint(30, 1080))
        valid_until = add_months(valid_from, self.scheme.validity_months) - dt.timedelta(days=1)
        level = rng.choices(["L1", "L2", "L3"], [50, 35, 15])[0]
        sites = [f"{firm['office_comune']} ({firm['office_province']})"]
        if rng.random() < 0.35:
            sigla, (pname, _region) = rng.choice(self.provinces)
            sites.append(f"{TOWNS.get(sigla, pname)} ({sigla})")
        if firm["traffic_extra_eu_pct"] and rng.random() < 0.5:
            town, country = rng.choice(FOREIGN_SITES)
            sites.append(f"{town}, {country}")
        services = rng.choice(SERVICES)
        shape = rng.random()  # < 0.25: older cycle first; 0.25-0.5: current was reissued

        if shape < 0.25:  # the previous three-year cycle, expired when this one began
            old_from = add_months(valid_from, -self.scheme.validity_months)
            old_until = valid_from - dt.timedelta(days=1)
            self.certificate(out, firm, number=self.number(old_from.year), revision=1,
                             valid_from=old_from, valid_until=old_until, issued_on=old_from,
                             level=rng.choices(["L1", "L2", "L3"], [60, 30, 10])[0],
                             status="expired", kind="initial", sites=sites[:1],
                             services=services,
                             history=[("valid", old_from), ("expired", valid_from)])
        # the current certificate's own events after its start
        end = min(today, valid_until)
        events = []
        if status == "expired":
            events = [("expired", valid_until + dt.timedelta(days=1))]
        elif status != "valid":
            events = [(status, valid_from + dt.timedelta(
                days=rng.randint(1, max(1, (end - valid_from).days))))]
        number = self.number(valid_from.year)
        kind = "renewal" if shape < 0.25 else "initial"
        if 0.25 <= shape < 0.5:  # reissued once: revision 1 superseded, revision 2 current
            last_day = events[0][1] - dt.timedelta(days=1) if events else end
            reissued = valid_from + dt.timedelta(
                days=rng.randint(1, max(1, (last_day - valid_from).days)))
            self.certificate(out, firm, number=number, revision=1, valid_from=valid_from,
                             valid_until=valid_until, issued_on=valid_from, level=level,
                             status="superseded", kind=kind, sites=sites[:1],
                             services=services,
                             history=[("valid", valid_from), ("superseded", reissued)])
            new_level = level if rng.random() < 0.6 else rng.choice(["L1", "L2", "L3"])
            self.certificate(out, firm, number=number, revision=2, valid_from=valid_from,
                             valid_until=valid_until, issued_on=reissued, level=new_level,
                             status=status, kind="surveillance", sites=sites,
                             services=services, history=[("valid", reissued), *events])
        else:
            self.certificate(out, firm, number=number, revision=1, valid_from=valid_from,
                             valid_until=valid_until, issued_on=valid_from, level=level,
                             status=status, kind=kind, sites=sites, services=services,
                             history=[("valid", valid_from), *events])


def _provinces():
    from registry.firms.geography import PROVINCES

    return PROVINCES


def _normalise(name: str) -> str:
    from registry.firms.identifiers import normalise_name

    return normalise_name(name)


def _point_to_current(engine, first_firm: int, last_firm: int) -> None:
    """What issuance keeps up to date: each firm's current certificate (its newest that is
    not superseded), set once the batch's certificates exist (the foreign key needs them)."""
    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE firm SET current_certificate_id = (SELECT max(certificate.id) FROM "
            "certificate WHERE certificate.firm_id = firm.id AND certificate.status != "
            "'superseded') WHERE firm.id BETWEEN :first AND :last"),
            {"first": first_firm, "last": last_firm})


def _app(url: str, keys_folder: Path):
    from registry import create_app

    folder = keys_folder.parent
    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "KEYS_FOLDER": str(keys_folder),
        "UPLOAD_FOLDER": str(folder / "uploads"), "OUTBOX_FOLDER": str(folder / "outbox"),
        "SECRET_KEY": "bench-generator", "RATELIMIT_ENABLED": False,
    })


def _insert(engine, table: Table, rows: list[dict]) -> None:
    """Core executemany, BATCH rows per transaction (psycopg 3 pipelines the rows)."""
    for start in range(0, len(rows), BATCH):
        with engine.begin() as conn:
            conn.execute(insert(table), rows[start:start + BATCH])


def generate(url: str, firms: int, keys_folder: str | Path, *, seed: int = SEED,
             log: Callable[[str], None] = print) -> Result:
    """Migrate an empty database at `url` and fill it; the QR key goes into `keys_folder`."""
    import logging

    import flask_migrate

    from audits.schemes_store import ensure_default_scheme, scheme_of
    from registry.accounts.models import User, UserRole
    from registry.applications.models import Application
    from registry.certificates import keys
    from registry.certificates.models import (
        Certificate,
        CertificateCounter,
        StatusChange,
    )
    from registry.decisions.models import Decision
    from registry.extensions import db
    from registry.firms.models import CallingNumber, Firm
    from registry.security import Role

    keys_folder = Path(keys_folder)
    result = Result(url=url, firms=firms)
    rng = random.Random(seed)
    app = _app(url, keys_folder)
    started = time.perf_counter()
    with app.app_context():
        flask_migrate.upgrade()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        scheme_version = ensure_default_scheme()
        keys.ensure_key()
        users = []
        for email, name, role in (("richiedente@bench.invalid", "Ufficio Pratiche", Role.APPLICANT),
                                  ("responsabile@bench.invalid", "Responsabile Certificazioni",
                                   Role.OFFICER)):
            user = User(email=email, name=name, password_hash="!", active=True)  # noqa: S106 - no login
            user.role_rows.append(UserRole(role=str(role)))
            db.session.add(user)
            db.session.flush()
            users.append(user.id)
        db.session.commit()
        kid, private_key = keys.active_private_key()
        scheme = scheme_of(scheme_version)
        engine = db.engine
        with engine.connect() as conn:
            if conn.scalar(select(func.count()).select_from(Firm.__table__)):
                raise RuntimeError(f"{url} already holds firms: the generator needs a fresh one")
            starts = [1 + (conn.scalar(select(func.max(t.c.id))) or 0)
                      for t in (Application.__table__, Decision.__table__,
                                Certificate.__table__)]
        result.setup_s = time.perf_counter() - started
        today = dt.datetime.now(ROME).date()
        builder = _Builder(rng, today, scheme, scheme_version, kid, private_key, users, starts)
        serials = rng.sample(range(1_000_000, 9_999_999), firms)
        tables = {"firm": Firm.__table__, "application": Application.__table__,
                  "decision": Decision.__table__, "certificate": Certificate.__table__,
                  "certificate_status_change": StatusChange.__table__,
                  "calling_number": CallingNumber.__table__}
        result.rows = dict.fromkeys(tables, 0)
        load_started = time.perf_counter()
        last_report = load_started
        for chunk in range(0, firms, BATCH):
            out: dict[str, list[dict]] = {name: [] for name in tables}
            for index in range(chunk, min(firms, chunk + BATCH)):
                firm = builder.firm(index + 1, serials[index])
                out["firm"].append(firm)
                # Calling numbers: unique per firm (a number is one firm's at a time).
                out["calling_number"].extend(
                    {"firm_id": firm["id"], "number": f"+39{prefix}{serials[index]}",
                     "valid_from": firm["created_at"].date(), "created_at": firm["created_at"]}
                    for prefix in ("02", "06", "081")[:1 + index % 3])
                builder.firm_certificates(out, firm)
            for name, table in tables.items():  # parents first: PostgreSQL checks the FKs
                _insert(engine, table, out[name])
                result.rows[name] += len(out[name])
            _point_to_current(engine, out["firm"][0]["id"], out["firm"][-1]["id"])
            now = time.perf_counter()
            if now - last_report > 10 or chunk + BATCH >= firms:
                last_report = now
                done = min(firms, chunk + BATCH)
                log(f"    {done:>9,} firms, {result.total_rows:>10,} rows, "
                    f"{result.total_rows / (now - load_started):>9,.0f} rows/s")
        with engine.begin() as conn:
            conn.execute(insert(CertificateCounter.__table__),
                         [{"year": y, "last": n} for y, n in sorted(builder.counters.items())])
        result.rows["certificate_counter"] = len(builder.counters)
        result.load_s = time.perf_counter() - load_started

        analysed = time.perf_counter()
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                for name in ("firm", "application", "decision", "certificate"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                      f"(SELECT max(id) FROM {name}))"))
            # What autovacuum does after a bulk load: statistics and the visibility map.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        # SQLite: left as the app leaves it (the app never runs ANALYZE on its database).
        result.analyse_s = time.perf_counter() - analysed

        with engine.connect() as conn:
            middle = conn.execute(
                select(Certificate.number, Certificate.token)
                .where(Certificate.status == "valid", Certificate.revision == 1)
                .order_by(Certificate.id).offset(result.rows["certificate"] // 3).limit(1)
            ).first()
            if middle is None:
                raise RuntimeError("no valid certificate generated")
            result.verify_number, result.verify_token = middle
        # How many firms the register search finds, asked of the app's own search code.
        from registry.public import register

        result.search_matches = register.search(register.Query(q=SEARCH_QUERY))[1]
        db.session.remove()
        engine.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of an EMPTY database")
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--keys", required=True, help="folder for the QR signing key")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    result = generate(args.url, args.firms, args.keys, seed=args.seed)
    print(f"{result.total_rows:,} rows in {result.load_s:.1f} s "
          f"({result.rows_per_s:,.0f} rows/s); verify /v/{result.verify_number}?t=…; "
          f"'{SEARCH_QUERY}' matches {result.search_matches:,} firms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
