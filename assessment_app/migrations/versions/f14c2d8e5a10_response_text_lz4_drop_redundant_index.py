"""Response texts compressed with lz4 on PostgreSQL; the redundant submission_version index gone

Revision ID: f14c2d8e5a10
Revises: f10b2e6d4a87
Create Date: 2026-12-02 06:40:00.000000

"""
from alembic import op

from assessment_app.models.responses import text_compression_ddl

# revision identifiers, used by Alembic.
revision = 'f14c2d8e5a10'
down_revision = 'f10b2e6d4a87'
branch_labels = None
depends_on = None


def upgrade():
    # Rows already stored keep their compression until rewritten; new ones use lz4.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(text_compression_ddl('lz4'))
    # Both unique constraints (entry_id, number) and (entry_id, client_token) serve it.
    with op.batch_alter_table('submission_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_version_entry_id'))


def downgrade():
    with op.batch_alter_table('submission_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_version_entry_id'), ['entry_id'],
                              unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(text_compression_ddl('pglz'))
