"""Firm-name search through each database's own full-text index.

The register matches every word of the query as a prefix of a word of the normalised name
(`Firm.name_search`: lower-case, accent-free, alphanumeric words), in any order. SQLite
answers from an FTS5 table kept in step with `firm` by triggers; PostgreSQL from a GIN index
on `firm_name_prefixes(name_search)`, every prefix of every word as a lexeme. Both are
created by the migration `firm_name_fulltext`; neither reads the whole firm table.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, cast, func, literal, literal_column, select, table
from sqlalchemy.dialects.postgresql import TSQUERY

from registry.extensions import db
from registry.firms.identifiers import normalise_name
from registry.firms.models import Firm

# Words after normalise_name() are [0-9a-z]+, so nothing in them is query syntax for either
# engine; the check keeps it that way should normalisation ever change.
_WORD = re.compile(r"[0-9a-z]{1,60}")
MAX_WORDS = 8
FTS_TABLE = "firm_fts"


def query_words(text: str) -> list[str]:
    """The distinct words of a free-text query, longest first (most selective)."""
    words = {w for w in normalise_name(text).split() if _WORD.fullmatch(w)}
    return sorted(words, key=lambda w: (-len(w), w))[:MAX_WORDS]


def name_condition(words: list[str]) -> ColumnElement[bool]:
    """WHERE-clause on `firm`: the name has a word starting with each of `words`."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Each query word must be one of the name's indexed prefixes: exact lexemes, quoted
        # (the cast reads them verbatim), which GIN intersects far faster than 'word:*'.
        lexemes = " & ".join(f"'{word}'" for word in words)
        return func.firm_name_prefixes(Firm.name_search).op("@@")(
            cast(literal(lexemes), TSQUERY))
    match = " AND ".join(f'"{word}"*' for word in words)
    return Firm.id.in_(select(literal_column("rowid")).select_from(table(FTS_TABLE))
                       .where(literal_column(FTS_TABLE).op("MATCH")(match)))
