"""Files: one Storage backend per app (`STORAGE=local|s3`), one module per backend (marketplace.registry idiom).

Use `storage()` for the configured backend; `get_backend(id, config)` builds any backend (used by
`ocop storage migrate`)."""

from __future__ import annotations

import mimetypes

from flask import current_app

from ..registry import Registry
from .base import PRIVATE_PREFIXES, Storage, StorageError, StoredFile, check_key, is_private, sha256_bytes

__all__ = [
    "PRIVATE_PREFIXES",
    "Storage",
    "StorageError",
    "StoredFile",
    "backends",
    "check_key",
    "content_type_for",
    "get_backend",
    "is_private",
    "media_base",
    "sha256_bytes",
    "storage",
]

backends: Registry = Registry(__name__, skip=("base", "serve", "migrate"))


def get_backend(backend_id: str, config) -> Storage:
    return backends.get(backend_id).build(config)


def storage() -> Storage:
    """The app's backend, built once per app from its config."""
    cached = current_app.extensions.get("ocop_storage")
    if cached is None:
        cached = get_backend(current_app.config.get("STORAGE") or "local", current_app.config)
        current_app.extensions["ocop_storage"] = cached
    return cached


def media_base() -> str:
    """Where public media are fetched from: `/media` (served by the app from any backend) or S3_PUBLIC_BASE_URL."""
    if (current_app.config.get("STORAGE") or "local") == "s3" and current_app.config.get("S3_PUBLIC_BASE_URL"):
        return current_app.config["S3_PUBLIC_BASE_URL"].rstrip("/")
    return "/media"


def content_type_for(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"
