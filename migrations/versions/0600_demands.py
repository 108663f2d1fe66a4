"""demands: business buyer profiles, demands, offers, the orders an accepted offer made, ratings

Revision ID: 0600_demands
Revises: 0240_refunds_ledger
Create Date: 2026-12-03 06:54:13.531561+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0600_demands"
down_revision = "0240_refunds_ledger"
branch_labels = None
depends_on = ("0100_catalog",)


def upgrade() -> None:
    op.create_table(
        "business_buyers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "school_kitchen",
                "restaurant",
                "shop",
                "supermarket",
                "trader",
                "processor",
                name="business_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("tax_number", sa.String(length=20), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("other_contacts", sa.String(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "verified",
                "rejected",
                name="business_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["communes.code"], name=op.f("fk_business_buyers_commune_code_communes")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_business_buyers_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["verified_by_id"], ["users.id"], name=op.f("fk_business_buyers_verified_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_buyers")),
        sa.UniqueConstraint("user_id", name=op.f("uq_business_buyers_user_id")),
    )
    with op.batch_alter_table("business_buyers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_business_buyers_commune_code"), ["commune_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_business_buyers_status"), ["status"], unique=False)

    op.create_table(
        "demands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("quality_note", sa.String(length=500), nullable=False),
        sa.Column("min_ocop_stars", sa.Integer(), nullable=True),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.Integer(), nullable=True),
        sa.Column("needed_by", sa.Date(), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("schedule_from", sa.Date(), nullable=True),
        sa.Column("schedule_to", sa.Date(), nullable=True),
        sa.Column("max_price_vnd", sa.BigInteger(), nullable=True),
        sa.Column("offers_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "closed", name="demand_status", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column(
            "close_reason",
            sa.Enum(
                "filled",
                "expired",
                "cancelled",
                name="demand_close_reason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("max_price_vnd >= 0", name=op.f("ck_demands_max_price_nonneg")),
        sa.CheckConstraint(
            "needed_by IS NOT NULL OR (weekday IS NOT NULL AND schedule_from IS NOT NULL AND schedule_to IS NOT NULL)",
            name=op.f("ck_demands_has_date_or_schedule"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_demands_quantity_positive")),
        sa.CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name=op.f("ck_demands_weekday_range")),
        sa.ForeignKeyConstraint(
            ["business_id"], ["business_buyers.id"], name=op.f("fk_demands_business_id_business_buyers")
        ),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_demands_buyer_id_users")),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], name=op.f("fk_demands_category_id_categories")),
        sa.ForeignKeyConstraint(["commune_code"], ["communes.code"], name=op.f("fk_demands_commune_code_communes")),
        sa.ForeignKeyConstraint(["province_code"], ["provinces.code"], name=op.f("fk_demands_province_code_provinces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demands")),
    )
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demands_business_id"), ["business_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_demands_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_demands_offers_deadline"), ["offers_deadline"], unique=False)
        batch_op.create_index(
            "ix_demands_status_province_category", ["status", "province_code", "category_id"], unique=False
        )
        batch_op.create_index("ix_demands_status_created", ["status", "created_at", "id"], unique=False)

    op.create_table(
        "demand_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("price_vnd", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("deliver_by", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "accepted",
                "withdrawn",
                "expired",
                name="offer_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("price_vnd >= 0", name=op.f("ck_demand_offers_price_nonneg")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_demand_offers_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["cooperative_id"], ["cooperatives.id"], name=op.f("fk_demand_offers_cooperative_id_cooperatives")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_demand_offers_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demands.id"], name=op.f("fk_demand_offers_demand_id_demands"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_demand_offers_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_offers")),
    )
    with op.batch_alter_table("demand_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demand_offers_cooperative_id"), ["cooperative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_demand_offers_demand_id"), ["demand_id"], unique=False)

    op.create_table(
        "demand_offer_orders",
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["demand_offers.id"],
            name=op.f("fk_demand_offer_orders_offer_id_demand_offers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_demand_offer_orders_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("offer_id", "order_id", name=op.f("pk_demand_offer_orders")),
        sa.UniqueConstraint("order_id", name=op.f("uq_demand_offer_orders_order_id")),
    )
    op.create_table(
        "demand_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column(
            "side",
            sa.Enum("buyer", "seller", name="rating_side", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name=op.f("ck_demand_ratings_stars_range")),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["demand_offers.id"],
            name=op.f("fk_demand_ratings_offer_id_demand_offers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["rater_id"], ["users.id"], name=op.f("fk_demand_ratings_rater_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_ratings")),
        sa.UniqueConstraint("offer_id", "side", name="one_per_side"),
    )
    with op.batch_alter_table("demand_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demand_ratings_offer_id"), ["offer_id"], unique=False)

    op.create_table(
        'seasonal_supplies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cooperative_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('unit', sa.String(length=20), nullable=False),
        sa.Column('harvest_from', sa.Date(), nullable=False),
        sa.Column('harvest_to', sa.Date(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('harvest_to >= harvest_from', name=op.f('ck_seasonal_supplies_harvest_in_order')),
        sa.CheckConstraint('quantity > 0', name=op.f('ck_seasonal_supplies_quantity_positive')),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_seasonal_supplies_category_id_categories')),
        sa.ForeignKeyConstraint(
            ['cooperative_id'], ['cooperatives.id'], name=op.f('fk_seasonal_supplies_cooperative_id_cooperatives')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_seasonal_supplies')),
    )
    with op.batch_alter_table('seasonal_supplies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seasonal_supplies_cooperative_id'), ['cooperative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_seasonal_supplies_harvest_to'), ['harvest_to'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('seasonal_supplies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seasonal_supplies_harvest_to'))
        batch_op.drop_index(batch_op.f('ix_seasonal_supplies_cooperative_id'))

    op.drop_table('seasonal_supplies')
    with op.batch_alter_table("demand_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_ratings_offer_id"))

    op.drop_table("demand_ratings")
    op.drop_table("demand_offer_orders")
    with op.batch_alter_table("demand_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_offers_demand_id"))
        batch_op.drop_index(batch_op.f("ix_demand_offers_cooperative_id"))

    op.drop_table("demand_offers")
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.drop_index("ix_demands_status_created")
        batch_op.drop_index("ix_demands_status_province_category")
        batch_op.drop_index(batch_op.f("ix_demands_offers_deadline"))
        batch_op.drop_index(batch_op.f("ix_demands_buyer_id"))
        batch_op.drop_index(batch_op.f("ix_demands_business_id"))

    op.drop_table("demands")
    with op.batch_alter_table("business_buyers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_business_buyers_status"))
        batch_op.drop_index(batch_op.f("ix_business_buyers_commune_code"))

    op.drop_table("business_buyers")
