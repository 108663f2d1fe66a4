"""supply2: an offer names the product variant it comes from

Revision ID: 0610_supply2_offer_variant
Revises: 0600_demands
Create Date: 2026-12-03 08:00:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0610_supply2_offer_variant"
down_revision = "0600_demands"
branch_labels = None
depends_on = ("0600_variants",)


def upgrade() -> None:
    with op.batch_alter_table("demand_offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variant_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_demand_offers_variant_id_product_variants"), "product_variants", ["variant_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("demand_offers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_demand_offers_variant_id_product_variants"), type_="foreignkey")
        batch_op.drop_column("variant_id")
