"""Standardisation: definitive scripts, seeds, lead decisions; seeds are allocations without entries

Revision ID: f10a5d3c9e21
Revises: e74471313698
Create Date: 2026-12-01 17:00:00

"""
import sqlalchemy as sa
from alembic import op

import assessment_app.timetypes

revision = 'f10a5d3c9e21'
down_revision = 'e74471313698'
branch_labels = None
depends_on = None

UTC_DATETIME = assessment_app.timetypes.UTCDateTime(timezone=True)
LIVE_INDEX_WHERE = sa.text("status != 'returned'")


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _sample_reason(*values):
    return _enum('samplereason', *values)


def upgrade():
    op.create_table('standardisation_setting',
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('seed_every', sa.Integer(), nullable=False),
    sa.Column('qualification_size', sa.Integer(), nullable=False),
    sa.Column('criteria_off_allowed', sa.Integer(), nullable=False),
    sa.CheckConstraint('seed_every >= 2', name=op.f('ck_standardisation_setting_seed_every_at_least_2')),
    sa.CheckConstraint('qualification_size >= 1', name=op.f('ck_standardisation_setting_qualification_size_positive')),
    sa.CheckConstraint('criteria_off_allowed >= 0', name=op.f('ck_standardisation_setting_criteria_off_non_negative')),
    sa.ForeignKeyConstraint(['window_id'], ['assessment_window.id'], name=op.f('fk_standardisation_setting_window_id_assessment_window')),
    sa.PrimaryKeyConstraint('window_id', name=op.f('pk_standardisation_setting'))
    )
    op.create_table('definitive_script',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('npq_code', sa.String(length=16), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=True),
    sa.Column('source_entry_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('word_count', sa.Integer(), nullable=False),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.Column('outcome', _enum('outcome', 'pass', 'fail'), nullable=False),
    sa.Column('rubric_version', sa.String(length=64), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', UTC_DATETIME, nullable=False),
    sa.CheckConstraint('length(trim(rationale)) > 0', name=op.f('ck_definitive_script_rationale_given')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_definitive_script_created_by_app_user')),
    sa.ForeignKeyConstraint(['npq_code'], ['npq.code'], name=op.f('fk_definitive_script_npq_code_npq')),
    sa.ForeignKeyConstraint(['paper_id'], ['case_paper.id'], name=op.f('fk_definitive_script_paper_id_case_paper')),
    sa.ForeignKeyConstraint(['source_entry_id'], ['entry.id'], name=op.f('fk_definitive_script_source_entry_id_entry')),
    sa.ForeignKeyConstraint(['window_id'], ['assessment_window.id'], name=op.f('fk_definitive_script_window_id_assessment_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_definitive_script'))
    )
    op.create_index(op.f('ix_definitive_script_window_id'), 'definitive_script', ['window_id'], unique=False)
    op.create_table('lead_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('npq_code', sa.String(length=16), nullable=False),
    sa.Column('marker_id', sa.Integer(), nullable=False),
    sa.Column('action', _enum('leadaction', 'clear', 'feedback', 'stop', 'second_mark'), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('remarked', sa.Integer(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=False),
    sa.Column('decided_at', UTC_DATETIME, nullable=False),
    sa.CheckConstraint('length(trim(reason)) > 0', name=op.f('ck_lead_decision_reason_given')),
    sa.ForeignKeyConstraint(['decided_by'], ['app_user.id'], name=op.f('fk_lead_decision_decided_by_app_user')),
    sa.ForeignKeyConstraint(['marker_id'], ['app_user.id'], name=op.f('fk_lead_decision_marker_id_app_user')),
    sa.ForeignKeyConstraint(['npq_code'], ['npq.code'], name=op.f('fk_lead_decision_npq_code_npq')),
    sa.ForeignKeyConstraint(['window_id'], ['assessment_window.id'], name=op.f('fk_lead_decision_window_id_assessment_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_decision'))
    )
    op.create_index(op.f('ix_lead_decision_window_id'), 'lead_decision', ['window_id'], unique=False)

    # A seed is an allocation with no entry and no submitted version. SQLite rebuilds the
    # table: its partial index is made again by hand, with its WHERE clause.
    op.drop_index('uq_allocation_live', table_name='allocation')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.alter_column('entry_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('version_id', existing_type=sa.Integer(), nullable=True)
    op.create_index('uq_allocation_live', 'allocation', ['entry_id', 'role'], unique=True,
                    sqlite_where=LIVE_INDEX_WHERE, postgresql_where=LIVE_INDEX_WHERE)

    op.create_table('seed_script',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('marker_id', sa.Integer(), nullable=False),
    sa.Column('definitive_id', sa.Integer(), nullable=False),
    sa.Column('allocation_id', sa.Integer(), nullable=False),
    sa.Column('purpose', _enum('seedpurpose', 'qualification', 'live'), nullable=False),
    sa.Column('candidate_number', sa.String(length=12), nullable=False),
    sa.Column('issued_at', UTC_DATETIME, nullable=False),
    sa.Column('agrees', sa.Boolean(), nullable=True),
    sa.Column('differences', sa.Text(), nullable=False),
    sa.Column('checked_at', UTC_DATETIME, nullable=True),
    sa.ForeignKeyConstraint(['allocation_id'], ['allocation.id'], name=op.f('fk_seed_script_allocation_id_allocation')),
    sa.ForeignKeyConstraint(['definitive_id'], ['definitive_script.id'], name=op.f('fk_seed_script_definitive_id_definitive_script')),
    sa.ForeignKeyConstraint(['marker_id'], ['app_user.id'], name=op.f('fk_seed_script_marker_id_app_user')),
    sa.ForeignKeyConstraint(['window_id'], ['assessment_window.id'], name=op.f('fk_seed_script_window_id_assessment_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seed_script')),
    sa.UniqueConstraint('allocation_id', name=op.f('uq_seed_script_allocation_id')),
    sa.UniqueConstraint('candidate_number', name=op.f('uq_seed_script_candidate_number')),
    sa.UniqueConstraint('marker_id', 'definitive_id', name=op.f('uq_seed_script_marker_id_definitive_id'))
    )
    op.create_index(op.f('ix_seed_script_marker_id'), 'seed_script', ['marker_id'], unique=False)
    op.create_index(op.f('ix_seed_script_window_id'), 'seed_script', ['window_id'], unique=False)

    # Second marking ordered by the lead because of drift: a new sample reason.
    _sample_reasons(BEFORE, BEFORE + ('drift',))


BEFORE = ('fail', 'borderline', 'share')


def _sample_reasons(old, values):
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_second_marking_sample_samplereason'), 'second_marking_sample', type_='check')
        listed = ", ".join(f"'{v}'" for v in values)
        op.create_check_constraint(op.f('ck_second_marking_sample_samplereason'), 'second_marking_sample',
                                   sa.text(f"reason IN ({listed})"))
        return
    # SQLite: rebuild the table with the new list (its CHECK goes with the column type).
    with op.batch_alter_table('second_marking_sample', recreate='always') as batch_op:
        batch_op.alter_column('reason', existing_type=_sample_reason(*old),
                              type_=_sample_reason(*values), existing_nullable=False)


def downgrade():
    op.execute("DELETE FROM second_marking_sample WHERE reason = 'drift'")
    _sample_reasons(BEFORE + ('drift',), BEFORE)
    op.drop_index(op.f('ix_seed_script_window_id'), table_name='seed_script')
    op.drop_index(op.f('ix_seed_script_marker_id'), table_name='seed_script')
    op.drop_table('seed_script')
    op.execute("DELETE FROM judgement WHERE mark_id IN (SELECT mark.id FROM mark JOIN allocation "
               "ON allocation.id = mark.allocation_id WHERE allocation.entry_id IS NULL)")
    op.execute("DELETE FROM mark WHERE allocation_id IN (SELECT id FROM allocation WHERE entry_id IS NULL)")
    op.execute("DELETE FROM allocation WHERE entry_id IS NULL")
    op.drop_index('uq_allocation_live', table_name='allocation')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.alter_column('version_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('entry_id', existing_type=sa.Integer(), nullable=False)
    op.create_index('uq_allocation_live', 'allocation', ['entry_id', 'role'], unique=True,
                    sqlite_where=LIVE_INDEX_WHERE, postgresql_where=LIVE_INDEX_WHERE)
    op.drop_index(op.f('ix_lead_decision_window_id'), table_name='lead_decision')
    op.drop_table('lead_decision')
    op.drop_index(op.f('ix_definitive_script_window_id'), table_name='definitive_script')
    op.drop_table('definitive_script')
    op.drop_table('standardisation_setting')
