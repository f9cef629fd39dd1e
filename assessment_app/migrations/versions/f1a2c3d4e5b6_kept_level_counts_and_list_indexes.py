"""Kept counts for the marking page and the distribution report; indexes for long lists

Revision ID: f1a2c3d4e5b6
Revises: f19c4a7e2b15
Create Date: 2026-12-06 15:10:00.000000

The level counts are made from the marks already submitted, and each entry's checking_open
from its allocations, case and sample by the rule services/checking.py keeps it by, so the
pages read the same after the upgrade as before it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2c3d4e5b6'
down_revision = 'f19c4a7e2b15'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'level_count',
        sa.Column('window_id', sa.Integer(), nullable=False),
        sa.Column('marker_id', sa.Integer(), nullable=False),
        sa.Column('npq_code', sa.String(length=20), nullable=False),
        sa.Column('rubric_version', sa.String(length=64), nullable=False),
        sa.Column('criterion_id', sa.String(length=64), nullable=False),
        sa.Column('level_id', sa.String(length=64), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['marker_id'], ['app_user.id'],
                                name=op.f('fk_level_count_marker_id_app_user')),
        sa.ForeignKeyConstraint(['window_id'], ['assessment_window.id'],
                                name=op.f('fk_level_count_window_id_assessment_window')),
        sa.PrimaryKeyConstraint('window_id', 'marker_id', 'npq_code', 'rubric_version',
                                'criterion_id', 'level_id', name=op.f('pk_level_count')),
    )
    op.execute("""
        INSERT INTO level_count (window_id, marker_id, npq_code, rubric_version, criterion_id,
                                 level_id, n)
        SELECT entry.window_id, allocation.marker_id, entry.npq_code, mark.rubric_version,
               judgement.criterion_id, judgement.level_id, count(judgement.id)
        FROM judgement JOIN mark ON mark.id = judgement.mark_id
        JOIN allocation ON allocation.id = mark.allocation_id
        JOIN entry ON entry.id = allocation.entry_id
        WHERE allocation.status = 'submitted' AND judgement.level_id IS NOT NULL
        GROUP BY entry.window_id, allocation.marker_id, entry.npq_code, mark.rubric_version,
                 judgement.criterion_id, judgement.level_id
    """)
    # Not a batch: SQLite would copy the table, which the foreign keys to it refuse.
    op.add_column('entry', sa.Column('checking_open', sa.Boolean(), server_default=sa.true(),
                                     nullable=False))
    # Finished: a decided case; or no case, a submitted first mark, and no second mark wanted
    # (sampled, allocated, a fail or borderline first mark) that is not in.
    op.execute("""
        UPDATE entry SET checking_open = NOT (
            EXISTS (SELECT 1 FROM moderation m
                    WHERE m.entry_id = entry.id AND m.decided_at IS NOT NULL)
            OR (NOT EXISTS (SELECT 1 FROM moderation m WHERE m.entry_id = entry.id)
                AND EXISTS (SELECT 1 FROM allocation f JOIN mark k ON k.allocation_id = f.id
                            WHERE f.entry_id = entry.id AND f.role = 'first'
                              AND f.status = 'submitted'
                              AND NOT ((k.outcome = 'fail' OR k.borderline
                                        OR EXISTS (SELECT 1 FROM second_marking_sample s
                                                   WHERE s.entry_id = entry.id)
                                        OR EXISTS (SELECT 1 FROM allocation s
                                                   WHERE s.entry_id = entry.id
                                                     AND s.role = 'second'
                                                     AND s.status != 'returned'))
                                       AND NOT EXISTS (SELECT 1 FROM allocation s
                                                       WHERE s.entry_id = entry.id
                                                         AND s.role = 'second'
                                                         AND s.status = 'submitted')))))
    """)
    # The window page's entries by NPQ then entry; the marking page's scripts by candidate
    # number; a marker's queue by status: each a page read in index order, not a sort of all.
    op.create_index('ix_entry_window_npq', 'entry', ['window_id', 'npq_code', 'id'])
    op.create_index('ix_entry_window_candidate', 'entry', ['window_id', 'candidate_number'])
    op.create_index('ix_allocation_marker_status', 'allocation',
                    ['marker_id', 'status', 'allocated_at'])


def downgrade():
    op.drop_index('ix_allocation_marker_status', table_name='allocation')
    op.drop_index('ix_entry_window_candidate', table_name='entry')
    op.drop_index('ix_entry_window_npq', table_name='entry')
    op.drop_table('level_count')
    # Not a batch: SQLite would copy the table, which the foreign keys to it refuse.
    op.execute('ALTER TABLE entry DROP COLUMN checking_open')
