"""Buyer pages: cart, checkout, payment (the gateway's own template), order list and detail, cancel, re-order."""

from __future__ import annotations

import math
import secrets
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from marketplace import addresses, otp
from marketplace.apiauth import api_user
from marketplace.errors import DomainError
from marketplace.extensions import csrf, db, limiter
from marketplace.forms import CodeForm
from marketplace.fragments import frozen, kept, render_part
from marketplace.models import OtpPurpose, Province
from marketplace.security import csp_with, protect_token_or_same_origin
from marketplace.services import require_mobile
from marketplace.text import display_phone, phone_has_known_prefix
from marketplace.ttlcache import TtlCache
from marketplace.units import search_communes
from marketplace.urls import safe_next_url
from orders import cart as cart_service
from orders import checkout as checkout_service
from orders import delivery, links, queries, services, states
from orders.forms import CheckoutForm
from orders.models import Order, OrderStatus
from orders.payments import checkout_security, get_gateway
from orders.qrcodes import qr_png, qr_svg

from .blueprint import bp


def _cart_owner():
    return current_user if current_user.is_authenticated else None


@bp.get("/cart")
def cart():
    return _cart_page()


def _cart_page(status: int = 200):
    groups, notes = cart_service.cart_of(_cart_owner())
    total = sum(group.total_vnd for group in groups)
    return render_template("orders/cart.html", groups=groups, notes=notes, total=total), status


def _cart_error(error: Exception):
    """A refused cart change: the cart page with the reason and a 4xx (nothing was changed)."""
    db.session.rollback()
    flash(getattr(error, "message", _("Sản phẩm không hợp lệ.")), "error")
    return _cart_page(getattr(error, "status", 422))


@bp.post("/cart/add")
@csrf.exempt
def add_to_cart():
    """The form on the product page: anonymous visitors get it without a CSRF token, so the page can be cached."""
    protect_token_or_same_origin()
    try:
        product_id = int(request.form.get("product_id", ""))
        quantity = cart_service.parse_quantity(request.form.get("quantity", "1"))
        variant_id = request.form.get("variant_id", type=int)
        now = cart_service.add_to_cart(_cart_owner(), product_id, quantity, variant_id)
    except (ValueError, DomainError) as error:
        return _cart_error(error)
    db.session.commit()
    if request.form.get("buy_now"):  # "Mua ngay": straight on to checkout with the cart
        return redirect(url_for("orders.checkout"))
    flash(_("Đã thêm vào giỏ (%(n)d trong giỏ).", n=now), "success")
    return redirect(safe_next_url(request.form.get("next")) or url_for("orders.cart"))


@bp.post("/cart/update")
def cart_update():
    owner = _cart_owner()
    try:
        for key, value in request.form.items():
            if key.startswith("qty-") and key[4:].isdigit():
                cart_service.set_quantity(owner, int(key[4:]), cart_service.parse_quantity(value, allow_zero=True))
        if request.form.get("remove", "").isdigit():
            cart_service.set_quantity(owner, int(request.form["remove"]), 0)
    except DomainError as error:
        return _cart_error(error)
    db.session.commit()
    return redirect(url_for("orders.cart"))


def _checkout_page(
    form: CheckoutForm,
    groups,
    province_code: int | None,
    commune_code: int | None,
    status: int = 200,
    saved=(),
    commune_errors=(),
):
    provinces = db.session.scalars(select(Province).order_by(Province.name)).all()
    communes = search_communes(db.session, province_code, limit=600) if province_code else []
    total = sum(group.total_vnd for group in groups)
    response = make_response(
        render_template(
            "orders/checkout.html",
            form=form,
            groups=groups,
            total=total,
            provinces=provinces,
            communes=communes,
            province_code=province_code,
            commune_code=commune_code,
            commune_errors=list(commune_errors),
            saved=saved,
        ),
        status,
    )
    extra = checkout_security()  # e.g. a gateway whose page the buyer is sent to once the form is placed
    if extra:
        response.headers["Content-Security-Policy"] = csp_with(extra)
    return response


@bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    """Checkout for a signed-in buyer (saved addresses offered, the address used saved) and for a guest (name,
    phone, address; cash on delivery waits for a code sent to the phone, at /checkout/confirm)."""
    buyer = _cart_owner()
    groups, _notes = cart_service.cart_of(buyer)
    form = CheckoutForm()
    saved = addresses.addresses_of(buyer) if buyer else []
    if request.method == "GET":
        if not groups:
            return _empty_cart()
        form.token.data = secrets.token_urlsafe(16)
        province_code, commune_code = _prefill(form, buyer, saved)
        return _checkout_page(form, groups, province_code, commune_code, saved=saved)
    province_code = request.form.get("province", type=int)
    commune_code = request.form.get("commune", type=int)
    picking = request.form.get("action") == "pick"
    if picking or not form.validate_on_submit():
        if not groups:
            return _empty_cart()
        if picking:
            return _checkout_page(form, groups, province_code, commune_code, saved=saved)
        missing = [] if commune_code else [_("Chọn xã/phường nhận hàng.")]
        return _checkout_page(form, groups, province_code, commune_code, 422, saved=saved, commune_errors=missing)
    shipping = {
        "name": form.name.data,
        "phone": form.phone.data,
        "address": form.address.data,
        "commune": commune_code,
        "province": province_code,
        "note": form.note.data,
    }
    items = [(line.product.id, line.quantity, line.variant.id) for group in groups for line in group.lines]
    try:
        if buyer is None:
            return _guest_checkout(form, items, shipping)
        placed = checkout_service.checkout(
            buyer, items, form.payment_method.data, shipping, form.token.data, from_cart=True
        )
        if request.form.get("save_address"):
            addresses.save_address(buyer, form.name.data, form.phone.data, form.address.data, commune_code)
    except checkout_service.PaymentNotStarted as error:  # placed and committed; its pay page tries again
        flash(error.message, "error")
        return _after_checkout(error.checkout)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        if not groups:
            return redirect(url_for("orders.cart"))
        fields = {
            name: list(messages) if isinstance(messages, list | tuple) else [messages]
            for name, messages in (error.extra.get("fields") or {}).items()
        }
        for name, messages in fields.items():
            if name in form:
                form[name].errors = messages
        return _checkout_page(
            form,
            groups,
            province_code,
            commune_code,
            error.status,
            saved=saved,
            commune_errors=fields.get("commune", ()),
        )
    return _after_checkout(placed)


def _prefill(form: CheckoutForm, buyer, saved) -> tuple[int | None, int | None]:
    """The form filled from the address picked (`?address=`), else the default one, else the account."""
    if buyer is None:
        return None, None
    chosen = request.args.get("address", type=int)
    address = next((a for a in saved if a.id == chosen), None) or (saved[0] if saved else None)
    if address is None:
        return _prefill_from_last_order(form, buyer)
    form.name.data, form.phone.data, form.address.data = address.name, display_phone(address.phone), address.address
    return address.commune.province_code, address.commune_code


def _prefill_from_last_order(form: CheckoutForm, buyer) -> tuple[int | None, int | None]:
    """A returning buyer without a saved address gets the last order's delivery details (commune list included)."""
    last = db.session.scalars(queries.orders_of_buyer(buyer).order_by(Order.created_at.desc()).limit(1)).first()
    if last is None:
        form.name.data = buyer.full_name
        form.phone.data = display_phone(buyer.phone)  # accounts keep E.164
        return None, None
    form.name.data, form.phone.data, form.address.data = (
        last.ship_name,
        display_phone(last.ship_phone),
        last.ship_address,
    )
    return last.ship_commune.province_code, last.ship_commune_code


GUEST_KEY = "guest_checkout"
GUEST_PLACED_KEY = "guest_placed"
CLEAR_DRAFT_KEY = "clear_draft"  # base.html pops it into `data-draft-clear`


def _guest_checkout(form: CheckoutForm, items, shipping: dict):
    """A guest's order: the details are checked now; cash on delivery, and any order to a number that already has an
    account (it lands in that account), first confirm the phone by a code; a new number paying online places at
    once."""
    checkout_service.clean_shipping(
        shipping["name"],
        shipping["phone"],
        shipping["address"],
        shipping["commune"],
        shipping["province"],
        shipping["note"] or "",
    )
    phone = require_mobile(shipping["phone"])
    method = form.payment_method.data
    if method == "cod" or otp.phone_has_account(phone):  # an account's orders only by its phone's code
        session[GUEST_KEY] = {"shipping": shipping, "method": method, "token": form.token.data, "phone": phone}
        try:
            otp.send_code(phone, OtpPurpose.COD_CONFIRM, get_remote_address() or "")
        except otp.OtpLimited as error:
            if otp.resend_wait(phone, OtpPurpose.COD_CONFIRM) == 0:
                raise
            flash(error.message, "info")  # a code went out a moment ago: it still works
        db.session.commit()
        return redirect(url_for("orders.checkout_confirm"))
    buyer = otp.new_phone_account(phone)  # never an existing account without its code (409 if one appeared)
    try:
        placed = checkout_service.checkout(buyer, items, method, shipping, form.token.data)
    except checkout_service.PaymentNotStarted as error:  # placed and committed; the link's pay page tries again
        flash(error.message, "error")
        placed = error.checkout
    return _after_guest_checkout(placed, phone)


@bp.route("/checkout/confirm", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def checkout_confirm():
    """Step 2 of a guest's cash-on-delivery order (or any order to a number with an account): the code sent to the
    phone places it."""
    pending = session.get(GUEST_KEY)
    if not pending:
        return redirect(url_for("orders.checkout"))
    phone = pending["phone"]
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        if request.form.get("action") == "resend":
            try:
                otp.send_code(phone, OtpPurpose.COD_CONFIRM, get_remote_address() or "")
            except DomainError as error:
                flash(error.message, "error")
            else:
                db.session.commit()
                flash(_("Đã gửi mã mới."), "info")
            return redirect(url_for("orders.checkout_confirm"))
        groups, _notes = cart_service.cart_of(None)
        items = [(line.product.id, line.quantity, line.variant.id) for group in groups for line in group.lines]
        try:
            otp.check_code(phone, OtpPurpose.COD_CONFIRM, form.code.data or "")
        except otp.OtpRejected as error:
            db.session.commit()  # the try counts
            form.code.errors = [error.message]
            status = error.status
        else:
            try:
                buyer = otp.account_for_phone(phone, verified=True)
                placed = checkout_service.checkout(
                    buyer, items, pending["method"], pending["shipping"], pending["token"]
                )
            except checkout_service.PaymentNotStarted as error:  # placed and committed; its link's pay page retries
                flash(error.message, "error")
                placed = error.checkout
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
                return redirect(url_for("orders.checkout"))
            session.pop(GUEST_KEY, None)
            return _after_guest_checkout(placed, phone)
    page = render_template(
        "orders/guest_confirm.html",
        form=form,
        phone_display=display_phone(phone),
        wait=otp.resend_wait(phone, OtpPurpose.COD_CONFIRM),
        shipping=pending["shipping"],
        cash_on_delivery=pending["method"] == "cod",
    )
    return page, status


def _after_guest_checkout(placed, phone: str):
    """The guest's cart empties, each order's link goes to the phone and onto the confirmation page."""
    cart_service.remove_products(None, [line.product_id for order in placed.orders for line in order.lines])
    links.send_order_links(placed.orders, phone)
    session[GUEST_PLACED_KEY] = [order.code for order in placed.orders]
    db.session.commit()
    flash(_("Đã đặt %(n)d đơn hàng.", n=len(placed.orders)), "success")
    session[CLEAR_DRAFT_KEY] = "checkout"
    return redirect(url_for("orders.guest_placed"))


@bp.get("/checkout/placed")
def guest_placed():
    """What a guest just ordered, with the link to each order (also sent to the phone)."""
    codes = session.get(GUEST_PLACED_KEY) or []
    orders = db.session.scalars(select(Order).where(Order.code.in_(codes))).all() if codes else []
    if not orders:
        return redirect(url_for("catalog.home"))
    response = make_response(
        render_template(
            "orders/guest_placed.html",
            orders=[(order, links.order_link(order), links.link_token(order)) for order in orders],
            status_label=states.status_label,
            OrderStatus=OrderStatus,
            get_gateway=get_gateway,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _empty_cart():
    flash(_("Giỏ hàng đang trống."), "info")
    return redirect(url_for("orders.cart"))


def _after_checkout(placed):
    """To the provider's page or our payment page for the first order still to pay, else to the order list."""
    order = checkout_service.next_to_pay(placed)
    target = url_for("orders.my_orders")
    if order is not None:
        target = get_gateway(order.payment_method).pay_url(order) or url_for("orders.pay", code=order.code)
    phone = placed.orders[0].ship_phone if placed.orders else ""
    count = len(placed.orders)
    db.session.commit()
    flash(_("Đã đặt %(n)d đơn hàng.", n=count), "success")
    session[CLEAR_DRAFT_KEY] = "checkout"  # the next page tells the browser to forget the typed form
    if phone and not phone_has_known_prefix(phone):  # a warning, not an error: new prefixes do appear
        flash(_("Số %(phone)s không giống số di động thường gặp; hãy kiểm tra lại.", phone=phone), "info")
    return redirect(target)


ORDERS_PER_PAGE = 20


@bp.get("/orders/")
@login_required
def my_orders():
    """The buyer's orders, newest first, 20 a page (a light page on 2G)."""
    pages = max(1, math.ceil(queries.count_orders_of_buyer(current_user) / ORDERS_PER_PAGE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    orders = queries.buyer_order_rows(current_user, ORDERS_PER_PAGE, (page - 1) * ORDERS_PER_PAGE)
    shown = {"orders": orders, "status_labels": states.status_labels(), "page": page, "pages": pages}
    return render_template("orders/my_orders.html", content=_my_orders_content(shown), **shown)


my_orders_cache = TtlCache(512)


def _my_orders_content(shown: dict[str, Any]) -> Markup:
    """The order list's table and pager, kept per shown version: the rows (code, state, date, total, cooperative),
    the page and the state names (templates/orders/_my_orders_content.html)."""
    key = (tuple(shown["orders"]), shown["page"], shown["pages"], frozen(shown["status_labels"]))
    return kept(my_orders_cache, key, lambda: render_part("orders/_my_orders_content.html", **shown))


def _order_for_viewer(code: str):
    """(order, link token) for the signed-in buyer or the holder of the order's signed link; None when neither
    (the caller sends them to sign in)."""
    token = request.args.get("t")
    if token:
        return links.order_for_token(code, token), token
    if not current_user.is_authenticated:
        return None, None
    return queries.buyer_order(current_user, code), None


@bp.get("/orders/<code>")
def detail(code: str):
    order, token = _order_for_viewer(code)
    if order is None:
        return current_app.login_manager.unauthorized()
    return render_template(
        "orders/detail.html",
        link_token=token,
        order=order,
        gateway=get_gateway(order.payment_method),
        status_label=states.status_label,
        states=states,
        carriers=services.CARRIERS,
        OrderStatus=OrderStatus,
    )


@bp.get("/orders/<code>/pay")
def pay(code: str):
    """The gateway's payment page (QR and transfer details, card form, wallet link). A checkout split between
    cooperatives shows every order's payment as one sequence; a small script polls `pay_status` to mark each paid."""
    order, token = _order_for_viewer(code)
    if order is None:
        return current_app.login_manager.unauthorized()
    gateway = get_gateway(order.payment_method)
    if order.status != OrderStatus.PENDING_PAYMENT or not gateway.needs_payment_page:
        waiting = next((o for o in _payment_sequence(order, token) if o.status == OrderStatus.PENDING_PAYMENT), None)
        if waiting is not None:  # this one is paid: on to the next transfer of the same checkout
            return redirect(url_for("orders.pay", code=waiting.code))
        return redirect(url_for("orders.detail", code=order.code, t=token))
    if gateway.starts_remotely:  # again, in case the provider failed at checkout (start is idempotent)
        try:
            gateway.start(order)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
    sequence = _payment_sequence(order, token)
    response = make_response(
        render_template(
            gateway.payment_template,
            order=order,
            payment=gateway.describe(order),
            steps=[(o, gateway.describe(o) if o.status == OrderStatus.PENDING_PAYMENT else None) for o in sequence],
            link_token=token,
            status_label=states.status_label,
            OrderStatus=OrderStatus,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    extra = gateway.content_security("payment")
    if extra:
        response.headers["Content-Security-Policy"] = csp_with(extra)
    return response


def _payment_sequence(order: Order, token: str | None) -> list[Order]:
    """The orders paid one after the other: the signed-in buyer's whole checkout (cancelled ones left out), or
    just this order for the holder of its link."""
    if token is not None:
        return [order]
    return [o for o in order.checkout.orders if o.status not in states.NO_LONGER_PAYABLE]


@bp.get("/orders/<code>/pay/status")
def pay_status(code: str):
    """Small JSON the payment page polls: each order of the sequence, paid or not (no page reloads)."""
    order, token = _order_for_viewer(code)
    if order is None:
        abort(404)
    sequence = _payment_sequence(order, token)
    waiting = [o for o in sequence if o.status == OrderStatus.PENDING_PAYMENT]
    response = jsonify(
        orders=[
            {
                "code": o.code,
                "status": OrderStatus(o.status).value,
                "status_label": states.status_label(o.status),
                "paid": o.status != OrderStatus.PENDING_PAYMENT,
                "paid_vnd": o.paid_vnd,
                "total_vnd": o.total_vnd,
            }
            for o in sequence
        ],
        all_paid=not waiting,
        next_url=url_for("orders.detail", code=order.code, t=token) if not waiting else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/orders/<code>/qr.<fmt>")
def qr_image(code: str, fmt: str):
    """The order's scan-to-pay code as PNG or SVG, for its buyer (session or bearer token) or its cooperative."""
    user = current_user if current_user.is_authenticated else api_user()
    if fmt not in ("png", "svg") or (user is None and not request.args.get("t")):
        abort(404)
    if request.args.get("t"):
        order = links.order_for_token(code, request.args["t"])
    else:
        order = queries.visible_order(user, code=code)
    payload = get_gateway(order.payment_method).qr_payload(order)
    if payload is None:
        abort(404)
    body, mimetype = (qr_png(payload), "image/png") if fmt == "png" else (qr_svg(payload), "image/svg+xml")
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/orders/<code>/cancel", methods=["GET", "POST"])
@login_required
def cancel(code: str):
    """Two steps: the first visit asks "Bạn chắc chắn…?" (with a reason box), the POST with `confirm=1` cancels."""
    order = queries.buyer_order(current_user, code)
    if request.method == "GET" or request.form.get("confirm") != "1":
        return cancel_confirmation(
            order, url_for("orders.cancel", code=order.code), url_for("orders.detail", code=order.code)
        )
    try:
        services.cancel_order(current_user, order, request.form.get("reason", ""))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Đã huỷ đơn %(code)s.", code=order.code), "success")
    return redirect(url_for("orders.detail", code=order.code))


def cancel_confirmation(order: Order, action_url: str, back_url: str):
    """The question before a cancel; an order that may no longer be cancelled goes back with the reason."""
    try:
        services.ensure_may_cancel(current_user, order)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(back_url)
    return render_template(
        "orders/cancel_confirm.html",
        order=order,
        action_url=action_url,
        back_url=back_url,
        refund_due=services.cancel_target(order) == OrderStatus.REFUND_REQUESTED,
    )


@bp.post("/orders/<code>/received")
@login_required
def received(code: str):
    """Buyer: shipped → delivered, or delivered → completed."""
    order = queries.buyer_order(current_user, code)
    try:
        delivery.confirm_received(current_user, order)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
    return redirect(url_for("orders.detail", code=order.code))


@bp.post("/orders/<code>/reorder")
@login_required
def reorder(code: str):
    """Put the same products (and variants) back in the cart (bounded by today's stock)."""
    order = queries.buyer_order(current_user, code)
    added = 0
    for line in order.lines:
        try:
            cart_service.add_to_cart(current_user, line.product_id, line.quantity, line.variant_id)
            added += 1
        except DomainError as error:
            flash(error.message, "info")
    db.session.commit()
    if added:
        flash(_("Đã thêm %(n)d sản phẩm vào giỏ.", n=added), "success")
    return redirect(url_for("orders.cart"))
