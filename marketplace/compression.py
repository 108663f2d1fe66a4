"""Compressed answers and fingerprinted static files, for the embedded runtime where no proxy does it.

HTML, CSS, JavaScript, JSON and SVG are sent with brotli when the client accepts it, else gzip (`COMPRESS_RESPONSES`,
on by default; nginx passes an already-encoded answer through untouched). Dynamic pages use a fast brotli level,
and a body sent again unchanged (a reload, the back button, a page that reads the same for every visitor) reuses its
compressed copy, kept per worker under the body itself; static files are compressed once per worker at the best
level and kept. `url_for('static', …)` adds `?v=<digest of
the file>`, and a request carrying the current digest is cached by browsers for a year (`immutable`): a changed
file gets a new URL. See docs/operations.md, "Compression and caching".
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

import brotli
from flask import Flask, Response, current_app, request

from .ops import metrics
from .ttlcache import TtlCache

COMPRESSIBLE_TYPES = (
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "text/plain",
)
MIN_BYTES = 512
DYNAMIC_BROTLI_QUALITY = 5
STATIC_BROTLI_QUALITY = 11
GZIP_LEVEL = 6
YEAR_SECONDS = 365 * 86400
KEPT_BODIES = 256  # compressed dynamic bodies kept per worker, under the uncompressed body
KEPT_BODY_SECONDS = 600
KEPT_BODY_MAX_BYTES = 64 * 1024  # a larger body is not kept: the kept bodies stay under 32 MB per worker
_kept_bodies = TtlCache(KEPT_BODIES)


def chosen_encoding(accept_encoding: str) -> str:
    """'br', 'gzip' or '' for an Accept-Encoding header (q=0 refuses an encoding)."""
    offered = {}
    for part in accept_encoding.lower().split(","):
        name, _sep, params = part.strip().partition(";")
        quality = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            offered[name.strip()] = float(quality)
        except ValueError:
            offered[name.strip()] = 0.0
    for encoding in ("br", "gzip"):
        if offered.get(encoding, 0) > 0:
            return encoding
    return ""


def compress(data: bytes, encoding: str, brotli_quality: int = DYNAMIC_BROTLI_QUALITY) -> bytes:
    if encoding == "br":
        return brotli.compress(data, quality=brotli_quality)
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def compressed_dynamic(data: bytes, encoding: str) -> bytes:
    """A dynamic answer's body compressed, or the compressed copy of the identical body sent before. The body
    itself is the key (a dictionary compares the bytes, so a copy is only ever used for the very same body);
    hashing it costs about 1 % of compressing it."""
    key = (encoding, data)
    body = _kept_bodies.get(key, KEPT_BODY_SECONDS)
    reused = body is not None
    if body is None:
        body = compress(data, encoding)
        if len(data) <= KEPT_BODY_MAX_BYTES:
            _kept_bodies.put(key, body)
    metrics.count("compressions", encoding=encoding, reused="yes" if reused else "no")
    return body


@lru_cache(maxsize=256)
def _compressed_static(path: str, etag: str, encoding: str, data: bytes) -> bytes:
    """One static file compressed at the best level, once per worker and version (etag)."""
    return compress(data, encoding, STATIC_BROTLI_QUALITY)


@lru_cache(maxsize=256)
def _file_digest(path: str, mtime_ns: int) -> str:
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=6).hexdigest()


def static_version(filename: str) -> str | None:
    """A short digest of a file under the static folder, or None if it is not there. Outside debug mode a file's
    digest is worked out once per worker (a deploy restarts the workers); in debug mode an edit shows at once."""
    if current_app.debug:
        return _current_digest(current_app.static_folder or "", filename)
    return _digest_once(current_app.static_folder or "", filename)


@lru_cache(maxsize=1024)
def _digest_once(folder: str, filename: str) -> str | None:
    return _current_digest(folder, filename)


def _current_digest(folder: str, filename: str) -> str | None:
    path = Path(folder, filename)
    try:
        mtime_ns = path.stat().st_mtime_ns
    except OSError:
        return None
    return _file_digest(str(path), mtime_ns)


def _fingerprint_static_urls(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "v" not in values and "filename" in values:
        version = static_version(values["filename"])
        if version:
            values["v"] = version


def _is_compressible(response: Response) -> bool:
    return (
        response.status_code == 200
        and (not response.is_streamed or request.endpoint == "static")
        and "Content-Encoding" not in response.headers
        and response.mimetype in COMPRESSIBLE_TYPES
        and (response.content_length is None or response.content_length >= MIN_BYTES)
    )


def _static_headers(response: Response) -> None:
    filename = (request.view_args or {}).get("filename", "")
    version = request.args.get("v")
    if version and version == static_version(filename):
        response.cache_control.public = True
        response.cache_control.max_age = YEAR_SECONDS
        response.cache_control.immutable = True


def _compress_response(response: Response) -> Response:
    is_static = request.endpoint == "static"
    if is_static:
        _static_headers(response)
    if not current_app.config.get("COMPRESS_RESPONSES", True) or not _is_compressible(response):
        return response
    response.vary.add("Accept-Encoding")
    encoding = chosen_encoding(request.headers.get("Accept-Encoding", ""))
    if not encoding:
        return response
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < MIN_BYTES:
        return response
    if is_static:
        body = _compressed_static(request.path, response.headers.get("ETag", ""), encoding, data)
    else:
        body = compressed_dynamic(data, encoding)
    response.set_data(body)
    response.headers["Content-Encoding"] = encoding
    if response.headers.get("ETag"):
        response.set_etag(f"{response.get_etag()[0]}-{encoding}")
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_fingerprint_static_urls)
    app.after_request(_compress_response)
