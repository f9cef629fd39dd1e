"""Near-copies among case-study papers: paper_resemblance, filled for the papers already in the bank

Revision ID: f15b3d7e2c91
Revises: f15a1d54bc20
Create Date: 2026-12-03 10:00:00.000000

"""
from datetime import UTC, datetime
from itertools import groupby

import sqlalchemy as sa
from alembic import op

import assessment_app.timetypes
from assessment_app.paper_likeness import near_copies

# revision identifiers, used by Alembic.
revision = 'f15b3d7e2c91'
down_revision = 'f15a1d54bc20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('paper_resemblance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('resembles_id', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('found_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('paper_id <> resembles_id', name=op.f('ck_paper_resemblance_not_itself')),
    sa.CheckConstraint('percent BETWEEN 0 AND 100', name=op.f('ck_paper_resemblance_percent_range')),
    sa.ForeignKeyConstraint(['paper_id'], ['case_paper.id'], name=op.f('fk_paper_resemblance_paper_id_case_paper'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resembles_id'], ['case_paper.id'], name=op.f('fk_paper_resemblance_resembles_id_case_paper'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_resemblance')),
    sa.UniqueConstraint('paper_id', 'resembles_id', name=op.f('uq_paper_resemblance_paper_id_resembles_id'))
    )
    with op.batch_alter_table('paper_resemblance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_resemblance_paper_id'), ['paper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_resemblance_resembles_id'), ['resembles_id'], unique=False)

    # The papers already in the bank are compared as a new upload is: each with every earlier
    # paper of its NPQ, so near-copies uploaded before this release count as one paper too.
    bind = op.get_bind()
    papers = bind.execute(sa.text(
        'SELECT id, npq_code, markdown FROM case_paper ORDER BY npq_code, id')).all()
    table = sa.table('paper_resemblance', sa.column('paper_id'), sa.column('resembles_id'),
                     sa.column('percent'),
                     sa.column('found_at', assessment_app.timetypes.UTCDateTime(timezone=True)))
    found_at = datetime.now(UTC)
    rows = []
    for _, bank in groupby(papers, key=lambda paper: paper.npq_code):
        earlier = {}
        for paper in bank:
            rows += [{'paper_id': paper.id, 'resembles_id': like.key,
                      'percent': like.whole_percent, 'found_at': found_at}
                     for like in near_copies(paper.markdown, earlier)]
            earlier[paper.id] = paper.markdown
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    with op.batch_alter_table('paper_resemblance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_resemblance_resembles_id'))
        batch_op.drop_index(batch_op.f('ix_paper_resemblance_paper_id'))

    op.drop_table('paper_resemblance')
