"""catalog: SQLite's FTS5 search table keeps one-letter prefixes too, so a word typed one letter in answers quickly

Revision ID: 0540_search_one_letter_prefix
Revises: 0530_search_name_trigram
Create Date: 2026-12-03 11:50:00+00:00
"""

from __future__ import annotations

from alembic import op

revision = "0540_search_one_letter_prefix"
down_revision = "0530_search_name_trigram"
branch_labels = None
depends_on = None

COLUMNS = "name, document, tokenize = 'unicode61 remove_diacritics 0'"


def _rebuild(prefixes: str) -> None:
    """The FTS5 table again with these prefix indexes, filled from the search documents (PostgreSQL has none)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE IF EXISTS search_products_fts")
    op.execute(f"CREATE VIRTUAL TABLE search_products_fts USING fts5({COLUMNS}, prefix = '{prefixes}')")
    op.execute(
        "INSERT INTO search_products_fts(rowid, name, document) SELECT product_id, name, document FROM product_search_docs"
    )


def upgrade() -> None:
    _rebuild("1 2 3")


def downgrade() -> None:
    _rebuild("2 3")
