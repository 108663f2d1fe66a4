"""Registers the marketplace core with the app: login, its pages and API, the job pages, media, API spec, CLI."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, abort, send_from_directory
from flask_babel import lazy_gettext as _l
from flask_smorest.spec.plugins import integerconverter2paramschema
from werkzeug.routing import IntegerConverter

from . import api as api_module
from . import audit_labels, buyers, errors, navigation, ops, sessions, views
from .admin import models as _site_settings  # noqa: F401 — registers the site_settings table
from .apiauth import check_token_before_body
from .cli import register_cli
from .extensions import api, csrf, login_manager
from .jobs import models as _jobs  # noqa: F401 — registers the jobs table
from .jobs import views as job_views
from .models import Role
from .notify import init_app as init_notify
from .notify import models as _deliveries  # noqa: F401 — registers the deliveries table
from .notify import views as notify_views
from .sellers import api as seller_api
from .sellers import bank_api as seller_bank_api
from .sellers import demo as _seller_demo  # noqa: F401 — registers the demo application's seeder
from .sellers import views as seller_views
from .sellers import views_bulk as sellers_bulk
from .storage import is_private, serve, storage
from .storage.local import LocalStorage
from .urls import public_url, url_maker, with_query


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in URLs: ids and codes live in 32-bit columns, so a bigger number is simply not found (404)
    instead of overflowing the database driver (500)."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None, max: int = 2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _register_converters(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIntConverter
    api.register_converter(DatabaseIntConverter, integerconverter2paramschema)


def _register_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "main.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(sessions.load_user)
    login_manager.request_loader(sessions.load_user_from_remember_cookie)
    sessions.init_app(app)


def _register_media(app: Flask) -> None:
    @app.get("/media/<path:filename>")
    def media(filename: str):
        """Uploaded files; send_from_directory refuses any path outside MEDIA_ROOT (404). With another backend
        (S3) the file is streamed from it; private keys (labels, exports, scans…) are never served here."""
        if isinstance(storage(), LocalStorage):
            response = send_from_directory(app.config["MEDIA_ROOT"], filename, max_age=30 * 86400)
        elif is_private(filename):
            abort(404)
        else:
            response = serve.send(filename, max_age=30 * 86400)
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
        return response


FAVICON_MAX_AGE = 30 * 86400


def _register_favicon(app: Flask) -> None:
    @app.get("/favicon.ico")
    def favicon():
        """Browsers and crawlers ask for /favicon.ico whatever the page says: answer with the SVG icon, cached."""
        return send_from_directory(
            app.static_folder, "img/favicon.svg", mimetype="image/svg+xml", max_age=FAVICON_MAX_AGE
        )


def add_account_link(app: Flask, endpoint: str, label, roles: Iterable[Role] = tuple(Role)) -> None:
    """Packages add their pages to the account menu, each for the roles that may open it (shown only when the
    endpoint exists and the signed-in person has one of those roles)."""
    app.extensions.setdefault("ocop_account_links", []).append(
        navigation.AccountLink(endpoint, label, frozenset(roles))
    )


def add_home(app: Flask, role: Role, endpoint: str) -> None:
    """A package names the page a role lands on after signing in (its home)."""
    app.extensions.setdefault("ocop_homes", {})[role] = endpoint


def _template_globals(app: Flask) -> None:
    """Names every template may use, fixed for the app's life: Jinja globals, so a part rendered without the context
    processors (`marketplace.fragments.render_part`) has them too, and no request works them out again."""
    app.jinja_env.globals.update(
        url_rules=app.view_functions,
        public_url=public_url,
        with_query=with_query,
        url_maker=url_maker,
        audit=audit_labels,
    )


def register_api_blueprint(blueprint) -> None:
    """API blueprints use bearer tokens, never cookies, so they are exempt from CSRF."""
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint)


def _register_security_scheme() -> None:
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})


def init_app(app: Flask) -> None:
    _register_converters(app)
    _register_login(app)
    errors.init_app(app)
    _register_media(app)
    _register_favicon(app)
    _template_globals(app)
    app.register_blueprint(views.bp)
    register_api_blueprint(api_module.blp)
    register_api_blueprint(seller_bank_api.blp)
    app.before_request(check_token_before_body)
    _register_security_scheme()
    register_cli(app)
    ops.init_app(app)
    app.register_blueprint(job_views.bp)
    app.register_blueprint(seller_views.bp)
    register_api_blueprint(seller_api.blp)
    app.register_blueprint(sellers_bulk.bp)
    add_account_link(app, "jobs.jobs", _l("Công việc nền"), navigation.STAFF_ROLES)
    init_notify(app)
    app.register_blueprint(notify_views.bp)
    add_account_link(app, "notify.preferences", _l("Nhận thông báo qua Zalo, SMS, e-mail"))
    buyers.init_app(app, add_account_link)
