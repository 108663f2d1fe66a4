"""phone accounts: e-mail optional (unique when present), phone verified by a one-time code, codes, saved addresses,
invitations to a phone

Revision ID: 0009_phone_accounts
Revises: 0008_phone_e164
Create Date: 2026-12-03 04:20:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009_phone_accounts'
down_revision = '0008_phone_e164'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.add_column(sa.Column('phone_verified_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
    op.create_table(
        'one_time_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column(
            'purpose',
            sa.Enum(
                'sign_in',
                'cod_confirm',
                'invite',
                name='otp_purpose',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_codes')),
    )
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.create_index('ix_one_time_codes_phone_sent', ['phone', 'sent_at'], unique=False)
        batch_op.create_index('ix_one_time_codes_client_sent', ['client', 'sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_one_time_codes_sent_at'), ['sent_at'], unique=False)
    op.create_table(
        'addresses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('commune_code', sa.Integer(), nullable=False),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_addresses_user_id_users'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['commune_code'], ['communes.code'], name=op.f('fk_addresses_commune_code_communes')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_addresses')),
    )
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_addresses_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_addresses_user_id'))
    op.drop_table('addresses')
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_time_codes_sent_at'))
        batch_op.drop_index('ix_one_time_codes_client_sent')
        batch_op.drop_index('ix_one_time_codes_phone_sent')
    op.drop_table('one_time_codes')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('phone')
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('phone_verified_at')
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
