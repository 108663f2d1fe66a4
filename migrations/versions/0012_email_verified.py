"""account identifiers: an e-mail added or changed on the account page is proven by a link (users.email_verified_at);
a code to a phone being added to an account has its own purpose (verify_phone)

Revision ID: 0012_email_verified
Revises: 0009_phone_accounts
Create Date: 2026-12-03 05:30:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012_email_verified'
down_revision = '0009_phone_accounts'
branch_labels = None
depends_on = None

OLD = ('sign_in', 'cod_confirm', 'invite')
NEW = (*OLD, 'verify_phone')


def _purpose_check(batch_op, values) -> None:
    batch_op.drop_constraint(op.f('ck_one_time_codes_otp_purpose'), type_='check')
    batch_op.create_check_constraint('otp_purpose', sa.column('purpose').in_(values))


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        _purpose_check(batch_op, NEW)


def downgrade() -> None:
    op.execute("DELETE FROM one_time_codes WHERE purpose = 'verify_phone'")
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        _purpose_check(batch_op, OLD)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
