"""catalog: covering indexes that let browse pages count facets from the index alone

Revision ID: 0110_search_facet_indexes
Revises: 0100_catalog
Create Date: 2026-12-02 03:40:00+00:00
"""

from __future__ import annotations

from alembic import op


revision = '0110_search_facet_indexes'
down_revision = '0100_catalog'
branch_labels = None
depends_on = None

FACETS = ['category_id', 'province_code', 'commune_code', 'stars', 'price_vnd', 'published_at']


def upgrade() -> None:
    op.drop_index('ix_product_search_docs_category_root_id', table_name='product_search_docs')
    op.drop_index('ix_product_search_docs_province_code', table_name='product_search_docs')
    op.create_index('ix_product_search_docs_root_facets', 'product_search_docs', ['category_root_id', *FACETS])
    op.create_index(
        'ix_product_search_docs_province_facets',
        'product_search_docs',
        ['province_code', 'commune_code', 'category_root_id', 'category_id', 'stars', 'price_vnd', 'published_at'],
    )


def downgrade() -> None:
    op.drop_index('ix_product_search_docs_province_facets', table_name='product_search_docs')
    op.drop_index('ix_product_search_docs_root_facets', table_name='product_search_docs')
    op.create_index('ix_product_search_docs_province_code', 'product_search_docs', ['province_code'])
    op.create_index('ix_product_search_docs_category_root_id', 'product_search_docs', ['category_root_id'])
