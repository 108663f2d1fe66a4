"""`ocop labels --batch CODE --count N --out FILE.pdf`: issue labels for a batch and print them to a PDF."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from marketplace.errors import DomainError
from marketplace.extensions import db

from .label_pdf import DEFAULT_PRESET, PRESETS, preset_layout
from .label_runs import check_count, write_pdf
from .labels import MAX_LABELS_PER_RUN, issue_labels, loopback_host
from .models import Batch


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


def register(app: Flask) -> None:
    app.cli.add_command(labels_command)
