"""Firm-name search through the database's full-text index; partial index for browsing

SQLite: an FTS5 table over firm.name_search (external content, kept by triggers, so every
way a name changes, ORM or bulk SQL, keeps it right). PostgreSQL: a GIN index over every
prefix of every word of name_search, as lexemes (firm_name_prefixes()), so a prefix search
is a lookup of exact lexemes: measured at 100,000 firms, 1.7 ms against 8.7 ms for a
tsquery prefix match ('servizi:*') on to_tsvector. Both replace the firm_name_word table.
Caution: a later batch (copy-and-move) migration of `firm` on SQLite drops these triggers;
recreate them.

Revision ID: 7d30c7a9b879
Revises: 0623f22d8947
Create Date: 2026-11-23 01:23:06.717184

"""
from alembic import op
import sqlalchemy as sa

import registry.db


# revision identifiers, used by Alembic.
revision = '7d30c7a9b879'
down_revision = '0623f22d8947'
branch_labels = None
depends_on = None


FTS_TRIGGERS = {
    "firm_fts_insert": "AFTER INSERT ON firm BEGIN "
    "INSERT INTO firm_fts(rowid, name_search) VALUES (new.id, new.name_search); END",
    "firm_fts_delete": "AFTER DELETE ON firm BEGIN "
    "INSERT INTO firm_fts(firm_fts, rowid, name_search) "
    "VALUES ('delete', old.id, old.name_search); END",
    "firm_fts_update": "AFTER UPDATE OF name_search ON firm BEGIN "
    "INSERT INTO firm_fts(firm_fts, rowid, name_search) "
    "VALUES ('delete', old.id, old.name_search); "
    "INSERT INTO firm_fts(rowid, name_search) VALUES (new.id, new.name_search); END",
}
REGISTER_ORDER_WHERE = "current_certificate_id IS NOT NULL"
# Every prefix of every word ("qualita" -> q, qu, qua, ...), as a tsvector of lexemes taken
# verbatim (no parser, no dictionary): names are already normalised to [0-9a-z ] words.
PREFIXES_FUNCTION = """
CREATE FUNCTION firm_name_prefixes(name text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_tsvector(ARRAY(
    SELECT DISTINCT left(word, n)
    FROM regexp_split_to_table(name, ' ') AS word, generate_series(1, length(word)) AS n
    WHERE word <> ''))
$$"""


def upgrade():
    with op.batch_alter_table('firm_name_word', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_firm_name_word_word_firm'))
    op.drop_table('firm_name_word')

    # The register's pages in name order, for firms that are in the register at all: an
    # index-only walk, so deep pages stay cheap.
    op.create_index("ix_firm_register_name", "firm", ["name_search", "id"],
                    sqlite_where=sa.text(REGISTER_ORDER_WHERE),
                    postgresql_where=sa.text(REGISTER_ORDER_WHERE))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PREFIXES_FUNCTION)
        op.execute("CREATE INDEX ix_firm_name_prefixes ON firm "
                   "USING gin (firm_name_prefixes(name_search))")
    else:
        op.execute("CREATE VIRTUAL TABLE firm_fts USING fts5(name_search, content='firm', "
                   "content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
        for name, definition in FTS_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {definition}")
        op.execute("INSERT INTO firm_fts(firm_fts) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_firm_name_prefixes")
        op.execute("DROP FUNCTION firm_name_prefixes(text)")
    else:
        for name in FTS_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE firm_fts")
    op.drop_index("ix_firm_register_name", table_name="firm")
    op.create_table('firm_name_word',
    sa.Column('firm_id', sa.INTEGER(), nullable=False),
    sa.Column('word', sa.VARCHAR(length=60), nullable=False),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_firm_name_word_firm_id_firm'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('firm_id', 'word', name=op.f('pk_firm_name_word'))
    )
    with op.batch_alter_table('firm_name_word', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_firm_name_word_word_firm'), ['word', 'firm_id'], unique=False)
