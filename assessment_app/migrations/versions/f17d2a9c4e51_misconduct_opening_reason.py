"""Why a misconduct case was opened: a reason, given by the admin who opens it

Revision ID: f17d2a9c4e51
Revises: f17a3b9d6c21
Create Date: 2026-12-06 10:30:00

Cases opened before this have none (NULL); every case opened from now on has one.
"""
import sqlalchemy as sa
from alembic import op

revision = 'f17d2a9c4e51'
down_revision = 'f17a3b9d6c21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('misconduct_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('misconduct_case', schema=None) as batch_op:
        batch_op.drop_column('opening_reason')
