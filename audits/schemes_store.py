"""Loading scheme files into the database and reading them back as `Scheme` objects."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _

from audits.models import SchemeVersion
from audits.scheme import (
    DEFAULT_SCHEME_PATH,
    Level,
    Scheme,
    SchemeError,
    load_scheme_file,
    parse_scheme,
)
from registry import auditlog
from registry.errors import DomainError, NotFound
from registry.extensions import db


def store_scheme_file(path: str | Path, actor=None) -> tuple[SchemeVersion, bool]:
    """Validate a scheme file and store it. Returns (version, created).

    Loading the same content again is a no-op; loading different content under a version
    that exists is refused, because applications already rely on that version.
    """
    try:
        scheme, document, content_hash = load_scheme_file(path)
    except SchemeError as error:
        raise DomainError("\n".join(error.errors)) from None
    existing = db.session.scalar(db.select(SchemeVersion).where(
        SchemeVersion.code == scheme.code, SchemeVersion.version == scheme.version))
    if existing is not None:
        if existing.content_hash == content_hash:
            return existing, False
        raise DomainError(_("La versione %(v)s dello schema %(c)s è già caricata con un "
                            "contenuto diverso: una versione caricata non si modifica, carica "
                            "il file con un nuovo numero di versione.",
                            v=scheme.version, c=scheme.code))
    version = SchemeVersion(code=scheme.code, version=scheme.version, name_it=scheme.name_it,
                            name_en=scheme.name_en, content_hash=content_hash, document=document,
                            loaded_by_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    auditlog.record("scheme.loaded", "scheme_version", version.id, actor=actor,
                    after={"code": scheme.code, "version": scheme.version,
                           "content_hash": content_hash})
    return version, True


def ensure_default_scheme() -> SchemeVersion:
    """The default scheme, loaded if missing (fresh installs and demo data)."""
    version, _created = store_scheme_file(DEFAULT_SCHEME_PATH)
    return version


@lru_cache(maxsize=64)
def _parsed(version_id: int, content_hash: str) -> Scheme:
    version = db.session.get(SchemeVersion, version_id)
    return parse_scheme(version.document)


def scheme_of(version: SchemeVersion) -> Scheme:
    """The parsed scheme of a stored version (cached: versions never change)."""
    return _parsed(version.id, version.content_hash)


def current_version(code: str | None = None) -> SchemeVersion:
    """The version new applications start on: the most recently loaded one."""
    query = db.select(SchemeVersion).order_by(SchemeVersion.loaded_at.desc(),
                                              SchemeVersion.id.desc())
    if code:
        query = query.where(SchemeVersion.code == code)
    version = db.session.scalars(query.limit(1)).first()
    if version is None:
        raise NotFound(_("Nessuno schema di certificazione è stato caricato."))
    return version


def list_versions() -> list[SchemeVersion]:
    return list(db.session.scalars(db.select(SchemeVersion).order_by(
        SchemeVersion.code, SchemeVersion.loaded_at)))


# Levels by code, as the schemes define them. Seeded from the default scheme file so labels
# never need a query; a code first met in a newer stored version reloads from the database.
_LEVELS: dict[str, Level] = {}


def level_of(code: str) -> Level | None:
    """The level with this code (its rank and its labels), None for an unknown code."""
    if not _LEVELS:
        scheme, _document, _hash = load_scheme_file(DEFAULT_SCHEME_PATH)
        _LEVELS.update((level.code, level) for level in scheme.levels)
    if code not in _LEVELS:
        for version in list_versions():
            _LEVELS.update((level.code, level) for level in scheme_of(version).levels)
    return _LEVELS.get(code)


def current_levels() -> tuple[Level, ...]:
    """The levels of the scheme new applications start on (the default scheme's before any
    is loaded), lowest first."""
    version = db.session.scalars(db.select(SchemeVersion).order_by(
        SchemeVersion.loaded_at.desc(), SchemeVersion.id.desc()).limit(1)).first()
    if version is None:
        scheme, _document, _hash = load_scheme_file(DEFAULT_SCHEME_PATH)
    else:
        scheme = scheme_of(version)
    return tuple(sorted(scheme.levels, key=lambda level: level.rank))
