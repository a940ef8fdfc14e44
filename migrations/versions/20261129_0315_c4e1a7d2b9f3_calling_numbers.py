"""Calling numbers with their period of use (issue 14, "Chi mi ha chiamato?"), and an
index for the register's filter on operating sites.

The JSON list `firm.phone_numbers` becomes the table `calling_number`: one row per number
and period, one firm at a time (a partial unique index refuses two rows in use for the
same number, and no two periods of one number may overlap: an exclusion constraint on
PostgreSQL, triggers on SQLite). Existing values are normalised to E.164 with
`phonenumbers` and declared in use since the firm was registered; a value that is no valid number, or a number already taken
by another firm, is logged and skipped. The JSON column is dropped with plain ALTER TABLE
(SQLite ≥ 3.35 and PostgreSQL), never a batch rebuild of `firm` (its triggers).

Revision ID: c4e1a7d2b9f3
Revises: c4e1b2a9d7f3
Create Date: 2026-11-29 03:15:00

"""
import json
import logging

import phonenumbers
import sqlalchemy as sa
from alembic import op

import registry.db

revision = 'c4e1a7d2b9f3'
down_revision = 'c4e1b2a9d7f3'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# A number is one firm's at a time: no two periods of use of the same number may overlap
# (valid_until is the first day no longer in use; NULL: in use). PostgreSQL says it with an
# exclusion constraint, SQLite with triggers that refuse the row (as for certificates).
EXCLUSION = (
    "ALTER TABLE calling_number ADD CONSTRAINT ex_calling_number_one_firm EXCLUDE USING gist "
    "(number WITH =, daterange(valid_from, valid_until, '[)') WITH &&)"
)
OVERLAP = (
    "WHEN EXISTS (SELECT 1 FROM calling_number AS other "
    "WHERE other.id <> NEW.id AND other.number = NEW.number "
    "AND (other.valid_until IS NULL OR other.valid_until > NEW.valid_from) "
    "AND (NEW.valid_until IS NULL OR NEW.valid_until > other.valid_from)) "
    "BEGIN SELECT RAISE(ABORT, 'ex_calling_number_one_firm: two declarations of one "
    "number would overlap'); END"
)
TRIGGERS = {
    "calling_number_one_firm_insert": f"BEFORE INSERT ON calling_number {OVERLAP}",
    "calling_number_one_firm_update": ("BEFORE UPDATE OF number, valid_from, valid_until "
                                       f"ON calling_number {OVERLAP}"),
}


def _e164(value):
    """The E.164 form of a stored value, or None (as `firms.identifiers` at this revision)."""
    raw = "".join(ch for ch in str(value or "") if ch not in " \t-./()")
    if not raw or not raw.lstrip("+").isdigit():
        return None
    try:
        parsed = phonenumbers.parse(raw, "IT")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _as_list(value):
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return value if isinstance(value, list) else []


def upgrade():
    calling_number = op.create_table('calling_number',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', registry.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_calling_number_created_by_id_user')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['user.id'], name=op.f('fk_calling_number_ended_by_id_user')),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_calling_number_firm_id_firm'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calling_number'))
    )
    op.create_index('ix_calling_number_firm_id', 'calling_number', ['firm_id'], unique=False)
    op.create_index('ix_calling_number_number', 'calling_number', ['number', 'valid_from'],
                    unique=False)
    op.create_index('ux_calling_number_in_use', 'calling_number', ['number'], unique=True,
                    sqlite_where=sa.text('valid_until IS NULL'),
                    postgresql_where=sa.text('valid_until IS NULL'))

    # The register's filter on operating sites (issue 14, point 7).
    op.create_index('ix_site_province_firm', 'site', ['province', 'firm_id'], unique=False)

    firm = sa.table('firm', sa.column('id', sa.Integer()), sa.column('phone_numbers', sa.JSON()),
                    sa.column('created_at', registry.db.UTCDateTime()))
    connection = op.get_bind()
    taken = {}
    rows = []
    for firm_id, stored, created_at in connection.execute(
            sa.select(firm.c.id, firm.c.phone_numbers, firm.c.created_at).order_by(firm.c.id)):
        for value in _as_list(stored):
            number = _e164(value)
            if number is None:
                log.warning("firm %s: phone number %r is not a valid number, skipped",
                            firm_id, value)
            elif number in taken and taken[number] != firm_id:
                log.warning("firm %s: phone number %s already declared by firm %s, skipped",
                            firm_id, number, taken[number])
            elif number not in taken:
                taken[number] = firm_id
                rows.append({"firm_id": firm_id, "number": number,
                             "valid_from": created_at.date(), "created_at": created_at})
    if rows:
        op.bulk_insert(calling_number, rows)
    if connection.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(EXCLUSION)
    else:
        for name, definition in TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {definition}")
    op.execute('ALTER TABLE firm DROP COLUMN phone_numbers')


def downgrade():
    op.drop_index('ix_site_province_firm', table_name='site')
    op.add_column('firm', sa.Column('phone_numbers', sa.JSON(), nullable=False,
                                    server_default='[]'))
    connection = op.get_bind()
    numbers = {}
    for firm_id, number in connection.execute(sa.text(
            "SELECT firm_id, number FROM calling_number WHERE valid_until IS NULL "
            "ORDER BY firm_id, number")):
        numbers.setdefault(firm_id, []).append(number)
    firm = sa.table('firm', sa.column('id', sa.Integer()), sa.column('phone_numbers', sa.JSON()))
    if connection.dialect.name == "postgresql":
        op.execute("ALTER TABLE calling_number DROP CONSTRAINT ex_calling_number_one_firm")
    else:
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    for firm_id, values in numbers.items():
        connection.execute(firm.update().where(firm.c.id == firm_id).values(phone_numbers=values))
    op.drop_index('ux_calling_number_in_use', table_name='calling_number',
                  sqlite_where=sa.text('valid_until IS NULL'),
                  postgresql_where=sa.text('valid_until IS NULL'))
    op.drop_index('ix_calling_number_number', table_name='calling_number')
    op.drop_index('ix_calling_number_firm_id', table_name='calling_number')
    op.drop_table('calling_number')
