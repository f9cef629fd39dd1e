"""The DfE's lead-provider API: the DfE's participant id, school URN and training status on a
person; the outbox of calls to the DfE; participants fetched and waiting to be applied

Revision ID: f17d2e9a4c61
Revises: f16c4e8a2b37
Create Date: 2026-12-06 10:19:24.934138

"""
import sqlalchemy as sa
from alembic import op

import assessment_app.timetypes

# revision identifiers, used by Alembic.
revision = 'f17d2e9a4c61'
down_revision = 'f16c4e8a2b37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dfe_participant_fetch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fetched_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fetched_by', sa.Integer(), nullable=False),
    sa.Column('updated_since', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('records', sa.JSON(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('applied_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['fetched_by'], ['app_user.id'], name=op.f('fk_dfe_participant_fetch_fetched_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dfe_participant_fetch'))
    )
    with op.batch_alter_table('dfe_participant_fetch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dfe_participant_fetch_applied_at'), ['applied_at'], unique=False)

    op.create_table('dfe_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('participant_id', sa.String(length=36), nullable=False),
    sa.Column('course_identifier', sa.String(length=60), nullable=False),
    sa.Column('has_passed', sa.Boolean(), nullable=True),
    sa.Column('declaration_date', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('voids_id', sa.Integer(), nullable=True),
    sa.Column('after_id', sa.Integer(), nullable=True),
    sa.Column('created_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('send_after', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('started_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('dfe_declaration_id', sa.String(length=36), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(action = 'declare') = (has_passed IS NOT NULL)", name=op.f('ck_dfe_call_declare_passed')),
    sa.CheckConstraint("(action = 'void') = (voids_id IS NOT NULL)", name=op.f('ck_dfe_call_void_target')),
    sa.CheckConstraint("action IN ('declare', 'void')", name=op.f('ck_dfe_call_action_known')),
    sa.ForeignKeyConstraint(['after_id'], ['dfe_call.id'], name=op.f('fk_dfe_call_after_id_dfe_call')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_dfe_call_entry_id_entry')),
    sa.ForeignKeyConstraint(['voids_id'], ['dfe_call.id'], name=op.f('fk_dfe_call_voids_id_dfe_call')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dfe_call')),
    sa.UniqueConstraint('key', name=op.f('uq_dfe_call_key'))
    )
    with op.batch_alter_table('dfe_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dfe_call_done_at'), ['done_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dfe_call_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dfe_call_send_after'), ['send_after'], unique=False)

    # In place, with a unique index (SQLite and PostgreSQL alike): a batch would rebuild
    # app_user on SQLite, and dropping the old table trips the foreign keys of every row that
    # names a user.
    op.add_column('app_user', sa.Column('dfe_participant_id', sa.String(length=36), nullable=True))
    op.add_column('app_user', sa.Column('school_urn', sa.String(length=20), nullable=True))
    op.add_column('app_user', sa.Column('dfe_training_status', sa.String(length=20), nullable=True))
    op.create_index(op.f('ix_app_user_dfe_participant_id'), 'app_user', ['dfe_participant_id'],
                    unique=True)


def downgrade():
    op.drop_index(op.f('ix_app_user_dfe_participant_id'), table_name='app_user')
    for column in ('dfe_training_status', 'school_urn', 'dfe_participant_id'):
        op.execute(f'ALTER TABLE app_user DROP COLUMN {column}')  # in place, as above

    with op.batch_alter_table('dfe_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dfe_call_send_after'))
        batch_op.drop_index(batch_op.f('ix_dfe_call_entry_id'))
        batch_op.drop_index(batch_op.f('ix_dfe_call_done_at'))

    op.drop_table('dfe_call')
    with op.batch_alter_table('dfe_participant_fetch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dfe_participant_fetch_applied_at'))

    op.drop_table('dfe_participant_fetch')
