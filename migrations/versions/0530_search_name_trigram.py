"""catalog: a trigram index on the search documents' folded names, so autocomplete narrows on PostgreSQL

Revision ID: 0530_search_name_trigram
Revises: 0520_search_marked_names
Create Date: 2026-12-03 11:30:00+00:00
"""

from __future__ import annotations

from alembic import op

revision = "0530_search_name_trigram"
down_revision = "0520_search_marked_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a GIN trigram index on PostgreSQL (autocomplete's `name LIKE '%w%'`); a plain index on SQLite, as for
    # `document`, where FTS5 answers instead
    with op.batch_alter_table("product_search_docs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_product_search_docs_name",
            ["name"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        )


def downgrade() -> None:
    with op.batch_alter_table("product_search_docs", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_product_search_docs_name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}
        )
