"""traceability: drop the scans indexes that are the first column of a wider one

ix_scans_label_id is the prefix of ix_scans_label_scanned_at and ix_scans_label_device, ix_scans_cooperative_id
the prefix of ix_scans_cooperative_scanned_at (0510): every query that used them uses the wider ones. Each index
is one more page written (and, on SQLite, read again after another worker's commit) per recorded scan.

Revision ID: 0350_scans_prefix_indexes
Revises: 0340_keyed_chain
Create Date: 2026-12-03 14:50:00+00:00
"""

from __future__ import annotations

from alembic import op

revision = "0350_scans_prefix_indexes"
down_revision = "0340_keyed_chain"
branch_labels = None
depends_on = ("0510_workspace_indexes",)


def upgrade() -> None:
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.drop_index("ix_scans_label_id")
        batch_op.drop_index("ix_scans_cooperative_id")


def downgrade() -> None:
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.create_index("ix_scans_cooperative_id", ["cooperative_id"], unique=False)
        batch_op.create_index("ix_scans_label_id", ["label_id"], unique=False)
