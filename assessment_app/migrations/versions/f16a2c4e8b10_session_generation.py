"""Sessions that end: the account's session generation, bumped by sign-out, a new password and deactivation

Revision ID: f16a2c4e8b10
Revises: f15b3d7e2c91
Create Date: 2026-12-10 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f16a2c4e8b10'
down_revision = 'f15b3d7e2c91'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    # Dropped in place (SQLite 3.35+ and PostgreSQL alike): a batch would rebuild app_user on
    # SQLite, and dropping the old table trips the foreign keys of every row that names a user.
    op.execute('ALTER TABLE app_user DROP COLUMN session_generation')
