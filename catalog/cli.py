"""`ocop reindex` and `ocop import-products FILE.xlsx --cooperative SLUG`, with progress bars."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Cooperative

from .excel import import_workbook, read_rows
from .search import get_backend
from .search.documents import published_count, reindex


@click.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from every published product."""
    with click.progressbar(length=published_count(), label="Lập chỉ mục tìm kiếm") as bar:
        count = reindex(progress=bar.update)
    db.session.commit()
    get_backend().settle()
    click.echo(f"Đã lập chỉ mục {count} sản phẩm.")


@click.command("import-products")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--cooperative", "slug", required=True, help="Slug of the cooperative.")
@click.option("--valid-only", is_flag=True, help="Import the valid rows and skip the others.")
def import_products_command(path: Path, slug: str, valid_only: bool) -> None:
    """Import products (as drafts) from an Excel file made from the template."""
    cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if cooperative is None:
        raise click.ClickException(f"Không tìm thấy hợp tác xã '{slug}'.")
    rows = read_rows(path.read_bytes())
    with click.progressbar(length=len(rows), label="Nhập sản phẩm") as bar:
        report = import_workbook(None, cooperative, rows, valid_only=valid_only, progress=bar.update)
    for problem in report.errors[:50]:
        click.echo(f"  dòng {problem.row}, cột {problem.column}: {problem.message}", err=True)
    if report.errors and not valid_only:
        db.session.rollback()
        raise click.ClickException(f"{len(report.errors)} lỗi; chưa nhập gì (thêm --valid-only để nhập các dòng đúng).")
    db.session.commit()
    click.echo(f"Đã nhập {report.created} sản phẩm (bỏ qua {report.skipped} dòng lỗi).")


def register(app: Flask) -> None:
    app.cli.add_command(reindex_command)
    app.cli.add_command(import_products_command)
