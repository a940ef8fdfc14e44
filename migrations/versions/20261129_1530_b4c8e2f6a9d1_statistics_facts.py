"""The statistics' facts (issue 16): the register's history folded each night into counts
per day (`statistics_fact`), a row per computation (`statistics_run`, with the last ids it
read) and each firm's region and extra-EU band as folded (`statistics_firm`); an index of
firms by last update (the firms edited since a fold). New tables and an index only.

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
        sa.Column('last_change_id', sa.Integer(), nullable=False),
        sa.Column('last_event_id', sa.Integer(), nullable=False),
        sa.Column('last_application_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_run')),
    )
    op.create_table(
        'statistics_firm',
        sa.Column('firm_id', sa.Integer(), nullable=False),
        sa.Column('region', sa.String(length=40), nullable=False),
        sa.Column('band', sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint('firm_id', name=op.f('pk_statistics_firm')),
    )
    op.create_index('ix_firm_updated_at', 'firm', ['updated_at'], unique=False)

def downgrade():
    op.drop_index('ix_firm_updated_at', table_name='firm')
    op.drop_table('statistics_firm')
    op.drop_table('statistics_run')
    op.drop_index('ix_statistics_fact_kind_day', table_name='statistics_fact')
    op.drop_table('statistics_fact')
