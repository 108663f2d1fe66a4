"""The page micro-cache never keeps an answer that sets a cookie, nor one that is not a 200."""

from __future__ import annotations

from flask import Flask

from marketplace.pagecache import HIT_HEADER, AnonymousPageCache


def _app() -> Flask:
    app = Flask(__name__)
    app.config["PAGE_CACHE_SECONDS"] = 30

    @app.get("/p/with-cookie")
    def with_cookie():
        response = app.make_response("trang có cookie")
        response.set_cookie("session", "x")
        return response

    @app.get("/p/plain")
    def plain():
        return "trang thường"

    app.wsgi_app = AnonymousPageCache(app, app.wsgi_app)  # type: ignore[method-assign]
    return app


def test_answer_that_sets_a_cookie_is_never_replayed():
    client = _app().test_client(use_cookies=False)
    client.get("/p/with-cookie")
    assert HIT_HEADER[0] not in client.get("/p/with-cookie").headers


def test_plain_answer_is_replayed():
    client = _app().test_client()
    client.get("/p/plain")
    assert client.get("/p/plain").headers[HIT_HEADER[0]] == HIT_HEADER[1]
