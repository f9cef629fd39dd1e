"""Each script's similarity signature, kept between checks

Revision ID: f19c4a7e2b15
Revises: f19a6c2e8d41
Create Date: 2026-12-06 13:45:00.000000

Empty at first: the next check makes the signatures of the scripts it compares.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f19c4a7e2b15'
down_revision = 'f19a6c2e8d41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'script_signature',
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('text_sha256', sa.String(length=64), nullable=False),
        sa.Column('scheme', sa.Integer(), nullable=False),
        sa.Column('shingle_count', sa.Integer(), nullable=False),
        sa.Column('signature', sa.LargeBinary(), nullable=False),
        sa.Column('shingles', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['version_id'], ['submission_version.id'],
                                name=op.f('fk_script_signature_version_id_submission_version')),
        sa.PrimaryKeyConstraint('version_id', name=op.f('pk_script_signature')),
    )


def downgrade():
    op.drop_table('script_signature')
