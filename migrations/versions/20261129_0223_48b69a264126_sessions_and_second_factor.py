"""Server-side sessions (a login is a row that logout and other events revoke), the
second factor (an encrypted TOTP secret, the last accepted time step, hashed recovery
codes); the session version column, which sessions replace, goes.

The `user` table is altered with plain ADD/DROP COLUMN (both databases support them), not
in batch mode: on SQLite a batch would rebuild a table that most others refer to.

Revision ID: 48b69a264126
Revises: 5b1e0c7d9a21
Create Date: 2026-11-29 02:23:57.290741

"""
from alembic import op
import sqlalchemy as sa

import registry.db


# revision identifiers, used by Alembic.
revision = '48b69a264126'
down_revision = '5b1e0c7d9a21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('used_at', registry.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_recovery_code_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)

    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=255), nullable=True),
    sa.Column('second_factor', sa.String(length=20), nullable=True),
    sa.Column('revoked_at', registry.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    op.add_column('user', sa.Column('totp_secret', sa.String(length=255), nullable=True))
    op.add_column('user', sa.Column('totp_confirmed_at', registry.db.UTCDateTime(),
                                    nullable=True))
    op.add_column('user', sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.execute('ALTER TABLE "user" DROP COLUMN session_version')


def downgrade():
    op.add_column('user', sa.Column('session_version', sa.Integer(), nullable=False,
                                    server_default='1'))
    for column in ('totp_last_step', 'totp_confirmed_at', 'totp_secret'):
        op.execute(f'ALTER TABLE "user" DROP COLUMN {column}')

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))

    op.drop_table('recovery_code')
