"""What the fake provider servers share: a quiet request handler that reads JSON and answers JSON, and a loopback
server on a free port in its own daemon thread."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JsonHandler(BaseHTTPRequestHandler):
    """Subclasses implement `do_POST`; `fake` is the provider's state object, set by `serve`."""

    fake: Any

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    @staticmethod
    def parse_json(raw: bytes) -> Any:
        """The decoded body, or None when it is not JSON (the fakes answer that the way the provider does)."""
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args) -> None:
        return None


def serve(fake: Any, handler: type[JsonHandler], name: str) -> tuple[ThreadingHTTPServer, str]:
    """Serve `fake` through `handler` on a free loopback port; the server (`shutdown()` ends it) and its base URL."""
    bound = type(f"{handler.__name__}For{type(fake).__name__}", (handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
