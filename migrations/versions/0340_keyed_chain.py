"""traceability: keyed hash chain (trace_events.hash_scheme, trace_photos.sha256) and daily chain heads

Events already stored keep scheme 1 (plain SHA-256) and still verify as they were written; new events are scheme 2
(HMAC-SHA256 with TRACE_CHAIN_KEY over the event, the batch's own fields and its photos' digests). Every batch that
already has events gets `legacy_seal`, the HMAC over its fields and its last hash, so its old chain keeps verifying
and cannot be rewritten wholesale later. That needs TRACE_CHAIN_KEY: the upgrade reads it from the same environment
(or instance/trace_chain_key) as the app, so run it with the app's settings; with OCOP_ENV=production and no key set
it stops before changing anything.

Revision ID: 0340_keyed_chain
Revises: 0330_label_pin_checked
Create Date: 2026-12-03 04:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from marketplace.config import build_config
from traceability import chain


revision = '0340_keyed_chain'
down_revision = '0330_label_pin_checked'
branch_labels = None
depends_on = None


BATCHES = sa.table(
    'batches',
    sa.column('id', sa.Integer),
    sa.column('code', sa.String),
    sa.column('product_id', sa.Integer),
    sa.column('cooperative_id', sa.Integer),
    sa.column('lot', sa.String),
    sa.column('harvested_on', sa.Date),
    sa.column('expires_on', sa.Date),
    sa.column('quantity', sa.Integer),
    sa.column('unit', sa.String),
    sa.column('inputs', sa.Text),
    sa.column('certifications', sa.JSON),
    sa.column('standards', sa.String),
    sa.column('legacy_seal', sa.String),
)
EVENTS = sa.table('trace_events', sa.column('batch_id', sa.Integer), sa.column('seq', sa.Integer),
                  sa.column('hash', sa.String))


def _seal_legacy_chains() -> None:
    """legacy_seal for every batch with events (all scheme 1 at this point): its fields and its last hash."""
    conn = op.get_bind()
    if conn.execute(sa.select(EVENTS.c.batch_id).limit(1)).first() is None:
        return  # nothing to seal (a new database): no key needed
    key = build_config()['TRACE_CHAIN_KEY'].encode()
    last = sa.select(EVENTS.c.batch_id, sa.func.max(EVENTS.c.seq).label('seq')).group_by(EVENTS.c.batch_id).subquery()
    rows = conn.execute(
        sa.select(BATCHES, EVENTS.c.hash)
        .join(last, last.c.batch_id == BATCHES.c.id)
        .join(EVENTS, sa.and_(EVENTS.c.batch_id == last.c.batch_id, EVENTS.c.seq == last.c.seq))
    ).all()
    for row in rows:
        seal = chain.legacy_seal(key, chain.batch_content(row), row.hash)
        conn.execute(sa.update(BATCHES).where(BATCHES.c.id == row.id).values(legacy_seal=seal))


def upgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legacy_seal', sa.String(length=64), nullable=True))
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hash_scheme', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('trace_photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))
    op.create_table('chain_heads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('prev_head', sa.String(length=64), nullable=False),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_chain_heads_cooperative_id_cooperatives')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_heads')),
    sa.UniqueConstraint('cooperative_id', 'day', name='uq_chain_heads_cooperative_day')
    )
    with op.batch_alter_table('chain_heads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_heads_cooperative_id'), ['cooperative_id'], unique=False)
    _seal_legacy_chains()


def downgrade() -> None:
    with op.batch_alter_table('chain_heads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_heads_cooperative_id'))
    op.drop_table('chain_heads')
    with op.batch_alter_table('trace_photos', schema=None) as batch_op:
        batch_op.drop_column('sha256')
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.drop_column('hash_scheme')
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('legacy_seal')
