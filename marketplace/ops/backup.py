"""`ocop backup --out DIR` and `ocop restore DIR`.

A backup folder holds the database (`database.sqlite`, taken with SQLite's online backup API so it is consistent
while the site runs, or `database.dump`, PostgreSQL's `pg_dump -Fc`), a copy of every stored file (marketplace.storage, any backend) under `media/`, and
`manifest.json`: when, which database kind, the Alembic revisions the database was at, and every file with its size
and SHA-256. Restore checks every checksum first, refuses a database that already has tables (unless `--force`),
then loads the database and copies the media back.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from glob import glob
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from marketplace.extensions import db
from marketplace.storage import content_type_for, storage
from marketplace.text import utcnow

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.dump"
MEDIA = "media"
FORMAT_VERSION = 1


class BackupError(click.ClickException):
    pass


@dataclass(frozen=True)
class Target:
    kind: str  # sqlite | postgresql
    url: str  # the SQLAlchemy URL
    sqlite_path: Path | None = None

    @property
    def libpq_url(self) -> str:
        """The URL for pg_dump/pg_restore (no `+psycopg` driver, password kept)."""
        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)


def current_target() -> Target:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        return Target("sqlite", str(url), Path(url.database or ""))
    if url.get_backend_name() == "postgresql":
        return Target("postgresql", url.render_as_string(hide_password=False))
    raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu {url.get_backend_name()}.")


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore from PATH, else Debian's /usr/lib/postgresql/<version>/bin (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[-3]), reverse=True)
    if not candidates:
        raise BackupError(f"Không tìm thấy {name}: cài gói postgresql-client.")
    return candidates[0]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def alembic_revisions() -> list[str]:
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return []
        return sorted(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


NOT_BACKED_UP = ("feeds/", "imports/")

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def backup(out: Path, progress: Progress | None = None) -> dict:
    """Write a backup into `out` (created; must be empty) and return its manifest."""
    progress = progress or (lambda *_a: None)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise BackupError(f"Thư mục {out} không trống: chọn một thư mục mới cho bản sao lưu.")
    target = current_target()
    revisions = alembic_revisions()
    if target.kind == "sqlite":
        database_file = out / SQLITE_FILE
        _sqlite_copy(target.sqlite_path, database_file, lambda done, total: progress("database", done, total))
    else:
        database_file = out / PG_FILE
        progress("database", 0, 1)
        _run([pg_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(database_file), target.libpq_url], "pg_dump")
        progress("database", 1, 1)
    files_store = storage()
    # public media and private files (label PDFs, job files, certificate scans) from any backend; feeds and
    # pending uploads are caches, made again
    sources = [f.key for f in files_store.list("") if not f.key.startswith(NOT_BACKED_UP)]
    files = [_entry(out, database_file)]
    for number, key in enumerate(sources, 1):
        copy = out / MEDIA / key
        copy.parent.mkdir(parents=True, exist_ok=True)
        with files_store.open(key) as stream, copy.open("wb") as handle:
            shutil.copyfileobj(stream, handle)
        files.append(_entry(out, copy))
        progress("media", number, len(sources))
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": utcnow().isoformat(),
        "database": target.kind,
        "alembic_revisions": revisions,
        "files": files,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def _entry(base: Path, path: Path) -> dict:
    return {"path": path.relative_to(base).as_posix(), "size": path.stat().st_size, "sha256": sha256_of(path)}


def _sqlite_copy(source: Path, destination: Path, progress: Callable[[int, int], None]) -> None:
    """SQLite's online backup: a consistent copy page by page while other connections keep writing."""
    if not source.exists():
        raise BackupError(f"Không thấy tệp cơ sở dữ liệu {source}.")
    with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
        src.backup(dst, pages=256, progress=lambda _status, remaining, total: progress(total - remaining, total))
    src.close()
    dst.close()


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 — our own args
    if result.returncode != 0:
        raise BackupError(f"{what} thất bại: {result.stderr.strip()[-2000:]}")


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"Không đọc được {folder / MANIFEST}: {error}") from error
    if manifest.get("format") != FORMAT_VERSION or manifest.get("database") not in ("sqlite", "postgresql"):
        raise BackupError("manifest.json không đúng định dạng bản sao lưu của Chợ OCOP.")
    return manifest


def verify(folder: Path, manifest: dict, progress: Progress | None = None) -> None:
    """Every file of the manifest is there with its checksum; anything else is refused before we touch a byte."""
    progress = progress or (lambda *_a: None)
    files = manifest["files"]
    for number, entry in enumerate(files, 1):
        path = (folder / entry["path"]).resolve()
        if not path.is_relative_to(folder.resolve()):
            raise BackupError(f"Đường dẫn ngoài bản sao lưu: {entry['path']}")
        if not path.is_file() or sha256_of(path) != entry["sha256"]:
            raise BackupError(f"Tệp {entry['path']} bị thiếu hoặc đã thay đổi (sai SHA-256): không khôi phục.")
        progress("verify", number, len(files))


def database_has_tables() -> bool:
    with db.engine.connect() as connection:
        return bool(inspect(connection).get_table_names())


def restore(folder: Path, force: bool = False, progress: Progress | None = None) -> dict:
    """Restore the backup in `folder` into the configured database and MEDIA_ROOT; returns the manifest."""
    progress = progress or (lambda *_a: None)
    manifest = read_manifest(folder)
    target = current_target()
    if manifest["database"] != target.kind:
        raise BackupError(
            f"Bản sao lưu là {manifest['database']}, cơ sở dữ liệu đích là {target.kind}: không khôi phục được."
        )
    verify(folder, manifest, progress)
    if database_has_tables() and not force:
        raise BackupError("Cơ sở dữ liệu đích đã có dữ liệu. Hãy dùng một cơ sở dữ liệu trống, hoặc thêm --force.")
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old database open
    if target.kind == "sqlite":
        _sqlite_copy(folder / SQLITE_FILE, target.sqlite_path, lambda done, total: progress("database", done, total))
    else:
        progress("database", 0, 1)
        command = [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "-d", target.libpq_url]
        if force:
            command[1:1] = ["--clean", "--if-exists"]
        _run([*command, str(folder / PG_FILE)], "pg_restore")
        progress("database", 1, 1)
    db.engine.dispose()
    files_store = storage()
    media = [entry["path"] for entry in manifest["files"] if entry["path"].startswith(f"{MEDIA}/")]
    for number, relative in enumerate(media, 1):
        key = relative[len(MEDIA) + 1 :]
        with (folder / relative).open("rb") as stream:
            files_store.save(key, stream, content_type_for(key))
        progress("media", number, len(media))
    return manifest


# --- the command line ---------------------------------------------------------------------------------------------

STAGE_LABELS = {
    "database": "Cơ sở dữ liệu",
    "media": "Ảnh và tệp (media)",
    "verify": "Kiểm tra SHA-256",
}


class _Bars:
    """One click progress bar per stage, opened when the stage starts."""

    def __init__(self) -> None:
        self.stage: str | None = None
        self.bar = None
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(length=max(total, 1), label=STAGE_LABELS.get(stage, stage))
            self.bar.__enter__()
        if self.bar is not None and done > self.done:
            self.bar.update(done - self.done)
            self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="New folder.")
def backup_command(out: Path) -> None:
    """Back up the database and MEDIA_ROOT into a new folder (consistent while the site runs)."""
    bars = _Bars()
    try:
        manifest = backup(out, bars)
    finally:
        bars.close()
    click.echo(f"Đã sao lưu {manifest['database']} và {len(manifest['files']) - 1} tệp media vào {out}.")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database that already has tables.")
def restore_command(folder: Path, force: bool) -> None:
    """Restore a backup folder into an empty database and MEDIA_ROOT (checksums are verified first)."""
    bars = _Bars()
    try:
        manifest = restore(folder, force=force, progress=bars)
    finally:
        bars.close()
    revisions = ", ".join(manifest["alembic_revisions"]) or "—"
    click.echo(f"Đã khôi phục bản sao lưu {manifest['created_at']} (migration {revisions}).")
    click.echo("Tiếp theo: `ocop migrate` nếu mã mới hơn bản sao lưu, và `ocop reindex` khi dùng Meilisearch.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
