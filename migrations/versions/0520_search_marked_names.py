"""catalog: product names with their Vietnamese marks in the search index, to rank exact-mark matches first

Revision ID: 0520_search_marked_names
Revises: 0510_workspace_indexes
Create Date: 2026-12-03 07:00:00+00:00
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op


revision = "0520_search_marked_names"
down_revision = "0510_workspace_indexes"
branch_labels = None
depends_on = None


def _marked(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).lower().split())


def upgrade() -> None:
    with op.batch_alter_table("product_search_docs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_marked", sa.String(length=200), nullable=False, server_default=""))
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT d.product_id, p.name FROM product_search_docs d JOIN products p ON p.id = d.product_id")
    ).all()
    if rows:
        conn.execute(
            sa.text("UPDATE product_search_docs SET name_marked = :marked WHERE product_id = :pid"),
            [{"pid": pid, "marked": _marked(name)} for pid, name in rows],
        )


def downgrade() -> None:
    with op.batch_alter_table("product_search_docs", schema=None) as batch_op:
        batch_op.drop_column("name_marked")
