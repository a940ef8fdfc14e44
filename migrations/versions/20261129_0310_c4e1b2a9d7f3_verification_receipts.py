"""Verification receipts: what the register answered to a check, recorded so that the
registry can later confirm it issued a receipt (a new table). A receipt's statement never
changes: a trigger refuses every UPDATE on both databases. DELETE stays possible, for
undoing a failed restore (registry/backup); nothing in the application deletes a receipt.

Revision ID: c4e1b2a9d7f3
Revises: 7c3e9a1f5d20
Create Date: 2026-11-29 03:10:00

"""
from alembic import op
import sqlalchemy as sa

import registry.db


# revision identifiers, used by Alembic.
revision = 'c4e1b2a9d7f3'
down_revision = '7c3e9a1f5d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('verification_receipt',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('requester_hash', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_receipt'))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION verification_receipt_unchanged() RETURNS trigger AS $$ "
                   "BEGIN RAISE EXCEPTION 'verification_receipt is append-only'; END $$ "
                   "LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER verification_receipt_no_update BEFORE UPDATE ON "
                   "verification_receipt FOR EACH ROW EXECUTE FUNCTION "
                   "verification_receipt_unchanged()")
    else:
        op.execute("CREATE TRIGGER verification_receipt_no_update BEFORE UPDATE ON "
                   "verification_receipt BEGIN SELECT RAISE(ABORT, "
                   "'verification_receipt is append-only'); END")


def downgrade():
    op.execute("DROP TRIGGER verification_receipt_no_update" + (
        " ON verification_receipt" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION verification_receipt_unchanged()")
    op.drop_table('verification_receipt')
