"""Complaints and reports (issue 16, part 4): `complaint` and its append-only history
`complaint_event`. Neither table has a column for an address, a browser string or an
account of the reporter; a worker's complaint holds only the SHA-256 of its receipt code.

The history is append-only: one service writes it, and a trigger refuses every UPDATE on
both databases (as for verification receipts). DELETE stays possible, for undoing a failed
restore (registry/backup); nothing in the application deletes a history row.

Revision ID: 3b558ba5decb
Revises: e3b8f1a2c6d4
Create Date: 2026-11-29 05:20:00

"""
import sqlalchemy as sa
from alembic import op

import registry.db

revision = '3b558ba5decb'
down_revision = 'e3b8f1a2c6d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('certificate_number', sa.String(length=20), nullable=True),
    sa.Column('category', sa.String(length=24), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('called_at', registry.db.UTCDateTime(), nullable=True),
    sa.Column('calling_number', sa.String(length=16), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_locale', sa.String(length=8), nullable=True),
    sa.Column('receipt_hash', sa.String(length=64), nullable=True),
    sa.Column('attachment_sha256', sa.String(length=64), nullable=True),
    sa.Column('attachment_mime', sa.String(length=100), nullable=True),
    sa.Column('attachment_size', sa.Integer(), nullable=True),
    sa.Column('received_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('acknowledged_at', registry.db.UTCDateTime(), nullable=True),
    sa.Column('reminded_at', registry.db.UTCDateTime(), nullable=True),
    sa.Column('closed_at', registry.db.UTCDateTime(), nullable=True),
    sa.Column('closing_reason', sa.Text(), nullable=True),
    sa.Column('audit_application_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['audit_application_id'], ['application.id'], name=op.f('fk_complaint_audit_application_id_application')),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_complaint_firm_id_firm')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('receipt_hash', name=op.f('uq_complaint_receipt_hash'))
    )
    op.create_index('ix_complaint_firm_id', 'complaint', ['firm_id'], unique=False)
    op.create_index('ix_complaint_state_received', 'complaint', ['state', 'received_at'],
                    unique=False)

    op.create_table('complaint_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('at', registry.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_complaint_event_actor_id_user')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_event_complaint_id_complaint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_event'))
    )
    op.create_index('ix_complaint_event_complaint_id', 'complaint_event', ['complaint_id'],
                    unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION complaint_event_unchanged() RETURNS trigger AS $$ "
                   "BEGIN RAISE EXCEPTION 'complaint_event is append-only'; END $$ "
                   "LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER complaint_event_no_update BEFORE UPDATE ON "
                   "complaint_event FOR EACH ROW EXECUTE FUNCTION complaint_event_unchanged()")
    else:
        op.execute("CREATE TRIGGER complaint_event_no_update BEFORE UPDATE ON complaint_event "
                   "BEGIN SELECT RAISE(ABORT, 'complaint_event is append-only'); END")


def downgrade():
    op.execute("DROP TRIGGER complaint_event_no_update" + (
        " ON complaint_event" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION complaint_event_unchanged()")
    op.drop_index('ix_complaint_event_complaint_id', table_name='complaint_event')
    op.drop_table('complaint_event')
    op.drop_index('ix_complaint_state_received', table_name='complaint')
    op.drop_index('ix_complaint_firm_id', table_name='complaint')
    op.drop_table('complaint')
