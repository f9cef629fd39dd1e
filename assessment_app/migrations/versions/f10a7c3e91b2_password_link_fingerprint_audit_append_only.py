"""Password links voided by a password change; the audit table append-only on PostgreSQL

Revision ID: f10a7c3e91b2
Revises: f13a7c2e91b4
Create Date: 2026-12-01 17:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

from assessment_app.models.audit import APPEND_ONLY_DDL, DROP_APPEND_ONLY_DDL

# revision identifiers, used by Alembic.
revision = 'f10a7c3e91b2'
down_revision = 'f13a7c2e91b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('password_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_fingerprint', sa.String(length=64), nullable=True))
    # Links made before this have no fingerprint: a first-time link (no password yet) still
    # works; a reset link for someone with a password stops, and they ask for a new one.
    if op.get_bind().dialect.name == 'postgresql':
        for statement in APPEND_ONLY_DDL:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for statement in DROP_APPEND_ONLY_DDL:
            op.execute(statement)
    with op.batch_alter_table('password_token', schema=None) as batch_op:
        batch_op.drop_column('password_fingerprint')
