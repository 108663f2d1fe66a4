"""Batch and event photos: the catalog's pipeline (content check, bomb guard, EXIF stripped), then two sizes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image
from sqlalchemy import event as sa_event

from catalog import images
from marketplace.database import after_commit
from marketplace.extensions import db

THUMB_SIDE = 320
FULL_SIDE = 1600


def clean(data: bytes) -> Image.Image:
    return images.clean_image(data)


def folder(batch_id: int) -> Path:
    return images.media_root() / "trace" / str(batch_id)


def full_path(batch_id: int, stem: str) -> Path:
    return folder(batch_id) / f"{stem}.jpg"


def thumb_path(batch_id: int, stem: str) -> Path:
    return folder(batch_id) / f"{stem}-{THUMB_SIDE}.jpg"


def thumb_url(batch_id: int, stem: str) -> str:
    return f"/media/trace/{batch_id}/{stem}-{THUMB_SIDE}.jpg"


def full_url(batch_id: int, stem: str) -> str:
    return f"/media/trace/{batch_id}/{stem}.jpg"


def store(batch_id: int, picture: Image.Image) -> str:
    """Write the photo (≤ 1600 px) and a small thumbnail (≤ 320 px, for the scan page); returns its stem."""
    stem = images.new_stem()
    target = folder(batch_id)
    target.mkdir(parents=True, exist_ok=True)
    large = picture.copy()
    large.thumbnail((FULL_SIDE, FULL_SIDE), Image.Resampling.LANCZOS)
    large.save(full_path(batch_id, stem), "JPEG", quality=85, optimize=True, progressive=True)
    small = picture.copy()
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    small.save(thumb_path(batch_id, stem), "JPEG", quality=70, optimize=True)
    _delete_on_rollback(batch_id, stem)
    return stem


def _file_sha256(path: Path) -> bytes:
    try:
        return hashlib.sha256(path.read_bytes()).digest()
    except FileNotFoundError:
        return b""


def digest(batch_id: int, stem: str) -> str:
    """SHA-256 over the SHA-256 of the stored photo and of its thumbnail: what the hash chain seals of a photo
    (a replaced or deleted file, large or small, changes it)."""
    full = _file_sha256(full_path(batch_id, stem))
    thumb = _file_sha256(thumb_path(batch_id, stem))
    return hashlib.sha256(full + thumb).hexdigest()


def delete(batch_id: int, stem: str) -> None:
    for path in folder(batch_id).glob(f"{stem}*"):
        path.unlink(missing_ok=True)


def _delete_on_rollback(batch_id: int, stem: str) -> None:
    """Files written for a transaction that rolls back are removed."""
    state = {"committed": False}
    after_commit(lambda: state.update(committed=True))

    def _cleanup(_session, _previous) -> None:
        if not state["committed"]:
            delete(batch_id, stem)

    sa_event.listen(db.session(), "after_soft_rollback", _cleanup, once=True)
