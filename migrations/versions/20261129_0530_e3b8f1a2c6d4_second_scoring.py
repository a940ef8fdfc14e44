"""Auditor calibration: blind second scorings of a sample of criteria (two new tables).

Revision ID: e3b8f1a2c6d4
Revises: f39f3c926d8a
Create Date: 2026-11-29 05:30:00

"""
from alembic import op
import sqlalchemy as sa

import registry.db


# revision identifiers, used by Alembic.
revision = 'e3b8f1a2c6d4'
down_revision = 'f39f3c926d8a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('second_scoring',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('auditor_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('draw', sa.Float(), nullable=False),
    sa.Column('share', sa.Float(), nullable=False),
    sa.Column('criteria_sample', sa.JSON(), nullable=False),
    sa.Column('selected_at', registry.db.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', registry.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'],
                            name=op.f('fk_second_scoring_assessment_id_assessment')),
    sa.ForeignKeyConstraint(['auditor_id'], ['user.id'],
                            name=op.f('fk_second_scoring_auditor_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_second_scoring')),
    sa.UniqueConstraint('assessment_id', name=op.f('uq_second_scoring_assessment_id'))
    )
    op.create_index(op.f('ix_second_scoring_auditor_id'), 'second_scoring', ['auditor_id'],
                    unique=False)
    op.create_table('second_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('second_scoring_id', sa.Integer(), nullable=False),
    sa.Column('criterion_code', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('not_applicable', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['second_scoring_id'], ['second_scoring.id'],
                            name=op.f('fk_second_score_second_scoring_id_second_scoring')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_second_score')),
    sa.UniqueConstraint('second_scoring_id', 'criterion_code',
                        name=op.f('uq_second_score_second_scoring_id_criterion_code'))
    )
    op.create_index(op.f('ix_second_score_second_scoring_id'), 'second_score',
                    ['second_scoring_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_second_score_second_scoring_id'), table_name='second_score')
    op.drop_table('second_score')
    op.drop_index(op.f('ix_second_scoring_auditor_id'), table_name='second_scoring')
    op.drop_table('second_scoring')
