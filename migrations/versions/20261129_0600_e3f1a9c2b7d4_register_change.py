"""The register's stamp (issue 17): one row per transaction that changes what the register
lists, so that counts kept per filter are revalidated by one primary-key lookup.

Revision ID: e3f1a9c2b7d4
Revises: 3b558ba5decb
Create Date: 2026-11-29 06:00:00

"""
import sqlalchemy as sa
from alembic import op

import registry.db

revision = 'e3f1a9c2b7d4'
down_revision = '3b558ba5decb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'register_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', registry.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_change')),
    )


def downgrade():
    op.drop_table('register_change')
