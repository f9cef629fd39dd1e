"""A people CSV kept between its preview and being applied

Revision ID: f18b2c7d4e90
Revises: f17e3a9c5d21
Create Date: 2026-12-06 11:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import assessment_app.timetypes

# revision identifiers, used by Alembic.
revision = 'f18b2c7d4e90'
down_revision = 'f17e3a9c5d21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'people_upload',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column('uploaded_by', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('applied_at', assessment_app.timetypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['uploaded_by'], ['app_user.id'],
                                name=op.f('fk_people_upload_uploaded_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_people_upload')),
    )


def downgrade():
    op.drop_table('people_upload')
