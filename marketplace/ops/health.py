"""`/healthz` (the process answers), `/readyz` (what it needs answers too) and `/metrics`.

None of them touches the session: no cookie is read or set, no CSRF token made. They have no rate limit (the
limiter only limits routes that ask for it) and the page cache never keeps them.
"""

from __future__ import annotations

import hmac
import logging
import os
import tempfile
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request
from kombu import Connection
from sqlalchemy import text

from marketplace.extensions import db
from marketplace.security import json_error
from marketplace.storage import storage

from .metrics import exposition

log = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)
CHECK_TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def check_broker() -> None:
    """The embedded broker: its queue folder exists and takes a file. Redis/RabbitMQ: kombu connects, briefly."""
    broker_url = current_app.config["CELERY_BROKER_URL"]
    if broker_url.startswith("filesystem://"):
        folder = Path(current_app.extensions["celery"].conf.broker_transport_options["data_folder_in"])
        _probe_folder(folder)
        return
    options = dict(current_app.extensions["celery"].conf.broker_transport_options or {})
    with Connection(broker_url, connect_timeout=CHECK_TIMEOUT_SECONDS, transport_options=options) as connection:
        connection.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
        connection.default_channel  # noqa: B018 — opening a channel is the real round trip on Redis


def check_storage() -> None:
    """The storage backend takes a file: MEDIA_ROOT is writable (made when missing, as the first upload would), or
    the S3 bucket answers."""
    storage().check()


def _probe_folder(folder: Path) -> None:
    """The folder exists and a file can be written in it (then removed)."""
    if not folder.is_dir():
        raise OSError(f"{folder} is missing")
    handle, name = tempfile.mkstemp(prefix=".ready-", dir=folder)
    os.close(handle)
    os.unlink(name)


CHECKS = (("database", check_database), ("broker", check_broker), ("storage", check_storage))


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers. Touches nothing else."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers `SELECT 1`, the broker is reachable, the media folder is writable."""
    failed = []
    for name, check in CHECKS:
        try:
            check()
        except Exception as error:  # anything wrong with a dependency makes us unready, and says which
            log.warning("readiness: %s unavailable: %s", name, error)
            failed.append(name)
    if failed:
        response = jsonify(status="unavailable", failed=failed)
        response.status_code = 503
    else:
        response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics():
    """Prometheus text; `Authorization: Bearer <METRICS_TOKEN>` when that is set (401 otherwise)."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            response = json_error(401)
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    body, content_type = exposition(current_app._get_current_object())
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
