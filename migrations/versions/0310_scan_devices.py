"""traceability: scans name their device; a label's scan_count becomes the number of distinct devices

Revision ID: 0310_scan_devices
Revises: 0300_traceability
Create Date: 2026-12-02 23:55:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0310_scan_devices'
down_revision = '0300_traceability'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_hash', sa.String(length=16), nullable=False, server_default=''))
        batch_op.create_index('ix_scans_label_device', ['label_id', 'device_hash'], unique=False)
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.alter_column('device_hash', server_default=None)
    # Old scans knew only their address-and-browser hash: that is their device.
    op.execute("UPDATE scans SET device_hash = client_hash")
    op.execute(
        "UPDATE labels SET scan_count = (SELECT COUNT(DISTINCT scans.device_hash) FROM scans "
        "WHERE scans.label_id = labels.id) WHERE EXISTS (SELECT 1 FROM scans WHERE scans.label_id = labels.id)"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE labels SET scan_count = (SELECT COUNT(*) FROM scans WHERE scans.label_id = labels.id) "
        "WHERE EXISTS (SELECT 1 FROM scans WHERE scans.label_id = labels.id)"
    )
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_index('ix_scans_label_device')
        batch_op.drop_column('device_hash')
