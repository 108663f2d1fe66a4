"""catalog: search indexes that answer a category page and a broad query without sorting every match

Revision ID: 0550_search_browse_indexes
Revises: 0540_search_one_letter_prefix
Create Date: 2026-12-03 14:10:00+00:00
"""

from __future__ import annotations

from alembic import op

revision = "0550_search_browse_indexes"
down_revision = "0540_search_one_letter_prefix"
branch_labels = None
depends_on = None

# a group's page, in the order of a page with nothing typed (certified first, then newest), and its place and
# stars/price counts, each read in index order (SQLite groups without sorting, PostgreSQL pages without sorting)
BROWSE = {
    "ix_product_search_docs_root_page": ["category_root_id", "stars", "published_at", "product_id"],
    "ix_product_search_docs_root_place": ["category_root_id", "province_code", "commune_code"],
    "ix_product_search_docs_root_stars": ["category_root_id", "stars", "price_vnd"],
}
# SQLite: what ranking and counting read of each match, keyed by product id, so the matches are read from a few
# megabytes of index instead of the rows that hold the long documents (`search_` names: no model owns them)
RANK_COLUMNS = (
    "product_id, name, name_marked, category_root_id, category_id, province_code, commune_code, stars, price_vnd, "
    "published_at"
)
# PostgreSQL: the document's words as a tsvector, so `word:*` prefixes answer a query from a GIN index exactly
# (the trigram index it replaces only narrowed, and every candidate's 700-character document was rechecked; on
# SQLite that index was a plain one nothing read)
WORDS = "array_to_tsvector(array_remove(regexp_split_to_array(document, '[^[:alnum:]]+'), ''))"


def upgrade() -> None:
    with op.batch_alter_table("product_search_docs", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_product_search_docs_document", postgresql_using="gin", postgresql_ops={"document": "gin_trgm_ops"}
        )
    for name, columns in BROWSE.items():
        op.create_index(name, "product_search_docs", columns)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE INDEX search_docs_rank ON product_search_docs ({RANK_COLUMNS})")
    else:
        op.execute(f"CREATE INDEX search_docs_words ON product_search_docs USING gin (({WORDS}))")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS search_docs_rank")
    op.execute("DROP INDEX IF EXISTS search_docs_words")
    for name in BROWSE:
        op.drop_index(name, table_name="product_search_docs")
    with op.batch_alter_table("product_search_docs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_product_search_docs_document",
            ["document"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"document": "gin_trgm_ops"},
        )
