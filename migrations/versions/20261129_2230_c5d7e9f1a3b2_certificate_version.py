"""Each certificate's version (issue 17): a number the database itself moves on every change
to the certificate's row or to its status changes, so that a kept verify page is
revalidated by reading two integers of one row.

Triggers, not the application: a change written straight into the database (a repair, or
tampering) moves the version too, and the verify page shows it at the next request. On
SQLite, a migration that rebuilds `certificate` or `certificate_status_change` (batch mode)
drops their triggers and must create them again; `tests/public/test_verify.py` fails if any
of these is missing.

Revision ID: c5d7e9f1a3b2
Revises: b4c8e2f6a9d1
Create Date: 2026-11-29 22:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'c5d7e9f1a3b2'
down_revision = 'b4c8e2f6a9d1'
branch_labels = None
depends_on = None

# PostgreSQL: a row's own update moves its version before it is written (unless the update
# sets the version itself, as a restore does); a status change added, edited or removed moves
# its certificate's version (both certificates', should one be moved to another).
POSTGRESQL_UP = [
    """CREATE FUNCTION certificate_version_moves() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.version = OLD.version THEN
            NEW.version := OLD.version + 1;
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER certificate_version_moves BEFORE UPDATE ON certificate
    FOR EACH ROW EXECUTE FUNCTION certificate_version_moves()""",
    """CREATE FUNCTION certificate_status_change_moves_version() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'DELETE' THEN
            UPDATE certificate SET version = version + 1 WHERE id = NEW.certificate_id;
        END IF;
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE'
                                AND OLD.certificate_id <> NEW.certificate_id) THEN
            UPDATE certificate SET version = version + 1 WHERE id = OLD.certificate_id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER certificate_status_change_moves_version
    AFTER INSERT OR UPDATE OR DELETE ON certificate_status_change
    FOR EACH ROW EXECUTE FUNCTION certificate_status_change_moves_version()""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER certificate_status_change_moves_version ON certificate_status_change",
    "DROP FUNCTION certificate_status_change_moves_version()",
    "DROP TRIGGER certificate_version_moves ON certificate",
    "DROP FUNCTION certificate_version_moves()",
]

# SQLite: no BEFORE trigger may change NEW, so the row is updated again after (the WHEN keeps
# that second update from firing the trigger once more).
SQLITE_UP = [
    """CREATE TRIGGER certificate_version_moves AFTER UPDATE ON certificate
    FOR EACH ROW WHEN NEW.version = OLD.version
    BEGIN UPDATE certificate SET version = OLD.version + 1 WHERE id = NEW.id; END""",
    """CREATE TRIGGER certificate_status_change_added AFTER INSERT ON certificate_status_change
    BEGIN UPDATE certificate SET version = version + 1 WHERE id = NEW.certificate_id; END""",
    """CREATE TRIGGER certificate_status_change_edited AFTER UPDATE ON certificate_status_change
    BEGIN
        UPDATE certificate SET version = version + 1
        WHERE id IN (NEW.certificate_id, OLD.certificate_id);
    END""",
    """CREATE TRIGGER certificate_status_change_removed AFTER DELETE ON certificate_status_change
    BEGIN UPDATE certificate SET version = version + 1 WHERE id = OLD.certificate_id; END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER certificate_status_change_removed",
    "DROP TRIGGER certificate_status_change_edited",
    "DROP TRIGGER certificate_status_change_added",
    "DROP TRIGGER certificate_version_moves",
]


def _statements(up: bool) -> list[str]:
    if op.get_bind().dialect.name == "postgresql":
        return POSTGRESQL_UP if up else POSTGRESQL_DOWN
    return SQLITE_UP if up else SQLITE_DOWN


def upgrade():
    op.add_column('certificate', sa.Column('version', sa.Integer(), server_default='0',
                                           nullable=False))
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade():
    for statement in _statements(up=False):
        op.execute(statement)
    # Not batch mode: rebuilding `certificate` on SQLite would drop its other triggers
    # (one valid certificate per firm and scheme); SQLite drops a column in place since 3.35.
    op.execute("ALTER TABLE certificate DROP COLUMN version")
