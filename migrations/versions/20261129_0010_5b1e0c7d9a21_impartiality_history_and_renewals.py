"""Impartiality history (assignments end instead of being deleted; conflicts name their
application), renewals that name their predecessor, and one valid certificate per firm and
scheme at any instant, enforced by the database

Revision ID: 5b1e0c7d9a21
Revises: 7d30c7a9b879
Create Date: 2026-11-29 00:10:00

"""
from alembic import op
import sqlalchemy as sa

import registry.db


# revision identifiers, used by Alembic.
revision = '5b1e0c7d9a21'
down_revision = '7d30c7a9b879'
branch_labels = None
depends_on = None

# Two certificates of one firm and scheme may never both be `valid` over overlapping dates
# (a renewal starts the day after its predecessor ends). PostgreSQL says it with an
# exclusion constraint; SQLite with triggers that refuse the row.
EXCLUSION = (
    "ALTER TABLE certificate ADD CONSTRAINT ex_certificate_one_valid EXCLUDE USING gist "
    "(firm_id WITH =, scheme_code WITH =, daterange(valid_from, valid_until, '[]') WITH &&) "
    "WHERE (status = 'valid')"
)
OVERLAP = (
    "WHEN NEW.status = 'valid' AND EXISTS (SELECT 1 FROM certificate AS other "
    "WHERE other.id <> NEW.id AND other.firm_id = NEW.firm_id "
    "AND other.scheme_code = NEW.scheme_code AND other.status = 'valid' "
    "AND other.valid_from <= NEW.valid_until AND NEW.valid_from <= other.valid_until) "
    "BEGIN SELECT RAISE(ABORT, 'ex_certificate_one_valid: two valid certificates of one "
    "firm and scheme would overlap'); END"
)
TRIGGERS = {
    "certificate_one_valid_insert": f"BEFORE INSERT ON certificate {OVERLAP}",
    "certificate_one_valid_update": ("BEFORE UPDATE OF status, valid_from, valid_until, "
                                     f"firm_id, scheme_code ON certificate {OVERLAP}"),
}


def upgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_at', registry.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.String(length=20), nullable=True))
    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('application_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_conflict_declaration_application_id_application'),
            'application', ['application_id'], ['id'])
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('predecessor_number', sa.String(length=20),
                                      nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(EXCLUSION)
    else:
        for name, definition in TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {definition}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE certificate DROP CONSTRAINT ex_certificate_one_valid")
    else:
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('predecessor_number')
    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_conflict_declaration_application_id_application'),
            type_='foreignkey')
        batch_op.drop_column('application_id')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('end_reason')
        batch_op.drop_column('ended_at')
