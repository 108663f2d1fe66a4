"""catalog: SQLite keeps each match's facet key in its ranks row instead of computing it for every match of a search

Revision ID: 0620_search_facet_key
Revises: 0560_search_ranks
Create Date: 2026-12-04 01:30:00+00:00
"""

from __future__ import annotations

from alembic import op

revision = "0620_search_facet_key"
down_revision = "0560_search_ranks"
branch_labels = None
depends_on = None

# SQLite only. `search_ranks.facet_key` is the number a typed search counts categories and stars/price bands by
# (`catalog.search.sql._facet_key_sql`: category × 6 star levels × 5 price bands + stars × 5 + band, the bands of
# `PRICE_BANDS`), computed once when a document is written instead of for each of a broad query's thousands of matches.
FACET_KEY = (
    "COALESCE({row}.category_id, 0) * 30 + {row}.stars * 5 + CASE WHEN {row}.price_vnd < 50000 THEN 0 "
    "WHEN {row}.price_vnd < 100000 THEN 1 WHEN {row}.price_vnd < 200000 THEN 2 WHEN {row}.price_vnd < 500000 THEN 3 "
    "ELSE 4 END"
)
# the ranks table's columns as migration 0560 made them
COLUMNS = (
    "product_id INTEGER PRIMARY KEY, category_root_id INTEGER, category_id INTEGER, province_code INTEGER NOT NULL, "
    "commune_code INTEGER NOT NULL, stars INTEGER NOT NULL, price_vnd BIGINT NOT NULL, name_words VARCHAR(201) NOT NULL"
)
RANKS = (
    "{row}.product_id, {row}.category_root_id, {row}.category_id, {row}.province_code, {row}.commune_code, "
    "{row}.stars, {row}.price_vnd, ' ' || {row}.name"
)
EXTRA = "INSERT OR REPLACE INTO search_ranks_extra VALUES ({row}.product_id, ' ' || {row}.name_marked, {row}.published_at);"


def _triggers(with_key: bool) -> dict[str, str]:
    """The triggers that keep both ranks tables equal to `product_search_docs` (as migration 0560 made them, and
    with the facet key)."""
    values = RANKS + (", " + FACET_KEY if with_key else "")
    row = values.format(row="new")
    copies = f"INSERT OR REPLACE INTO search_ranks VALUES ({row}); {EXTRA.format(row='new')}"  # noqa: S608 — fixed
    deletes = " ".join(
        f"DELETE FROM {table} WHERE product_id = old.product_id;"  # noqa: S608 — fixed names
        for table in ("search_ranks", "search_ranks_extra")
    )
    return {
        "search_ranks_insert": f"AFTER INSERT ON product_search_docs BEGIN {copies} END",
        "search_ranks_update": f"AFTER UPDATE ON product_search_docs BEGIN {deletes} {copies} END",
        "search_ranks_delete": f"AFTER DELETE ON product_search_docs BEGIN {deletes} END",
    }


def _drop_triggers() -> None:
    for name in _triggers(with_key=False):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _create_triggers(with_key: bool) -> None:
    for name, body in _triggers(with_key).items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    """The table is built anew in row-id order (an `UPDATE` adding the key would split its pages: 4.7 → 5.5 MB)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop_triggers()
    op.execute(f"CREATE TABLE search_ranks_keyed ({COLUMNS}, facet_key INTEGER NOT NULL)")
    op.execute(
        f"INSERT INTO search_ranks_keyed SELECT {RANKS.format(row='d')}, {FACET_KEY.format(row='d')} "  # noqa: S608 — fixed fragments
        "FROM product_search_docs d ORDER BY d.product_id"
    )
    op.execute("DROP TABLE search_ranks")
    op.execute("ALTER TABLE search_ranks_keyed RENAME TO search_ranks")
    _create_triggers(with_key=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop_triggers()
    op.execute("ALTER TABLE search_ranks DROP COLUMN facet_key")
    _create_triggers(with_key=False)
