"""Mail that never stops: a message that cannot be sent is set aside with its reason

Revision ID: f16b5d1a7c32
Revises: f16a2c4e8b10
Create Date: 2026-12-10 11:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import assessment_app.timetypes

# revision identifiers, used by Alembic.
revision = 'f16b5d1a7c32'
down_revision = 'f16a2c4e8b10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('set_aside_at',
                                      assessment_app.timetypes.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('set_aside_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('set_aside_reason')
        batch_op.drop_column('set_aside_at')
