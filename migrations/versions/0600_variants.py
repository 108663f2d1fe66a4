"""catalog: product variants (pack or grade) with wholesale price tiers, a minimum order quantity per product,
and order lines naming the variant bought; every existing product gets one default variant carrying its price,
stock, weight and GTIN, and its past order lines point at it

Revision ID: 0600_variants
Revises: 0510_workspace_indexes
Create Date: 2026-12-03 07:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0600_variants'
down_revision = '0510_workspace_indexes'
branch_labels = None
depends_on = ('0100_catalog', '0200_orders', '0300_traceability')

DEFAULT_VARIANT_NAME = 'Mặc định'


def upgrade() -> None:
    variants = op.create_table(
        'product_variants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('price_vnd', sa.BigInteger(), nullable=False),
        sa.Column('stock', sa.Integer(), nullable=False),
        sa.Column('weight_g', sa.Integer(), nullable=False),
        sa.Column('gtin', sa.String(length=14), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.CheckConstraint('price_vnd >= 0', name=op.f('ck_product_variants_price_nonneg')),
        sa.CheckConstraint('stock >= 0', name=op.f('ck_product_variants_stock_nonneg')),
        sa.CheckConstraint('weight_g >= 0', name=op.f('ck_product_variants_weight_nonneg')),
        sa.ForeignKeyConstraint(
            ['product_id'], ['products.id'], name=op.f('fk_product_variants_product_id_products'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_product_variants')),
    )
    op.create_index(op.f('ix_product_variants_product_id'), 'product_variants', ['product_id'], unique=False)
    op.create_index(op.f('ix_product_variants_gtin'), 'product_variants', ['gtin'], unique=False)
    op.create_table(
        'price_tiers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('variant_id', sa.Integer(), nullable=False),
        sa.Column('min_quantity', sa.Integer(), nullable=False),
        sa.Column('price_vnd', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('price_vnd >= 0', name=op.f('ck_price_tiers_price_nonneg')),
        sa.CheckConstraint('min_quantity >= 2', name=op.f('ck_price_tiers_min_quantity_above_one')),
        sa.ForeignKeyConstraint(
            ['variant_id'], ['product_variants.id'], name=op.f('fk_price_tiers_variant_id_product_variants'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_price_tiers')),
        sa.UniqueConstraint('variant_id', 'min_quantity', name='uq_price_tiers_variant_quantity'),
    )
    op.create_index(op.f('ix_price_tiers_variant_id'), 'price_tiers', ['variant_id'], unique=False)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_order_quantity', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('variant_name', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_order_lines_variant_id'), ['variant_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_order_lines_variant_id_product_variants'), 'product_variants', ['variant_id'], ['id']
        )
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_cart_items_variant_id_product_variants'),
            'product_variants',
            ['variant_id'],
            ['id'],
            ondelete='SET NULL',
        )
    with op.batch_alter_table('label_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_label_runs_variant_id'), ['variant_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_label_runs_variant_id_product_variants'), 'product_variants', ['variant_id'], ['id']
        )
    _default_variants(variants)


def _default_variants(variants: sa.Table) -> None:
    """One default variant per existing product, and its past order lines pointing at it."""
    products = sa.table(
        'products',
        sa.column('id', sa.Integer),
        sa.column('price_vnd', sa.BigInteger),
        sa.column('stock', sa.Integer),
        sa.column('weight_g', sa.Integer),
        sa.column('gtin', sa.String),
    )
    columns = ['product_id', 'name', 'price_vnd', 'stock', 'weight_g', 'gtin', 'position', 'active']
    source = sa.select(
        products.c.id,
        sa.literal(DEFAULT_VARIANT_NAME, sa.String),
        products.c.price_vnd,
        products.c.stock,
        products.c.weight_g,
        products.c.gtin,
        sa.literal(0, sa.Integer),
        sa.true(),
    )
    op.execute(variants.insert().from_select(columns, source))
    lines = sa.table('order_lines', sa.column('product_id', sa.Integer), sa.column('variant_id', sa.Integer))
    default = (
        sa.select(sa.func.min(variants.c.id)).where(variants.c.product_id == lines.c.product_id).scalar_subquery()
    )
    op.execute(lines.update().values(variant_id=default))


def downgrade() -> None:
    with op.batch_alter_table('label_runs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_label_runs_variant_id_product_variants'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_label_runs_variant_id'))
        batch_op.drop_column('variant_id')
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cart_items_variant_id_product_variants'), type_='foreignkey')
        batch_op.drop_column('variant_id')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_lines_variant_id_product_variants'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_order_lines_variant_id'))
        batch_op.drop_column('variant_name')
        batch_op.drop_column('variant_id')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('min_order_quantity')
    op.drop_index(op.f('ix_price_tiers_variant_id'), table_name='price_tiers')
    op.drop_table('price_tiers')
    op.drop_index(op.f('ix_product_variants_gtin'), table_name='product_variants')
    op.drop_index(op.f('ix_product_variants_product_id'), table_name='product_variants')
    op.drop_table('product_variants')
