"""The outermost WSGI layer: request id, timing, the request log line and the latency histogram.

It wraps everything (the scan fast lane and the page cache answer without Flask), so every answer gets its
`X-Request-ID` and is timed. Flask tells it the endpoint name and the user through the WSGI environ
(`after_request`); answers Flask never saw are labelled `page_cache` or `fast_lane`. The fast lane's scans log
one line in `FAST_LANE_LOG_EVERY` (every answer is still timed and counted in the metrics).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .logs import REQUEST_ID_HEADER, accept_request_id, bind_request_id, log_request, unbind_request_id
from .metrics import observe_request

ENDPOINT_KEY = "ocop.endpoint"
USER_KEY = "ocop.user_id"
REQUEST_ID_KEY = "ocop.request_id"


class RequestObserver:
    def __init__(self, inner: Callable[..., Iterable[bytes]], fast_lane_log_every: int = 1) -> None:
        self.inner = inner
        self.fast_lane_log_every = max(fast_lane_log_every, 1)
        self.fast_lane_answers = itertools.count()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = accept_request_id(environ.get("HTTP_X_REQUEST_ID"))
        environ[REQUEST_ID_KEY] = request_id
        token = bind_request_id(request_id)
        seen: dict[str, Any] = {}

        def observe_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            seen["status"] = int(status.split(" ", 1)[0])
            seen["cache_hit"] = any(name == "X-Page-Cache" for name, _value in headers)
            headers = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
            headers.append((REQUEST_ID_HEADER, request_id))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            return self.inner(environ, observe_start)
        finally:
            self._record(environ, seen, time.perf_counter() - started)
            unbind_request_id(token)

    def _record(self, environ: dict[str, Any], seen: dict[str, Any], seconds: float) -> None:
        path = environ.get("PATH_INFO", "")
        endpoint = environ.get(ENDPOINT_KEY)
        if not endpoint:
            endpoint = "page_cache" if seen.get("cache_hit") else "fast_lane" if path.startswith("/t/") else "none"
        status = seen.get("status", 500)
        method = environ.get("REQUEST_METHOD", "")
        observe_request(endpoint, method, status, seconds)
        if endpoint == "fast_lane" and status == 200 and next(self.fast_lane_answers) % self.fast_lane_log_every:
            return  # sampled: one line in `FAST_LANE_LOG_EVERY` for the fast lane's scans (errors always)
        log_request(method, path, endpoint, status, seconds * 1000, environ.get(USER_KEY))


def _note_endpoint_and_user(response: Response) -> Response:
    """For the observer: the endpoint name, and the user when one was already loaded (never loaded here)."""
    request.environ[ENDPOINT_KEY] = request.endpoint or "none"
    user = g.get("_login_user") or g.get("current_api_user")
    user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
    if user_id is not None:
        request.environ[USER_KEY] = user_id
    return response


def install(app: Flask) -> None:
    """Outermost: ProxyFix (when PROXY_FIX_HOPS > 0) so the scan lane and page cache see the client's address and
    scheme, then the observer."""
    app.after_request(_note_endpoint_and_user)
    inner = app.wsgi_app
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops > 0:
        # X-Forwarded-For and -Proto only: links are built from PUBLIC_BASE_URL, never from the Host header
        inner = ProxyFix(inner, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    app.wsgi_app = RequestObserver(inner, int(app.config.get("FAST_LANE_LOG_EVERY") or 1))  # type: ignore[method-assign]
