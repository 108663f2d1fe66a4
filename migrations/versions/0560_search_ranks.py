"""catalog: SQLite reads what ranking and counting need of a match from a narrow table keyed by product id

Revision ID: 0560_search_ranks
Revises: 0550_search_browse_indexes
Create Date: 2026-12-03 22:00:00+00:00
"""

from __future__ import annotations

from alembic import op

revision = "0560_search_ranks"
down_revision = "0550_search_browse_indexes"
branch_labels = None
depends_on = None

# SQLite only (`search_` names: no model owns them). `search_ranks` holds, for each search document, what a typed
# search reads of every match, keyed by the row id (a lookup by integer): group, category, place, stars, price, and the
# name after one space, so one `instr(name_words, ' w')` tells whether a name word starts with w and whether it is the
# first: 4.7 MB for 100,000 documents where the marked name and date as well made 10.8, so a broad query's lookups
# touch half the pages. `search_ranks_extra` holds those two, read only by a query typed with marks or sorted by date. Triggers keep
# both equal to `product_search_docs` whoever writes that table.
TABLES = {
    "search_ranks": (
        "product_id INTEGER PRIMARY KEY, category_root_id INTEGER, category_id INTEGER, province_code INTEGER NOT NULL, "
        "commune_code INTEGER NOT NULL, stars INTEGER NOT NULL, price_vnd BIGINT NOT NULL, name_words VARCHAR(201) NOT NULL",
        "{row}.product_id, {row}.category_root_id, {row}.category_id, {row}.province_code, {row}.commune_code, "
        "{row}.stars, {row}.price_vnd, ' ' || {row}.name",
    ),
    "search_ranks_extra": (
        "product_id INTEGER PRIMARY KEY, marked_words VARCHAR(201) NOT NULL, published_at DATETIME",
        "{row}.product_id, ' ' || {row}.name_marked, {row}.published_at",
    ),
}


def _copies(row: str) -> str:
    """The statements that copy the document `row` into both tables."""
    return " ".join(
        f"INSERT OR REPLACE INTO {table} VALUES ({values.format(row=row)});"  # noqa: S608 — fixed names
        for table, (_columns, values) in TABLES.items()
    )


def _deletes() -> str:
    return " ".join(f"DELETE FROM {table} WHERE product_id = old.product_id;" for table in TABLES)  # noqa: S608


TRIGGERS = {
    "search_ranks_insert": f"AFTER INSERT ON product_search_docs BEGIN {_copies('new')} END",
    "search_ranks_update": f"AFTER UPDATE ON product_search_docs BEGIN {_deletes()} {_copies('new')} END",
    "search_ranks_delete": f"AFTER DELETE ON product_search_docs BEGIN {_deletes()} END",
}
# the narrow index the ranks table replaces (migration 0550)
RANK_INDEX = (
    "CREATE INDEX search_docs_rank ON product_search_docs (product_id, name, name_marked, category_root_id, "
    "category_id, province_code, commune_code, stars, price_vnd, published_at)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, (columns, values) in TABLES.items():
        op.execute(f"CREATE TABLE {table} ({columns})")
        op.execute(
            f"INSERT INTO {table} SELECT {values.format(row='d')} FROM product_search_docs d ORDER BY d.product_id"  # noqa: S608
        )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("DROP INDEX IF EXISTS search_docs_rank")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute(RANK_INDEX)
