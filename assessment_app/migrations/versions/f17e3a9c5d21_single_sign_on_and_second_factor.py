"""Single sign-on and the staff second factor: the identity an account is linked to, its
authenticator app, recovery codes, and how each staff role signs in (admins: a second factor)

Revision ID: f17e3a9c5d21
Revises: f17d2a9c4e51
Create Date: 2026-12-06 11:20:00

"""
import sqlalchemy as sa
from alembic import op

import assessment_app.timetypes

revision = 'f17e3a9c5d21'
down_revision = 'f17d2a9c4e51'
branch_labels = None
depends_on = None

UTC_DATETIME = assessment_app.timetypes.UTCDateTime(timezone=True)
USER_COLUMNS = ('oidc_issuer', 'oidc_subject', 'totp_secret', 'totp_enabled_at',
                'totp_last_step')


def upgrade():
    # Added in place, not by a batch: a batch rebuilds app_user on SQLite and trips the
    # foreign keys of every row that names a user.
    op.add_column('app_user', sa.Column('oidc_issuer', sa.String(length=500), nullable=True))
    op.add_column('app_user', sa.Column('oidc_subject', sa.String(length=255), nullable=True))
    op.add_column('app_user', sa.Column('totp_secret', sa.String(length=64), nullable=True))
    op.add_column('app_user', sa.Column('totp_enabled_at', UTC_DATETIME, nullable=True))
    op.add_column('app_user', sa.Column('totp_last_step', sa.Integer(), nullable=True))
    op.create_index('uq_app_user_oidc_identity', 'app_user', ['oidc_issuer', 'oidc_subject'],
                    unique=True)
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=255), nullable=False),
        sa.Column('used_at', UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'],
                                name=op.f('fk_recovery_code_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    )
    op.create_index(op.f('ix_recovery_code_user_id'), 'recovery_code', ['user_id'])
    rules = op.create_table(
        'sign_in_rule',
        sa.Column('role', sa.Enum('participant', 'marker', 'moderator', 'admin',
                                  name='role', native_enum=False, create_constraint=True,
                                  length=32), nullable=False),
        sa.Column('second_factor_required', sa.Boolean(), nullable=False),
        sa.Column('single_sign_on_required', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('role', name=op.f('pk_sign_in_rule')),
    )
    # Admins read EC evidence, which is health data: their second factor is on from the start.
    op.bulk_insert(rules, [{'role': 'admin', 'second_factor_required': True,
                            'single_sign_on_required': False}])


def downgrade():
    op.drop_table('sign_in_rule')
    op.drop_index(op.f('ix_recovery_code_user_id'), table_name='recovery_code')
    op.drop_table('recovery_code')
    op.drop_index('uq_app_user_oidc_identity', table_name='app_user')
    for column in USER_COLUMNS:
        op.execute(f'ALTER TABLE app_user DROP COLUMN {column}')
