"""accounts: users.phone in E.164 (`+84912345678`), one account per number (partial unique index)

Existing values in any Vietnamese mobile spelling (`0912345678`, `84912…`, full-width digits) become E.164; text that
is no mobile number is cleared (a phone was optional and never a sign-in name). When two accounts end up with the same
number, the oldest account keeps it and the others' phone is cleared.

Revision ID: 0008_phone_e164
Revises: 0004_sellers
Create Date: 2026-12-03 03:40:00+00:00
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0008_phone_e164'
down_revision = '0004_sellers'
branch_labels = None
depends_on = None

_MOBILE = re.compile(r'^(?:\+?84|0)([0-9]{9})$')


def _e164(value: str | None) -> str | None:
    """The same rule as marketplace.text.normalise_phone_e164, frozen here as it was when this ran."""
    digits = re.sub(r'[\s.\-()]', '', unicodedata.normalize('NFKC', value or ''))
    match = _MOBILE.match(digits)
    return '+84' + match.group(1) if match else None


def _national(value: str | None) -> str | None:
    return '0' + value[3:] if value and value.startswith('+84') else value


def _rewrite(convert) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text('SELECT id, phone FROM users WHERE phone IS NOT NULL ORDER BY id')).all()
    seen: set[str] = set()
    for user_id, phone in rows:
        new = convert(phone)
        if new in seen:
            new = None
        if new is not None:
            seen.add(new)
        if new != phone:
            conn.execute(sa.text('UPDATE users SET phone = :phone WHERE id = :id'), {'phone': new, 'id': user_id})


def upgrade() -> None:
    _rewrite(_e164)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(
            'ux_users_phone',
            ['phone'],
            unique=True,
            postgresql_where=sa.text('phone IS NOT NULL'),
            sqlite_where=sa.text('phone IS NOT NULL'),
        )


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ux_users_phone')
    _rewrite(_national)
