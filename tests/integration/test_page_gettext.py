"""Templates translate through `marketplace.i18n.page_gettext` (the translations looked up once per page): the
reader's language, arguments formatted and escaped, plurals — as Jinja's own newstyle gettext does."""

from __future__ import annotations

from flask import render_template_string, session
from flask_babel import refresh

from orders.models import OrderStatus
from orders.states import status_labels


def _render(app, source: str, language: str) -> str:
    with app.test_request_context("/"):
        session["locale"] = language
        refresh()  # the test's app context remembers the language of an earlier render
        return render_template_string(source, name="<b>Vạn Sơn</b>")


def test_templates_translate_format_and_escape_in_the_readers_language(app):
    source = '{{ _("Giỏ hàng") }}|{{ _("Đặc sản %(name)s", name=name) }}|{{ ngettext("%(num)d sản phẩm", "%(num)d sản phẩm", 3) }}'
    assert _render(app, source, "vi") == "Giỏ hàng|Đặc sản &lt;b&gt;Vạn Sơn&lt;/b&gt;|3 sản phẩm"
    cart, specialty, count = _render(app, source, "en").split("|")
    assert cart == "Cart" and count == "3 products"
    assert "&lt;b&gt;Vạn Sơn&lt;/b&gt;" in specialty and "Đặc sản" not in specialty


def _order_labels(app, language: str) -> dict:
    with app.test_request_context("/"):
        session["locale"] = language
        refresh()
        return status_labels()


def test_order_states_read_in_each_readers_language_though_translated_once(app):
    assert _order_labels(app, "vi")[OrderStatus.PENDING_PAYMENT] == "Chờ thanh toán"
    assert _order_labels(app, "en")[OrderStatus.PENDING_PAYMENT] == "Awaiting payment"
    assert _order_labels(app, "vi")[OrderStatus.PENDING_PAYMENT] == "Chờ thanh toán"
    assert _order_labels(app, "en") is _order_labels(app, "en")  # once per language and worker
