"""catalog: SQLite counts a typed search's places and categories by one integer each (a numbered pair)

Revision ID: 0630_search_facet_places
Revises: 0620_search_facet_key
Create Date: 2026-12-04 05:00:00+00:00
"""

from __future__ import annotations

from alembic import op

revision = "0630_search_facet_places"
down_revision = "0620_search_facet_key"
branch_labels = None
depends_on = None

# SQLite only (`search_` names: no model owns them). SQLite groups by sorting, and a sort on two columns compares the
# second whenever the first ties (most pairs of rows: 23 matches a commune in `mat o`). So each (province, commune)
# and each (group, category) a document has is numbered once, in `search_places` and `search_categories` (0 for no
# category), and `search_ranks` keeps the numbers: `place_key`, and `facet_key` now the category pair's number × 6
# star levels × 5 price bands + stars × 5 + band (`catalog.search.sql._keyed_facet_counts_sql`). The pairs are
# numbered, not computed from the codes, so no bound on a code is assumed; a number is never reused or changed.
BAND = (
    "CASE WHEN {row}.price_vnd < 50000 THEN 0 WHEN {row}.price_vnd < 100000 THEN 1 WHEN {row}.price_vnd < 200000 "
    "THEN 2 WHEN {row}.price_vnd < 500000 THEN 3 ELSE 4 END"
)
PAIRS = {
    "search_places": (
        "place_key INTEGER PRIMARY KEY, province_code INTEGER NOT NULL, commune_code INTEGER NOT NULL, "
        "UNIQUE (province_code, commune_code)",
        ("province_code", "commune_code"),
        ("{row}.province_code", "{row}.commune_code"),
    ),
    "search_categories": (
        "category_key INTEGER PRIMARY KEY, category_root_id INTEGER NOT NULL, category_id INTEGER NOT NULL, "
        "UNIQUE (category_root_id, category_id)",
        ("category_root_id", "category_id"),
        ("COALESCE({row}.category_root_id, 0)", "COALESCE({row}.category_id, 0)"),
    ),
}
# the ranks table's columns and values as migrations 0560 and 0620 made them
COLUMNS = (
    "product_id INTEGER PRIMARY KEY, category_root_id INTEGER, category_id INTEGER, province_code INTEGER NOT NULL, "
    "commune_code INTEGER NOT NULL, stars INTEGER NOT NULL, price_vnd BIGINT NOT NULL, name_words VARCHAR(201) NOT NULL, "
    "facet_key INTEGER NOT NULL"
)
RANKS = (
    "{row}.product_id, {row}.category_root_id, {row}.category_id, {row}.province_code, {row}.commune_code, "
    "{row}.stars, {row}.price_vnd, ' ' || {row}.name"
)
OLD_FACET_KEY = "COALESCE({row}.category_id, 0) * 30 + {row}.stars * 5 + " + BAND
EXTRA = (
    "INSERT OR REPLACE INTO search_ranks_extra VALUES ({row}.product_id, ' ' || {row}.name_marked, {row}.published_at);"
)
TRIGGERS = ("search_ranks_insert", "search_ranks_update", "search_ranks_delete")


def _pair(table: str, row: str) -> str:
    """The rows of `table` that number the document `row`'s pair (one at most)."""
    _columns, names, values = PAIRS[table]
    found = " AND ".join(f"{name} = {value.format(row=row)}" for name, value in zip(names, values, strict=True))
    return f"FROM {table} WHERE {found}"


def _number(table: str, row: str) -> str:
    """The number of the document `row`'s pair in `table`."""
    key = "place_key" if table == "search_places" else "category_key"
    return f"(SELECT {key} {_pair(table, row)})"


def _numbered(row: str) -> str:
    """Number the document `row`'s pairs not numbered yet (no conflict clause: a writer's `OR REPLACE` would replace
    a numbered pair under a new number)."""
    statements = []
    for table, (_columns, names, values) in PAIRS.items():
        fields = ", ".join(value.format(row=row) for value in values)
        statements.append(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {fields} WHERE NOT EXISTS (SELECT 1 {_pair(table, row)});"
        )
    return " ".join(statements)


def _keys(row: str) -> str:
    """`facet_key` and `place_key` of the document `row`, its pairs numbered."""
    facet = f"{_number('search_categories', row)} * 30 + {row}.stars * 5 + {BAND.format(row=row)}"
    return f"{facet}, {_number('search_places', row)}"


def _triggers(numbered: bool) -> dict[str, str]:
    """The triggers that keep both ranks tables equal to `product_search_docs`: with the numbered pairs, or as
    migration 0620 made them."""
    values = f"{RANKS.format(row='new')}, " + (_keys("new") if numbered else OLD_FACET_KEY.format(row="new"))
    copies = f"INSERT OR REPLACE INTO search_ranks VALUES ({values});"  # noqa: S608 — fixed fragments
    if numbered:
        copies = f"{_numbered('new')} {copies}"
    copies += " " + EXTRA.format(row="new")
    deletes = " ".join(
        f"DELETE FROM {table} WHERE product_id = old.product_id;"  # noqa: S608 — fixed names
        for table in ("search_ranks", "search_ranks_extra")
    )
    return {
        "search_ranks_insert": f"AFTER INSERT ON product_search_docs BEGIN {copies} END",
        "search_ranks_update": f"AFTER UPDATE ON product_search_docs BEGIN {deletes} {copies} END",
        "search_ranks_delete": f"AFTER DELETE ON product_search_docs BEGIN {deletes} END",
    }


def _rebuild(numbered: bool) -> None:
    """`search_ranks` built anew in row-id order (an `UPDATE` of every row would split its pages), its triggers
    made again."""
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    extra = ", place_key INTEGER NOT NULL" if numbered else ""
    keys = _keys("d") if numbered else OLD_FACET_KEY.format(row="d")
    op.execute(f"CREATE TABLE search_ranks_rebuilt ({COLUMNS}{extra})")
    op.execute(
        f"INSERT INTO search_ranks_rebuilt SELECT {RANKS.format(row='d')}, {keys} "  # noqa: S608 — fixed fragments
        "FROM product_search_docs d ORDER BY d.product_id"
    )
    op.execute("DROP TABLE search_ranks")
    op.execute("ALTER TABLE search_ranks_rebuilt RENAME TO search_ranks")
    for name, body in _triggers(numbered).items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, (columns, names, values) in PAIRS.items():
        op.execute(f"CREATE TABLE {table} ({columns})")
        fields = ", ".join(value.format(row="d") for value in values)
        op.execute(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT DISTINCT {fields} "  # noqa: S608 — fixed fragments
            "FROM product_search_docs d ORDER BY 1, 2"
        )
    _rebuild(numbered=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild(numbered=False)
    for table in PAIRS:
        op.execute(f"DROP TABLE {table}")
