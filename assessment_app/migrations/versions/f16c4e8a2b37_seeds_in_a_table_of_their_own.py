"""Seeds in a table of their own: a seed keeps its queue state and its mark, so every
allocation has an entry and a version

Revision ID: f16c4e8a2b37
Revises: f16b5d1a7c32
Create Date: 2026-12-06 09:00:00

A seed used to be an allocation without an entry (seed_script.allocation_id). Each seed's
status, return time and reason move onto its seed_script row; its mark (and so the mark's
judgements) is re-pointed from the allocation to the seed (mark.seed_id, exactly one of the two
set); the seeds' allocations are deleted; allocation.entry_id and version_id become NOT NULL.
"""
import sqlalchemy as sa
from alembic import op

import assessment_app.timetypes

revision = 'f16c4e8a2b37'
down_revision = 'f16b5d1a7c32'
branch_labels = None
depends_on = None

UTC_DATETIME = assessment_app.timetypes.UTCDateTime(timezone=True)
LIVE_INDEX_WHERE = sa.text("status != 'returned'")
STATUSES = "status IN ('allocated', 'submitted', 'returned')"


def _foreign_keys(on: bool) -> None:
    """SQLite rebuilds a table to alter it, dropping the old one, which rows of other tables
    still reference: its foreign keys are checked again, by SQLite, once the move is done."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    # The seed's place in its marker's queue, from its allocation.
    with op.batch_alter_table('seed_script', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('returned_at', UTC_DATETIME, nullable=True))
        batch_op.add_column(sa.Column('return_reason', sa.Text(), nullable=True))
    for column in ('status', 'returned_at', 'return_reason'):
        op.execute(f"UPDATE seed_script SET {column} = (SELECT allocation.{column} FROM allocation "
                   "WHERE allocation.id = seed_script.allocation_id)")

    # A mark belongs to an allocation or to a seed, never both.
    with op.batch_alter_table('mark', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seed_id', sa.Integer(), nullable=True))
        batch_op.alter_column('allocation_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_mark_seed_id'), ['seed_id'])
        batch_op.create_foreign_key(batch_op.f('fk_mark_seed_id_seed_script'), 'seed_script',
                                    ['seed_id'], ['id'])
    op.execute("UPDATE mark SET seed_id = (SELECT seed_script.id FROM seed_script "
               "WHERE seed_script.allocation_id = mark.allocation_id)")
    op.execute("UPDATE mark SET allocation_id = NULL WHERE seed_id IS NOT NULL")
    with op.batch_alter_table('mark', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_mark_one_script'),
                                         '(allocation_id IS NULL) != (seed_id IS NULL)')

    with op.batch_alter_table('seed_script', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_check_constraint(batch_op.f('ck_seed_script_allocationstatus'), STATUSES)
        batch_op.drop_constraint(batch_op.f('uq_seed_script_allocation_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_seed_script_allocation_id_allocation'),
                                 type_='foreignkey')
        batch_op.drop_column('allocation_id')

    # Every allocation left is a live script's. SQLite rebuilds the table: its partial index
    # is made again by hand, with its WHERE clause.
    op.execute("DELETE FROM allocation WHERE entry_id IS NULL")
    op.drop_index('uq_allocation_live', table_name='allocation')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.alter_column('entry_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('version_id', existing_type=sa.Integer(), nullable=False)
    op.create_index('uq_allocation_live', 'allocation', ['entry_id', 'role'], unique=True,
                    sqlite_where=LIVE_INDEX_WHERE, postgresql_where=LIVE_INDEX_WHERE)
    _foreign_keys(True)


def downgrade():
    _foreign_keys(False)
    op.drop_index('uq_allocation_live', table_name='allocation')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.alter_column('entry_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('version_id', existing_type=sa.Integer(), nullable=True)
    op.create_index('uq_allocation_live', 'allocation', ['entry_id', 'role'], unique=True,
                    sqlite_where=LIVE_INDEX_WHERE, postgresql_where=LIVE_INDEX_WHERE)

    # Each seed becomes an allocation without an entry again, numbered after the live ones.
    with op.batch_alter_table('seed_script', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allocation_id', sa.Integer(), nullable=True))
    op.execute("UPDATE seed_script SET allocation_id = seed_script.id "
               "+ (SELECT COALESCE(MAX(allocation.id), 0) FROM allocation)")
    op.execute("INSERT INTO allocation (id, entry_id, version_id, marker_id, role, status, "
               "allocated_at, returned_at, return_reason) SELECT allocation_id, NULL, NULL, "
               "marker_id, 'first', status, issued_at, returned_at, return_reason FROM seed_script")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('allocation', 'id'), "
                   "(SELECT COALESCE(MAX(id), 1) FROM allocation))")
    with op.batch_alter_table('mark', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_mark_one_script'), type_='check')
    op.execute("UPDATE mark SET allocation_id = (SELECT seed_script.allocation_id FROM seed_script "
               "WHERE seed_script.id = mark.seed_id) WHERE seed_id IS NOT NULL")
    with op.batch_alter_table('mark', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mark_seed_id_seed_script'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_mark_seed_id'), type_='unique')
        batch_op.drop_column('seed_id')
        batch_op.alter_column('allocation_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('seed_script', schema=None) as batch_op:
        batch_op.alter_column('allocation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_seed_script_allocation_id'),
                                          ['allocation_id'])
        batch_op.create_foreign_key(batch_op.f('fk_seed_script_allocation_id_allocation'),
                                    'allocation', ['allocation_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_seed_script_allocationstatus'), type_='check')
        batch_op.drop_column('return_reason')
        batch_op.drop_column('returned_at')
        batch_op.drop_column('status')
    _foreign_keys(True)
