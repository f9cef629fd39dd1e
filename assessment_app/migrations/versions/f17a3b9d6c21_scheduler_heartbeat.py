"""The scheduler leader's heartbeat, read by /readyz

Revision ID: f17a3b9d6c21
Revises: f17d2e9a4c61
Create Date: 2026-12-06 10:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

import assessment_app.timetypes

# revision identifiers, used by Alembic.
revision = 'f17a3b9d6c21'
down_revision = 'f17d2e9a4c61'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduler_heartbeat',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('leader', sa.String(length=200), nullable=False),
        sa.Column('seen_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_heartbeat')),
    )


def downgrade():
    op.drop_table('scheduler_heartbeat')
