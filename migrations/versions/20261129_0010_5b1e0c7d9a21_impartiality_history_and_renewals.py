"""Impartiality history (assignments end instead of being deleted; conflicts name their
application), renewals that name their predecessor, one valid certificate per firm and
scheme at any instant (enforced by the database), identity changes as requests, surveillance
audits opened by the daily job, corrective actions on findings, appeals against status
changes

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
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('criteria_sample', sa.JSON(), nullable=True))
    # Appeals against adverse status changes too (a suspension, a withdrawal).
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.alter_column('decision_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('status_change_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_appeal_status_change_id'),
                                          ['status_change_id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_appeal_status_change_id_certificate_status_change'),
            'certificate_status_change', ['status_change_id'], ['id'])
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False,
                                      server_default='open'))
        batch_op.add_column(sa.Column('plan', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('plan_at', registry.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('plan_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('evidence_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('evidence_filename', sa.String(length=200),
                                      nullable=True))
        batch_op.add_column(sa.Column('evidence_type', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('closed_at', registry.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closure_note', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_finding_plan_by_id_user'), 'user',
                                    ['plan_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_finding_closed_by_id_user'), 'user',
                                    ['closed_by_id'], ['id'])
    # Existing rows got their status above; new rows get it from the application.
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=12),
                              server_default=None)
    # Surveillance audits the daily job opens: no person created them; they carry a due day.
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('surveillance_due_on', sa.Date(), nullable=True))
        batch_op.alter_column('created_by_id', existing_type=sa.Integer(), nullable=True)
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
    # Added natively, not in a batch: rebuilding the firm table on SQLite would lose the
    # full-text triggers defined on it.
    op.add_column('firm', sa.Column('identity_locked_at', registry.db.UTCDateTime(),
                                    nullable=True))
    op.create_table('profile_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=False),
    sa.Column('evidence_filename', sa.String(length=200), nullable=False),
    sa.Column('evidence_type', sa.String(length=100), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', registry.db.UTCDateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_profile_change_decided_by_id_user')),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_profile_change_firm_id_firm')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_profile_change_site_id_site')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_profile_change_requested_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_change'))
    )
    with op.batch_alter_table('profile_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_change_firm_id'), ['firm_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(EXCLUSION)
    else:
        for name, definition in TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {definition}")


def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('criteria_sample')
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_appeal_status_change_id_certificate_status_change'),
            type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_appeal_status_change_id'), type_='unique')
        batch_op.drop_column('status_change_id')
        batch_op.alter_column('decision_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_finding_closed_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_finding_plan_by_id_user'), type_='foreignkey')
        for column in ('closure_note', 'closed_by_id', 'closed_at', 'evidence_type',
                       'evidence_filename', 'evidence_sha256', 'plan_by_id', 'plan_at',
                       'plan', 'status'):
            batch_op.drop_column(column)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE certificate DROP CONSTRAINT ex_certificate_one_valid")
    else:
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table('profile_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_change_firm_id'))
    op.drop_table('profile_change')
    # Not a batch operation: on SQLite that would rebuild the firm table and lose the
    # full-text triggers defined on it. Both databases drop a column natively.
    op.execute("ALTER TABLE firm DROP COLUMN identity_locked_at")
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
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.alter_column('created_by_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('surveillance_due_on')
