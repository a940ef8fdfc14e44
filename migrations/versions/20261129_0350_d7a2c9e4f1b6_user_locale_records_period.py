"""The language each person chose, so their emails are written in it, and the period of
the records an auditor examined for a score of 3 or 4 (issue 15).

Revision ID: d7a2c9e4f1b6
Revises: c4e1a7d2b9f3
Create Date: 2026-11-29 03:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'd7a2c9e4f1b6'
down_revision = 'c4e1a7d2b9f3'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user', sa.Column('locale', sa.String(length=8), nullable=True))
    op.add_column('criterion_score', sa.Column('records_from', sa.Date(), nullable=True))
    op.add_column('criterion_score', sa.Column('records_to', sa.Date(), nullable=True))


def downgrade():
    op.drop_column('criterion_score', 'records_to')
    op.drop_column('criterion_score', 'records_from')
    op.drop_column('user', 'locale')
