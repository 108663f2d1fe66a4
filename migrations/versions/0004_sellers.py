"""sellers: a cooperative's status (pending, verified, rejected) replaces the verified flag; the four OCOP kinds take
their API codes (htx, tht, hkd, dn); registration number, representative, certificate photos, rejection reason

Revision ID: 0004_sellers
Revises: 0003_sessions
Create Date: 2026-12-03 03:30:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_sellers'
down_revision = '0003_sessions'
branch_labels = None
depends_on = None

KIND_RENAMES = (('to_hop_tac', 'tht'), ('ho_san_xuat', 'hkd'), ('doanh_nghiep', 'dn'))
NEW_KINDS = "'htx', 'tht', 'hkd', 'dn'"
OLD_KINDS = "'htx', 'to_hop_tac', 'ho_san_xuat', 'doanh_nghiep'"


def _rename_kinds(pairs) -> None:
    for old, new in pairs:
        op.execute(sa.text('UPDATE cooperatives SET kind = :new WHERE kind = :old').bindparams(new=new, old=old))


def upgrade() -> None:
    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cooperatives_cooperative_kind'), type_='check')
        batch_op.add_column(sa.Column('status', sa.String(length=32), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('registration_no', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('representative', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('registration_doc_path', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('ocop_doc_path', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rejection_reason', sa.Text(), nullable=True))
    _rename_kinds(KIND_RENAMES)
    op.execute("UPDATE cooperatives SET status = 'verified' WHERE verified")
    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.drop_column('verified')
        batch_op.create_check_constraint('cooperative_kind', sa.text(f'kind IN ({NEW_KINDS})'))
        batch_op.create_check_constraint('cooperative_status', sa.text("status IN ('pending', 'verified', 'rejected')"))
        batch_op.create_index(batch_op.f('ix_cooperatives_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cooperatives_status'))
        batch_op.drop_constraint(op.f('ck_cooperatives_cooperative_status'), type_='check')
        batch_op.drop_constraint(op.f('ck_cooperatives_cooperative_kind'), type_='check')
        batch_op.add_column(sa.Column('verified', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE cooperatives SET verified = (status = 'verified')")
    _rename_kinds((new, old) for old, new in KIND_RENAMES)
    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        for column in ('rejection_reason', 'submitted_at', 'ocop_doc_path', 'registration_doc_path', 'representative',
                       'registration_no', 'status'):
            batch_op.drop_column(column)
        batch_op.create_check_constraint('cooperative_kind', sa.text(f'kind IN ({OLD_KINDS})'))
