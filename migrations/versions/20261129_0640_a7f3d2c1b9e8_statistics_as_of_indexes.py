"""Indexes for the ministry's statistics "as of" a day (issue 16): the last status change
of each certificate on or before a day and the last event of each application before an
instant become one index seek per certificate or application (new indexes only).

Revision ID: a7f3d2c1b9e8
Revises: e3f1a9c2b7d4
Create Date: 2026-11-29 06:40:00
"""

from alembic import op

revision = 'a7f3d2c1b9e8'
down_revision = 'e3f1a9c2b7d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_certificate_status_change_as_of', 'certificate_status_change',
                    ['certificate_id', 'effective_on', 'id', 'status'], unique=False)
    op.create_index('ix_application_event_as_of', 'application_event',
                    ['application_id', 'at', 'id', 'to_state'], unique=False)


def downgrade():
    op.drop_index('ix_application_event_as_of', table_name='application_event')
    op.drop_index('ix_certificate_status_change_as_of', table_name='certificate_status_change')
