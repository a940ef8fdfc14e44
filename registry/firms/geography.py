"""Italian regions and provinces, and the countries a site or a traffic share can be in.

Pure data plus look-ups; no Flask. Country names come from the CLDR data that Babel ships,
so they follow the page language without a translation of our own.

Provinces are the 107 sigle of the Codice della strada's table (the same two letters that
the Registro Imprese uses for the REA), including Sud Sardegna (SU, 2016). Sardinia's 2025
reform (Città metropolitana di Sassari; Gallura Nord-Est Sardegna, Ogliastra, Sulcis
Iglesiente and Medio Campidano; SU abolished) is in force since 17 July 2025, but ISTAT adopts
its codes only from 1 January 2026 and the new provinces have no sigla in the table yet, so
they are not listed: add them here when the sigle are published, and keep SU for firms and
REA numbers registered under it.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

# Region names as in the Constitution (art. 131), short forms for the bilingual ones.
REGIONS: tuple[str, ...] = (
    "Abruzzo", "Basilicata", "Calabria", "Campania", "Emilia-Romagna",
    "Friuli-Venezia Giulia", "Lazio", "Liguria", "Lombardia", "Marche", "Molise", "Piemonte",
    "Puglia", "Sardegna", "Sicilia", "Toscana", "Trentino-Alto Adige", "Umbria",
    "Valle d'Aosta", "Veneto",
)

# sigla: (name, region)
PROVINCES: dict[str, tuple[str, str]] = {
    # Piemonte
    "TO": ("Torino", "Piemonte"), "VC": ("Vercelli", "Piemonte"),
    "NO": ("Novara", "Piemonte"), "CN": ("Cuneo", "Piemonte"), "AT": ("Asti", "Piemonte"),
    "AL": ("Alessandria", "Piemonte"), "BI": ("Biella", "Piemonte"),
    "VB": ("Verbano-Cusio-Ossola", "Piemonte"),
    # Valle d'Aosta
    "AO": ("Aosta", "Valle d'Aosta"),
    # Lombardia
    "VA": ("Varese", "Lombardia"), "CO": ("Como", "Lombardia"),
    "SO": ("Sondrio", "Lombardia"), "MI": ("Milano", "Lombardia"),
    "BG": ("Bergamo", "Lombardia"), "BS": ("Brescia", "Lombardia"),
    "PV": ("Pavia", "Lombardia"), "CR": ("Cremona", "Lombardia"),
    "MN": ("Mantova", "Lombardia"), "LC": ("Lecco", "Lombardia"), "LO": ("Lodi", "Lombardia"),
    "MB": ("Monza e della Brianza", "Lombardia"),
    # Trentino-Alto Adige
    "BZ": ("Bolzano", "Trentino-Alto Adige"), "TN": ("Trento", "Trentino-Alto Adige"),
    # Veneto
    "VR": ("Verona", "Veneto"), "VI": ("Vicenza", "Veneto"), "BL": ("Belluno", "Veneto"),
    "TV": ("Treviso", "Veneto"), "VE": ("Venezia", "Veneto"), "PD": ("Padova", "Veneto"),
    "RO": ("Rovigo", "Veneto"),
    # Friuli-Venezia Giulia
    "UD": ("Udine", "Friuli-Venezia Giulia"), "GO": ("Gorizia", "Friuli-Venezia Giulia"),
    "TS": ("Trieste", "Friuli-Venezia Giulia"), "PN": ("Pordenone", "Friuli-Venezia Giulia"),
    # Liguria
    "IM": ("Imperia", "Liguria"), "SV": ("Savona", "Liguria"), "GE": ("Genova", "Liguria"),
    "SP": ("La Spezia", "Liguria"),
    # Emilia-Romagna
    "PC": ("Piacenza", "Emilia-Romagna"), "PR": ("Parma", "Emilia-Romagna"),
    "RE": ("Reggio Emilia", "Emilia-Romagna"), "MO": ("Modena", "Emilia-Romagna"),
    "BO": ("Bologna", "Emilia-Romagna"), "FE": ("Ferrara", "Emilia-Romagna"),
    "RA": ("Ravenna", "Emilia-Romagna"), "FC": ("Forlì-Cesena", "Emilia-Romagna"),
    "RN": ("Rimini", "Emilia-Romagna"),
    # Toscana
    "MS": ("Massa-Carrara", "Toscana"), "LU": ("Lucca", "Toscana"),
    "PT": ("Pistoia", "Toscana"), "FI": ("Firenze", "Toscana"), "LI": ("Livorno", "Toscana"),
    "PI": ("Pisa", "Toscana"), "AR": ("Arezzo", "Toscana"), "SI": ("Siena", "Toscana"),
    "GR": ("Grosseto", "Toscana"), "PO": ("Prato", "Toscana"),
    # Umbria
    "PG": ("Perugia", "Umbria"), "TR": ("Terni", "Umbria"),
    # Marche
    "PU": ("Pesaro e Urbino", "Marche"), "AN": ("Ancona", "Marche"),
    "MC": ("Macerata", "Marche"), "AP": ("Ascoli Piceno", "Marche"),
    "FM": ("Fermo", "Marche"),
    # Lazio
    "VT": ("Viterbo", "Lazio"), "RI": ("Rieti", "Lazio"), "RM": ("Roma", "Lazio"),
    "LT": ("Latina", "Lazio"), "FR": ("Frosinone", "Lazio"),
    # Abruzzo
    "AQ": ("L'Aquila", "Abruzzo"), "TE": ("Teramo", "Abruzzo"),
    "PE": ("Pescara", "Abruzzo"), "CH": ("Chieti", "Abruzzo"),
    # Molise
    "CB": ("Campobasso", "Molise"), "IS": ("Isernia", "Molise"),
    # Campania
    "CE": ("Caserta", "Campania"), "BN": ("Benevento", "Campania"),
    "NA": ("Napoli", "Campania"), "AV": ("Avellino", "Campania"),
    "SA": ("Salerno", "Campania"),
    # Puglia
    "FG": ("Foggia", "Puglia"), "BA": ("Bari", "Puglia"), "TA": ("Taranto", "Puglia"),
    "BR": ("Brindisi", "Puglia"), "LE": ("Lecce", "Puglia"),
    "BT": ("Barletta-Andria-Trani", "Puglia"),
    # Basilicata
    "PZ": ("Potenza", "Basilicata"), "MT": ("Matera", "Basilicata"),
    # Calabria
    "CS": ("Cosenza", "Calabria"), "CZ": ("Catanzaro", "Calabria"),
    "RC": ("Reggio Calabria", "Calabria"), "KR": ("Crotone", "Calabria"),
    "VV": ("Vibo Valentia", "Calabria"),
    # Sicilia
    "TP": ("Trapani", "Sicilia"), "PA": ("Palermo", "Sicilia"), "ME": ("Messina", "Sicilia"),
    "AG": ("Agrigento", "Sicilia"), "CL": ("Caltanissetta", "Sicilia"),
    "EN": ("Enna", "Sicilia"), "CT": ("Catania", "Sicilia"), "RG": ("Ragusa", "Sicilia"),
    "SR": ("Siracusa", "Sicilia"),
    # Sardegna
    "SS": ("Sassari", "Sardegna"), "NU": ("Nuoro", "Sardegna"),
    "CA": ("Cagliari", "Sardegna"), "OR": ("Oristano", "Sardegna"),
    "SU": ("Sud Sardegna", "Sardegna"),
}

# ISO 3166-1 alpha-2, plus XK (Kosovo), which the EU and CLDR use although ISO has not
# assigned it. CLDR's other two-letter "territories" (EU, UN, IC, EA…) are not countries.
COUNTRIES: tuple[str, ...] = (
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "XK", "YE", "YT", "ZA", "ZM", "ZW",
)

# The 27 member states (since 1 February 2020). Greece is GR here: EL is only its VAT prefix.
EU_MEMBERS: frozenset[str] = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})

# Territories with their own ISO code that are nonetheless inside the EU (the outermost
# regions of art. 349 TFEU, and Åland): traffic handled there is not "extra-EU".
EU_TERRITORIES: frozenset[str] = frozenset({"AX", "GF", "GP", "MF", "MQ", "RE", "YT"})

# Countries Italian contact centres most often move traffic to: listed first in the
# extra-EU choice so that nobody has to scroll past Afghanistan to find Albania.
COMMON_EXTRA_EU: tuple[str, ...] = ("AL", "TN", "MA", "RS", "MK", "MD", "EG", "TR", "UA",
                                    "BA", "ME", "XK", "SN", "AR", "PE", "CO", "BR", "IN",
                                    "PH", "GB", "CH", "SM", "US")


def province_name(sigla: str) -> str | None:
    """The province's name for a sigla (e.g. "RM" → "Roma"), or None if unknown."""
    entry = PROVINCES.get((sigla or "").upper())
    return entry[0] if entry else None


def region_of(sigla: str) -> str | None:
    """The region a province belongs to (e.g. "MB" → "Lombardia"), or None if unknown."""
    entry = PROVINCES.get((sigla or "").upper())
    return entry[1] if entry else None


def is_province(sigla: str) -> bool:
    return (sigla or "").upper() in PROVINCES


def is_country(code: str) -> bool:
    return (code or "").upper() in COUNTRIES


def is_eu(code: str) -> bool:
    """True for a member state or an EU territory with its own ISO code."""
    code = (code or "").upper()
    return code in EU_MEMBERS or code in EU_TERRITORIES


def country_name(code: str, locale: str = "it") -> str:
    """The country's name in `locale` (CLDR via Babel); the code itself if unknown."""
    try:
        names = Locale.parse(locale).territories
    except (UnknownLocaleError, ValueError):
        names = Locale.parse("it").territories
    return names.get(code.upper(), code.upper())


def country_choices(locale: str = "it", *, extra_eu_only: bool = False) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name; with `extra_eu_only`, the common destinations
    first and no EU country at all."""
    codes = [c for c in COUNTRIES if not (extra_eu_only and is_eu(c))]
    ordered = sorted(codes, key=lambda c: country_name(c, locale).casefold())
    if extra_eu_only:
        ordered = [c for c in COMMON_EXTRA_EU if c in codes] + \
                  [c for c in ordered if c not in COMMON_EXTRA_EU]
    return [(code, country_name(code, locale)) for code in ordered]


def province_choices() -> list[tuple[str, str]]:
    """(sigla, "Name (SIGLA)") pairs sorted by name, for a select."""
    return sorted(((s, f"{name} ({s})") for s, (name, _region) in PROVINCES.items()),
                  key=lambda pair: pair[1])
