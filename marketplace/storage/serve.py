"""Answer a request with a stored file, after the caller's access checks: from disk for `local` (as before:
conditional GET, ranges), from the bucket for `s3` (read by this host, so any host serves any file)."""

from __future__ import annotations

import hashlib
import io

from flask import abort, send_file

from . import content_type_for, storage
from .local import LocalStorage
from .s3 import S3Storage


def send(
    key: str,
    *,
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    max_age: int = 0,
    etag: str | bool = True,
    last_modified=None,
):
    """The file of `key` as a response (404 when there is none)."""
    backend = storage()
    mimetype = mimetype or content_type_for(key)
    options = {
        "mimetype": mimetype,
        "as_attachment": as_attachment,
        "download_name": download_name or key.rsplit("/", 1)[-1],
        "max_age": max_age,
        "etag": etag,
        "last_modified": last_modified,
    }
    try:
        if isinstance(backend, LocalStorage):
            path = backend.path(key)
            if not path.is_file():
                abort(404)
            return send_file(path, **options)
        if isinstance(backend, S3Storage):
            found = backend.get(key)  # streamed from the bucket, never held whole in memory
            if etag is True:
                options["etag"] = str(found.get("ETag", "")).strip('"') or key
            options["last_modified"] = last_modified or found.get("LastModified")
            response = send_file(found["Body"], **options)
            if response.status_code == 200 and found.get("ContentLength") is not None:
                response.content_length = int(found["ContentLength"])
            return response
        data = backend.read(key)
    except (KeyError, FileNotFoundError):
        abort(404)
    if etag is True:
        options["etag"] = hashlib.sha256(data).hexdigest()[:32]
    return send_file(io.BytesIO(data), **options)
