"""The Storage protocol: every file the app writes or serves goes through one backend, found by `STORAGE`.

Keys are slash-separated paths. Keys under a PRIVATE prefix (label PDFs, job files and uploads, feeds, seller
certificate scans) are never public: they are served only by the app after its access checks (or by a short-lived
presigned URL). Every other key is public media, served at `/media/<key>`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Protocol

PRIVATE_PREFIXES = ("labels/", "exports/", "imports/", "feeds/", "private/")
CHUNK = 1024 * 1024


class StorageError(OSError):
    """The backend could not do what was asked (unreachable, refused)."""


def is_private(key: str) -> bool:
    return key.startswith(PRIVATE_PREFIXES)


def check_key(key: str) -> str:
    """A key is a relative path without `..`, backslashes or empty parts (never escapes its folder or bucket)."""
    parts = key.split("/")
    if not key or "\\" in key or "\x00" in key or any(p in ("", ".", "..") for p in parts):
        raise KeyError(key)
    return key


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int


class Storage(Protocol):
    """One place for files; `id` is the STORAGE setting that picks it."""

    id: str

    def save(self, key: str, data: bytes | IO[bytes], content_type: str | None = None) -> None: ...

    def read(self, key: str) -> bytes:
        """The whole file; FileNotFoundError when there is none."""
        ...

    def open(self, key: str) -> IO[bytes]:
        """A binary stream of the file (closed by the caller); FileNotFoundError when there is none."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the file; nothing happens when there is none."""
        ...

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every file whose key starts with `prefix`, sorted by key."""
        ...

    def size(self, key: str) -> int: ...

    def checksum(self, key: str) -> str:
        """SHA-256 (hex) of the file's content."""
        ...

    def url(self, key: str, *, private: bool = False, expires: int = 300) -> str:
        """Where a browser fetches the file: `/media/<key>` or the public base URL for public files; for private
        files (S3) a presigned URL valid `expires` seconds. The local backend has no URL for private files: they are
        served by the app's own routes after their access checks (marketplace.storage.serve)."""
        ...

    def check(self) -> None:
        """Raise when the backend cannot take a file now (readiness)."""
        ...
