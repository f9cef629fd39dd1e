"""The external moderator's pack built by the scheduler: one row per build; each upload's copy
naming nobody, made when it is uploaded

Revision ID: f19a6c2e8d41
Revises: f18b2c7d4e90
Create Date: 2026-12-06 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import assessment_app.timetypes

# revision identifiers, used by Alembic.
revision = 'f19a6c2e8d41'
down_revision = 'f18b2c7d4e90'
branch_labels = None
depends_on = None

LIVE_WHERE = sa.text("status IN ('queued', 'building')")


def upgrade():
    with op.batch_alter_table('response_upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('copy_naming_nobody', sa.LargeBinary(), nullable=True))
    op.create_table(
        'moderation_pack',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('window_id', sa.Integer(), nullable=False),
        sa.Column('requested_by', sa.Integer(), nullable=False),
        sa.Column('requested_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column('status', sa.Enum('queued', 'building', 'ready', 'failed', 'removed',
                                    name='packstatus', native_enum=False, create_constraint=True,
                                    length=32), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=200), nullable=False),
        sa.Column('builder', sa.String(length=200), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('started_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=True),
        sa.Column('size', sa.BigInteger(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['requested_by'], ['app_user.id'],
                                name=op.f('fk_moderation_pack_requested_by_app_user')),
        sa.ForeignKeyConstraint(['window_id'], ['assessment_window.id'],
                                name=op.f('fk_moderation_pack_window_id_assessment_window')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_pack')),
    )
    with op.batch_alter_table('moderation_pack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_pack_window_id'), ['window_id'], unique=False)
        batch_op.create_index('uq_moderation_pack_live', ['window_id'], unique=True,
                              sqlite_where=LIVE_WHERE, postgresql_where=LIVE_WHERE)


def downgrade():
    with op.batch_alter_table('moderation_pack', schema=None) as batch_op:
        batch_op.drop_index('uq_moderation_pack_live')
        batch_op.drop_index(batch_op.f('ix_moderation_pack_window_id'))
    op.drop_table('moderation_pack')
    with op.batch_alter_table('response_upload', schema=None) as batch_op:
        batch_op.drop_column('copy_naming_nobody')
