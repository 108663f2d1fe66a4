"""Batch and event photos: the catalog's pipeline (content check, bomb guard, EXIF stripped), then two sizes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image
from sqlalchemy import event as sa_event

from catalog import images
from marketplace.database import after_commit
from marketplace.extensions import db
from marketplace.storage import media_base, storage

THUMB_SIDE = 320
FULL_SIDE = 1600


def clean(data: bytes) -> Image.Image:
    return images.clean_image(data)


def prefix(batch_id: int) -> str:
    return f"trace/{batch_id}/"


def full_key(batch_id: int, stem: str) -> str:
    return f"{prefix(batch_id)}{stem}.jpg"


def thumb_key(batch_id: int, stem: str) -> str:
    return f"{prefix(batch_id)}{stem}-{THUMB_SIDE}.jpg"


def full_path(batch_id: int, stem: str) -> Path:
    """Where the `local` backend keeps the photo (tests and local tools; the app reads through storage)."""
    return images.media_root() / full_key(batch_id, stem)


def thumb_path(batch_id: int, stem: str) -> Path:
    return images.media_root() / thumb_key(batch_id, stem)


def thumb_url(batch_id: int, stem: str) -> str:
    return f"{media_base()}/trace/{batch_id}/{stem}-{THUMB_SIDE}.jpg"


def full_url(batch_id: int, stem: str) -> str:
    return f"{media_base()}/trace/{batch_id}/{stem}.jpg"


def store(batch_id: int, picture: Image.Image) -> str:
    """Write the photo (≤ 1600 px) and a small thumbnail (≤ 320 px, for the scan page); returns its stem."""
    stem = images.new_stem()
    files = storage()
    large = picture.copy()
    large.thumbnail((FULL_SIDE, FULL_SIDE), Image.Resampling.LANCZOS)
    files.save(
        full_key(batch_id, stem), images.encode(large, "JPEG", quality=85, optimize=True, progressive=True), images.JPEG
    )
    small = picture.copy()
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    files.save(thumb_key(batch_id, stem), images.encode(small, "JPEG", quality=70, optimize=True), images.JPEG)
    _delete_on_rollback(batch_id, stem)
    return stem


def _file_sha256(key: str) -> bytes:
    try:
        return hashlib.sha256(storage().read(key)).digest()
    except FileNotFoundError:
        return b""


def digest(batch_id: int, stem: str) -> str:
    """SHA-256 over the SHA-256 of the stored photo and of its thumbnail: what the hash chain seals of a photo
    (a replaced or deleted file, large or small, changes it)."""
    full = _file_sha256(full_key(batch_id, stem))
    thumb = _file_sha256(thumb_key(batch_id, stem))
    return hashlib.sha256(full + thumb).hexdigest()


def delete(batch_id: int, stem: str) -> None:
    files = storage()
    for stored in files.list(f"{prefix(batch_id)}{stem}"):
        files.delete(stored.key)


def _delete_on_rollback(batch_id: int, stem: str) -> None:
    """Files written for a transaction that rolls back are removed."""
    state = {"committed": False}
    after_commit(lambda: state.update(committed=True))

    def _cleanup(_session, _previous) -> None:
        if not state["committed"]:
            delete(batch_id, stem)

    sa_event.listen(db.session(), "after_soft_rollback", _cleanup, once=True)
