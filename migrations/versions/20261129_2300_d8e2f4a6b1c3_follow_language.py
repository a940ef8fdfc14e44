"""The language each email follower asked in, so their messages are written in it (until
now every message to a follower without an account was in Italian). Existing follows keep
Italian, the language they were sent in so far.

Revision ID: d8e2f4a6b1c3
Revises: c5d7e9f1a3b2
Create Date: 2026-11-29 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'd8e2f4a6b1c3'
down_revision = 'c5d7e9f1a3b2'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('email_follow', sa.Column('locale', sa.String(length=8), server_default='it',
                                            nullable=False))


def downgrade():
    with op.batch_alter_table('email_follow') as batch_op:
        batch_op.drop_column('locale')
