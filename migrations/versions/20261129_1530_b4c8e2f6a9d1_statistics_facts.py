"""The statistics' facts (issue 16): the register's history folded each night into counts
per day (`statistics_fact`), a row per computation (`statistics_run`) and each firm's region
and extra-EU band as folded (`statistics_firm`); indexes that find what moved after a day
(status changes by day and by time recorded, certificates by start and end of validity,
application events and applications by time, firms by last update). New tables and indexes
only.

Revision ID: b4c8e2f6a9d1
Revises: a7f3d2c1b9e8
Create Date: 2026-11-29 15:30:00
"""

import sqlalchemy as sa
from alembic import op

import registry.db

revision = 'b4c8e2f6a9d1'
down_revision = 'a7f3d2c1b9e8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'statistics_fact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('checkpoint', sa.Boolean(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('scheme', sa.String(length=60), nullable=False),
        sa.Column('region', sa.String(length=40), nullable=False),
        sa.Column('level', sa.String(length=4), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('in_force', sa.Boolean(), nullable=False),
        sa.Column('band', sa.String(length=20), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('firms', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_fact')),
    )
    op.create_index('ix_statistics_fact_kind_day', 'statistics_fact',
                    ['kind', 'checkpoint', 'day'], unique=False)
    op.create_table(
        'statistics_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('through', sa.Date(), nullable=False),
        sa.Column('computed_at', registry.db.UTCDateTime(), nullable=False),
        sa.Column('facts', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_run')),
    )
    op.create_table(
        'statistics_firm',
        sa.Column('firm_id', sa.Integer(), nullable=False),
        sa.Column('region', sa.String(length=40), nullable=False),
        sa.Column('band', sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint('firm_id', name=op.f('pk_statistics_firm')),
    )
    op.create_index('ix_certificate_status_change_at', 'certificate_status_change', ['at'],
                    unique=False)
    op.create_index('ix_firm_updated_at', 'firm', ['updated_at'], unique=False)
    op.create_index('ix_certificate_status_change_effective_on', 'certificate_status_change',
                    ['effective_on'], unique=False)
    op.create_index('ix_certificate_valid_from', 'certificate', ['valid_from'], unique=False)
    op.create_index('ix_certificate_valid_until', 'certificate', ['valid_until'], unique=False)
    op.create_index('ix_certificate_issued_on', 'certificate', ['issued_on'], unique=False)
    op.create_index('ix_application_event_at', 'application_event', ['at'], unique=False)
    op.create_index('ix_application_created_at', 'application', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_firm_updated_at', table_name='firm')
    op.drop_index('ix_certificate_status_change_at', table_name='certificate_status_change')
    op.drop_table('statistics_firm')
    op.drop_index('ix_application_created_at', table_name='application')
    op.drop_index('ix_application_event_at', table_name='application_event')
    op.drop_index('ix_certificate_issued_on', table_name='certificate')
    op.drop_index('ix_certificate_valid_until', table_name='certificate')
    op.drop_index('ix_certificate_valid_from', table_name='certificate')
    op.drop_index('ix_certificate_status_change_effective_on',
                  table_name='certificate_status_change')
    op.drop_table('statistics_run')
    op.drop_index('ix_statistics_fact_kind_day', table_name='statistics_fact')
    op.drop_table('statistics_fact')
