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

# `search_ranks` (SQLite only; `search_` names: no model owns them) holds, for each search document, the columns a
# typed search reads of every match, keyed by the row id (a lookup by integer, about 40 rows a page), and the name and
# marked name after one space, so one `instr(words, ' w')` tells whether a name word starts with w and whether it is
# the first. Triggers keep it equal to `product_search_docs` whoever writes that table.
COLUMNS = (
    "product_id, category_root_id, category_id, province_code, commune_code, stars, price_vnd, published_at, "
    "name_words, marked_words"
)
TABLE = (
    "CREATE TABLE search_ranks (product_id INTEGER PRIMARY KEY, category_root_id INTEGER, category_id INTEGER, "
    "province_code INTEGER NOT NULL, commune_code INTEGER NOT NULL, stars INTEGER NOT NULL, price_vnd BIGINT NOT NULL, "
    "published_at DATETIME, name_words VARCHAR(201) NOT NULL, marked_words VARCHAR(201) NOT NULL)"
)


def _values(row: str) -> str:
    return (
        f"{row}.product_id, {row}.category_root_id, {row}.category_id, {row}.province_code, {row}.commune_code, "
        f"{row}.stars, {row}.price_vnd, {row}.published_at, ' ' || {row}.name, ' ' || {row}.name_marked"
    )


TRIGGERS = {
    "search_ranks_insert": f"AFTER INSERT ON product_search_docs BEGIN "
    f"INSERT OR REPLACE INTO search_ranks ({COLUMNS}) VALUES ({_values('new')}); END",
    "search_ranks_update": f"AFTER UPDATE ON product_search_docs BEGIN "
    "DELETE FROM search_ranks WHERE product_id = old.product_id; "
    f"INSERT OR REPLACE INTO search_ranks ({COLUMNS}) VALUES ({_values('new')}); END",
    "search_ranks_delete": "AFTER DELETE ON product_search_docs BEGIN "
    "DELETE FROM search_ranks WHERE product_id = old.product_id; END",
}
# the narrow index the ranks table replaces (migration 0550)
RANK_INDEX = (
    "CREATE INDEX search_docs_rank ON product_search_docs (product_id, name, name_marked, category_root_id, "
    "category_id, province_code, commune_code, stars, price_vnd, published_at)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(TABLE)
    op.execute(
        f"INSERT INTO search_ranks ({COLUMNS}) SELECT {_values('d')} FROM product_search_docs d ORDER BY d.product_id"
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("DROP INDEX IF EXISTS search_docs_rank")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS search_ranks")
    op.execute(RANK_INDEX)
