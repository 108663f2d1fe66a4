"""`ocop sync CHANNEL` and `ocop feeds`."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.models import Cooperative
from marketplace.text import utcnow

from . import feeds, listings
from .channels import Capability, all_channels, get_channel


def _cooperative_ids(slug: str | None) -> list[int] | None:
    if not slug:
        return None
    cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if cooperative is None:
        raise click.ClickException(f"Không tìm thấy hợp tác xã '{slug}'.")
    return [cooperative.id]


@click.command("sync")
@click.argument("channel_id", metavar="CHANNEL")
@click.option("--cooperative", "cooperative_slug", help="Only this cooperative's products (slug).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the .xlsx.")
@click.option("--all", "include_all", is_flag=True, help="Every published product, not only new or changed ones.")
def sync_command(channel_id: str, cooperative_slug: str | None, out: Path | None, include_all: bool) -> None:
    """Export a channel's upload sheet (postmart, voso) or rebuild a feed (google, facebook)."""
    try:
        channel = get_channel(channel_id)
    except DomainError as error:
        known = ", ".join(c.id for c in all_channels())
        raise click.ClickException(f"{error.message} Các kênh: {known}.") from error
    if Capability.FEED in channel.capabilities:
        feed = feeds.build_feed(channel.id)
        click.echo(f"{channel.name}: {feed.count} sản phẩm → /feeds/{channel.filename}")
        return
    ids = _cooperative_ids(cooperative_slug)
    out = out or Path(f"{channel.id}-{utcnow():%Y%m%d-%H%M}.xlsx")
    todo = listings.products_to_export(channel.id, ids, include_all=include_all)
    with click.progressbar(length=len(todo), label=channel.name) as bar:
        result = listings.export_channel(
            channel.id, out, cooperative_ids=ids, include_all=include_all, advance=bar.update
        )
    db.session.commit()
    click.echo(f"{result.rows} dòng → {result.workbook}; {result.photos} ảnh → {result.photos_zip}")


@click.command("feeds")
def feeds_command() -> None:
    """Rebuild every product feed now (Google Merchant XML, Facebook/Zalo CSV)."""
    for channel_id, count in feeds.rebuild_all(force=True).items():
        click.echo(f"{channel_id}: {count} sản phẩm")
