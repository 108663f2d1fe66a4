"""`ocop storage migrate --to s3|local`: copy every stored file from one backend to the other and verify it.

Idempotent: a file already in the target with the same checksum is skipped. Verification reads back what the
target holds: the S3 ETag (the MD5 of a single-part upload) or the SHA-256 of the local file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import click
from flask import Flask, current_app

from . import content_type_for, get_backend
from .base import Storage
from .s3 import S3Storage


@dataclass
class MigrateReport:
    copied: int = 0
    skipped: int = 0
    mismatched: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.copied + self.skipped + len(self.mismatched)


def _holds(target: Storage, key: str, sha256: str, md5: str) -> bool:
    """The target has `key` with exactly this content."""
    if isinstance(target, S3Storage):
        head = target.head(key)
        if head is None:
            return False
        etag = str(head.get("ETag", "")).strip('"')
        if etag and "-" not in etag:  # single-part upload: the ETag is the MD5 of the content
            return etag == md5
        return (head.get("Metadata") or {}).get("sha256") == sha256
    return target.exists(key) and target.checksum(key) == sha256


def migrate(source: Storage, target: Storage, advance: Callable[[int], None] | None = None) -> MigrateReport:
    report = MigrateReport()
    for stored in source.list(""):
        data = source.read(stored.key)
        sha256, md5 = hashlib.sha256(data).hexdigest(), hashlib.md5(data, usedforsecurity=False).hexdigest()
        if _holds(target, stored.key, sha256, md5):
            report.skipped += 1
        else:
            target.save(stored.key, data, content_type_for(stored.key))
            if _holds(target, stored.key, sha256, md5):
                report.copied += 1
            else:
                report.mismatched.append(stored.key)
        if advance:
            advance(1)
    return report


@click.group("storage")
def storage_group() -> None:
    """Files (photos, label PDFs, exports, feeds, certificate scans) in local or S3 storage."""


@storage_group.command("migrate")
@click.option("--to", "to", type=click.Choice(["s3", "local"]), required=True, help="Backend to copy into.")
@click.option(
    "--from",
    "from_",
    type=click.Choice(["s3", "local"]),
    default=None,
    help="Backend to copy from (default: the other one).",
)
def migrate_command(to: str, from_: str | None) -> None:
    """Copy every file into the other backend, verify checksums, skip files already there; exit 1 on a mismatch."""
    from_ = from_ or ("local" if to == "s3" else "s3")
    if from_ == to:
        raise click.UsageError("--from và --to phải khác nhau.")
    config = current_app.config
    source, target = get_backend(from_, config), get_backend(to, config)
    if isinstance(target, S3Storage):
        target.check()
    keys = list(source.list(""))
    with click.progressbar(length=len(keys), label=f"{from_} → {to}") as bar:
        report = migrate(source, target, bar.update)
    click.echo(f"Đã chép {report.copied} tệp, bỏ qua {report.skipped} tệp đã có, sai khác {len(report.mismatched)}.")
    for key in report.mismatched:
        click.echo(f"  sai checksum: {key}", err=True)
    if report.mismatched:
        raise SystemExit(1)
    if config.get("STORAGE", "local") != to:
        click.echo(f"Đặt STORAGE={to} rồi khởi động lại ứng dụng và worker.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(storage_group)


__all__ = ["MigrateReport", "migrate", "register_cli"]
