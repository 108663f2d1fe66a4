"""A seller's certificate photos: re-encoded through Pillow and kept OUT of the public /media folder, under
`<instance>/private/` (storage keys `private/…`, never public in any backend), served only through `sellers.document` to the seller's members, its commune's staff and
admin."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app

from ..database import after_commit
from ..images import reencode_jpeg
from ..models import Cooperative
from ..storage import storage

# which photo → the cooperative's column holding its path (relative to the private folder)
DOCUMENTS = {"registration": "registration_doc_path", "ocop": "ocop_doc_path"}


def private_root() -> Path:
    """Where the `local` backend keeps these scans (the relative paths stored on the cooperative are under it)."""
    return Path(current_app.instance_path) / "private"


def document_key(cooperative: Cooperative, which: str) -> str | None:
    """The storage key of one of a seller's photos, None when there is none."""
    relative = getattr(cooperative, DOCUMENTS[which]) if which in DOCUMENTS else None
    if not relative:
        return None
    key = f"private/{relative}"
    return key if storage().exists(key) else None


def prepare_documents(uploads: dict[str, bytes | None]) -> dict[str, bytes]:
    """The uploaded photos re-encoded as JPEG (only their pixels are kept), checked before anything is saved."""
    return {which: reencode_jpeg(data, field=f"{which}_doc") for which, data in uploads.items() if data}


def store_document(cooperative: Cooperative, which: str, jpeg: bytes) -> None:
    """Put a re-encoded photo in place of the previous one; the old file goes once the change is committed.
    The cooperative must have its id (flushed)."""
    relative = f"cooperatives/{cooperative.id}/{which}-{secrets.token_hex(8)}.jpg"
    storage().save(f"private/{relative}", jpeg, "image/jpeg")
    old = document_key(cooperative, which)
    setattr(cooperative, DOCUMENTS[which], relative)
    if old is not None:
        after_commit(lambda: storage().delete(old))
