"""`ocop labels --batch CODE --count N --out FILE.pdf`: issue labels for a batch and print them to a PDF.

`ocop trace heads [--day YYYY-MM-DD]`: publish a finished day's chain heads (default yesterday, Vietnam time).
`ocop trace verify [--cooperative SLUG]`: recompute every batch chain and every stored chain head; exit 1 on any
mismatch.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.models import Cooperative
from marketplace.text import today_vn

from . import heads as chain_heads
from .label_pdf import DEFAULT_PRESET, PRESETS, preset_layout
from .label_runs import check_count, write_pdf
from .labels import MAX_LABELS_PER_RUN, issue_labels, loopback_host
from .models import Batch
from .services import verify_chain


@click.command("labels")
@click.option("--batch", "code", required=True, help="Batch code (mã lô).")
@click.option("--count", type=click.IntRange(1, MAX_LABELS_PER_RUN), required=True, help="Number of new labels.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PDF file to write.")
@click.option("--preset", type=click.Choice(sorted(PRESETS)), default=DEFAULT_PRESET, show_default=True)
@click.option("--pin", is_flag=True, help="Print a scratch PIN on each label (stored hashed).")
@click.option("--offset-x", type=float, default=0.0, help="Printer calibration, mm to the right.")
@click.option("--offset-y", type=float, default=0.0, help="Printer calibration, mm down.")
@click.option("--allow-local", is_flag=True, help="Print even when PUBLIC_BASE_URL is this machine (test prints).")
@with_appcontext
def labels_command(
    code: str, count: int, out: Path, preset: str, pin: bool, offset_x: float, offset_y: float, allow_local: bool
) -> None:
    """Issue COUNT new labels for a batch and write their QR label sheet; nothing is saved if the PDF fails."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if not allow_local and loopback_host(base):
        raise click.ClickException(
            f"PUBLIC_BASE_URL là {base}: mã QR trên tem sẽ trỏ về chính máy này, điện thoại người mua không mở được. "
            "Đặt PUBLIC_BASE_URL là địa chỉ công khai của chợ (ví dụ https://cho-ocop.vn) rồi in lại, "
            "hoặc thêm --allow-local nếu chỉ in thử."
        )
    batch = db.session.scalar(select(Batch).where(Batch.code == code))
    if batch is None:
        raise click.ClickException(f"Không tìm thấy lô '{code}'.")
    try:
        layout = preset_layout(preset, offset_x, offset_y)
        run, issued = issue_labels(batch, check_count(count), with_pin=pin, layout=layout.to_dict())
        with click.progressbar(length=count, label="In tem", show_pos=True) as bar:
            pages = write_pdf(batch, issued, layout, out.resolve(), bar.update)
        run.pdf_path = str(out.resolve())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    except BaseException:
        db.session.rollback()
        raise
    click.echo(f"Đã in {count} tem của lô {batch.lot} ({pages} trang) vào {out}.")


@click.group("trace")
def trace_group() -> None:
    """Traceability chains: publish daily chain heads, verify chains and heads."""


def _day(value: str | None) -> date:
    if not value:
        return today_vn() - timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("ngày dạng YYYY-MM-DD", param_hint="--day") from None


def _report_mismatches(report: chain_heads.HeadReport) -> None:
    for slug, day, reason in report.mismatched:
        click.echo(f"SAI: dấu chuỗi của {slug} ngày {day.isoformat()} không còn khớp ({reason}).", err=True)


@trace_group.command("heads")
@click.option("--day", "day_text", help="Ngày (giờ Việt Nam) cần công bố, YYYY-MM-DD; mặc định hôm qua.")
@with_appcontext
def heads_command(day_text: str | None) -> None:
    """Publish the chain heads of a finished day (a day already published is only re-checked)."""
    day = _day(day_text)
    try:
        report = chain_heads.publish_heads(day)
    except ValueError as error:
        raise click.ClickException(f"Chỉ công bố được ngày đã qua (trước hôm nay): {error}") from error
    db.session.commit()
    for slug, when, head in report.published:
        click.echo(f"{when.isoformat()} {slug} {head}")
    for slug, when in report.skipped:
        click.echo(f"Bỏ qua {slug} ngày {when.isoformat()}: đã công bố một ngày sau đó.")
    click.echo(f"Đã công bố {len(report.published)}, khớp {report.unchanged}, sai {len(report.mismatched)}.")
    _report_mismatches(report)
    if not report.ok:
        raise click.exceptions.Exit(1)


@trace_group.command("verify")
@click.option("--cooperative", "slug", help="Chỉ kiểm tra hợp tác xã này (slug).")
@with_appcontext
def verify_command(slug: str | None) -> None:
    """Recompute every batch chain and every stored chain head; exit 1 when anything no longer matches."""
    cooperative_id = None
    query = select(Batch).order_by(Batch.id)
    if slug:
        cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
        if cooperative is None:
            raise click.ClickException(f"Không tìm thấy hợp tác xã '{slug}'.")
        cooperative_id = cooperative.id
        query = query.where(Batch.cooperative_id == cooperative_id)
    broken = 0
    checked = 0
    for batch in db.session.scalars(query):
        status = verify_chain(batch)
        checked += 1
        if not status.valid:
            broken += 1
            where = f" (công đoạn {status.broken_seq})" if status.broken_seq else ""
            click.echo(f"SAI: chuỗi của lô {batch.code}{where}: {status.reason}.", err=True)
    report = chain_heads.verify_heads(cooperative_id)
    _report_mismatches(report)
    click.echo(
        f"Lô: {checked} đã kiểm tra, {broken} sai. Dấu chuỗi: {report.unchanged} khớp, {len(report.mismatched)} sai."
    )
    if broken or not report.ok:
        raise click.exceptions.Exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(labels_command)
    app.cli.add_command(trace_group)
