"""Public scan pages: `/t/<serial>`, the GS1 Digital Link resolver, lookup by short code, counterfeit reports.

Server-rendered, no JavaScript, one small stylesheet. The HTML shows a per-scan count, so it is never stored by
shared caches (`Cache-Control: private, no-store`); the stylesheet and photos are cacheable as usual.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import escape

from catalog.validation import gtin_is_valid
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.security import json_error, wants_json
from traceability import fastlane, heads, pins, resolver, scanpage, services
from traceability.scanbuffer import buffer
from traceability.serials import normalise

from .blueprint import bp

NO_STORE = "private, no-store"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Vary"] = "Accept"
    return response


def not_genuine(serial: str, status: int = 404) -> Response:
    """The 404 for a code we never issued (or one presented with the wrong GTIN/lot)."""
    message = _("Không tìm thấy mã này — sản phẩm có thể không chính hãng")
    if wants_json():
        response = jsonify(
            {"genuine": False, "serial": serial[:40], "error": {"code": "not_genuine", "message": message}}
        )
        response.status_code = status
        return _no_store(response)
    body = render_template("traceability/not_found.html", serial=serial[:40], message=message)
    return _no_store(Response(body, status=status, mimetype="text/html"))


def _page(hit: scanpage.ScanHit) -> Response:
    view = scanpage.batch_view(hit.batch_id, hit.head)
    if wants_json():
        return _no_store(jsonify(scanpage.scan_json(hit, view)))
    return _no_store(Response(scanpage.render_page(hit, view), mimetype="text/html"))


def too_many_scans() -> Response:
    """The 429 for a client past `SCAN_RATE_LIMIT` scans a minute (nothing is recorded)."""
    message = _("Bạn quét mã quá nhanh. Vui lòng thử lại sau một phút.")
    if wants_json():
        response = json_error(429, message=message)
    else:
        response = Response(render_template("errors/error.html", status=429, message=message), status=429)
    response.headers["Retry-After"] = "60"
    return _no_store(response)


def _scan(serial: str, *, gtin: str | None = None, lot: str | None = None, via: str) -> Response:
    allowed = request.environ.get(fastlane.ALLOWED_KEY)
    if allowed is None:
        allowed = scanpage.scan_allowed(request.remote_addr)
    if not allowed:
        return too_many_scans()
    device = scanpage.request_device()
    counted = request.environ.get(fastlane.HIT_KEY)
    if counted is not None:
        hit = None if counted == fastlane.NOT_FOUND else counted
    else:
        buffer.flush()  # the fast lane's buffered scans first: this count includes them
        hit = scanpage.record_scan(serial, gtin=gtin, lot=lot, via=via, device=device)
    response = not_genuine(serial) if hit is None else _page(hit)
    return scanpage.give_device_cookie(response, device)


@bp.get("/t/<text>")
@limiter.exempt
def scan(text: str):
    serial = normalise(text)
    if serial is None:
        return not_genuine(text)
    return _scan(serial, via="code" if request.args.get("via") == "code" else "qr")


def _gs1_key_ok(gtin: str, lot: str | None = None) -> bool:
    return len(gtin) == 14 and gtin_is_valid(gtin) and (lot is None or 0 < len(lot) <= 20)


def _gs1_path(gtin: str, lot: str | None = None, serial: str | None = None) -> str:
    path = f"/01/{gtin}"
    if lot is not None:
        path += f"/10/{quote(lot, safe='')}"
    return path + (f"/21/{serial}" if serial is not None else "")


def _linkset(body: dict) -> Response:
    response = jsonify(body)
    response.mimetype = resolver.LINKSET_TYPE
    return _no_store(response)


def _gs1_label(gtin: str, lot: str | None, text: str) -> Response:
    """A label named by GTIN (and lot) and serial: the scan page, or the link type asked for."""
    serial = normalise(text)
    if serial is None or not _gs1_key_ok(gtin, lot):
        return not_genuine(text)
    wanted = resolver.link_type(request.args.get("linkType"))
    if wanted in (resolver.PIP, resolver.ALL):
        hit = scanpage.peek_label(serial, gtin=gtin, lot=lot)
        if hit is None:
            return not_genuine(serial)
        product = scanpage.batch_view(hit.batch_id, hit.head).data["product"]
        if wanted == resolver.PIP:
            return redirect(url_for("catalog.product", slug=product["slug"]), code=307)
        base = current_app.config["PUBLIC_BASE_URL"]
        path = _gs1_path(gtin, lot, serial)
        pip = resolver.product_link(product["slug"], product["name"])
        return _linkset(resolver.linkset(base + path, pip, resolver.trace_link(path)))
    return _scan(serial, gtin=gtin, lot=lot, via="gs1")


@bp.get("/01/<gtin>/10/<lot>/21/<text>")
@limiter.exempt
def digital_link(gtin: str, lot: str, text: str):
    """GS1 Digital Link: the GTIN's check digit and the lot must match the label's batch, or it is not ours."""
    return _gs1_label(gtin, lot, text)


@bp.get("/01/<gtin>/21/<text>")
@limiter.exempt
def digital_link_serial(gtin: str, text: str):
    """The GS1 short form of a label (GTIN and serial, no lot): the same page as the full form."""
    return _gs1_label(gtin, None, text)


@bp.get("/01/<gtin>/10/<lot>")
@limiter.exempt
def digital_link_batch(gtin: str, lot: str):
    """A batch by GTIN and lot: its trace page (no label, so no scan is counted), or the link type asked for."""
    batch = resolver.batch_for(gtin, lot) if _gs1_key_ok(gtin, lot) else None
    if batch is None:
        return not_genuine(f"{gtin}/{lot}")
    product = batch.product
    wanted = resolver.link_type(request.args.get("linkType"))
    if wanted == resolver.PIP:
        return redirect(url_for("catalog.product", slug=product.slug), code=307)
    path = _gs1_path(gtin, lot)
    if wanted == resolver.ALL:
        base = current_app.config["PUBLIC_BASE_URL"]
        pip = resolver.product_link(product.slug, product.name)
        return _linkset(resolver.linkset(base + path, pip, resolver.trace_link(path)))
    view = scanpage.batch_view(batch.id, resolver.batch_head(batch.id))
    if wants_json():
        return _no_store(
            jsonify({key: view.data[key] for key in ("chain_valid", "product", "cooperative", "batch", "events")})
        )
    note = _("Thông tin lô hàng. Quét mã QR trên từng sản phẩm để kiểm tra tem chính hãng.")
    status = f'<section class="status info" role="status"><p>{escape(note)}</p></section>'
    return _no_store(Response(view.before + status + view.after, mimetype="text/html"))


@bp.get("/01/<gtin>")
@limiter.exempt
def digital_link_product(gtin: str):
    """A GTIN alone: the product page (its only link), or the linkset with `linkType=all`."""
    product = resolver.product_for_gtin(gtin) if _gs1_key_ok(gtin) else None
    if product is None:
        return not_genuine(gtin)
    if resolver.link_type(request.args.get("linkType")) == resolver.ALL:
        base = current_app.config["PUBLIC_BASE_URL"]
        pip = resolver.product_link(product.slug, product.name)
        return _linkset(resolver.linkset(base + _gs1_path(gtin), pip, None))
    return redirect(url_for("catalog.product", slug=product.slug), code=307)


@bp.get("/t/heads/<slug>.json")
def chain_heads(slug: str):
    """A cooperative's published daily chain heads (recent days, newest first), for anyone to keep a copy of."""
    cooperative = heads.public_cooperative(slug[:140])
    if cooperative is None:
        return json_error(404, "not_found", _("Không tìm thấy hợp tác xã."))
    response = jsonify(heads.heads_json(cooperative))
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/t/<text>/pin", methods=["GET", "POST"])
def pin_check(text: str):
    """Check the scratch PIN of a label: right (first check, or when it was first checked) or wrong (rate-limited)."""
    serial = normalise(text)
    label = pins.label_with_pin(serial) if serial is not None else None
    if label is None:
        return not_genuine(text)
    if request.method == "GET":
        return _no_store(Response(render_template("traceability/pin.html", serial=serial), mimetype="text/html"))
    if not pins.may_try(serial, request.remote_addr):
        message = _("Đã nhập sai mã PIN quá nhiều lần. Vui lòng thử lại sau một giờ.")
        body = render_template("traceability/pin.html", serial=serial, error=message)
        return _no_store(Response(body, status=429, headers={"Retry-After": "3600"}, mimetype="text/html"))
    result = pins.check_pin(label, (request.form.get("pin") or "")[:12], request.remote_addr)
    db.session.commit()
    status = 200 if result.right else 422
    body = render_template("traceability/pin.html", serial=serial, result=result)
    return _no_store(Response(body, status=status, mimetype="text/html"))


@bp.get("/t")
def lookup():
    """Look a label up by the short code printed under its QR (typed by hand, forgiving)."""
    code = (request.args.get("code") or "").strip()[:40]
    error = None
    if code:
        serial = normalise(code)
        if serial is not None:
            return redirect(url_for("traceability.scan", text=serial, via="code"))
        error = _("Mã gồm 14 ký tự chữ và số in dưới mã QR (ví dụ 7K2Q-9MXA-B3D4-EF). Hãy kiểm tra lại.")
    body = render_template("traceability/lookup.html", code=code, error=error)
    return Response(body, status=422 if error else 200, mimetype="text/html")


@bp.route("/t/report", methods=["GET", "POST"])
@limiter.limit("10 per hour; 3 per minute", methods=["POST"])
def report():
    """A consumer reports a code that is unknown or looks copied (rate-limited, CSRF-protected)."""
    if request.method == "GET":
        serial = (request.args.get("serial") or "")[:40]
        return render_template("traceability/report.html", serial=serial)
    form = request.form
    try:
        services.report_counterfeit(
            form.get("serial", ""), form.get("place", ""), form.get("message", ""), form.get("contact", "")
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("traceability.report"))
    db.session.commit()
    body = render_template("traceability/reported.html")
    return Response(body, mimetype="text/html")


@bp.get("/.well-known/gs1resolver")
def gs1resolver():
    """The resolver description GS1 Digital Link clients read (which keys and link types this host answers)."""
    base = current_app.config["PUBLIC_BASE_URL"]
    response = jsonify(
        {
            "name": "Chợ OCOP",
            "resolverRoot": base,
            "supportedPrimaryKeys": ["01"],
            "supportedQualifiers": {"01": ["10", "21"]},
            "linkTypeDefaultCanBeOverridden": True,
            "defaultLinktype": "gs1:traceability",
            "supportedLinkType": [
                {"namespace": "https://gs1.org/voc/", "prefix": "gs1:", "linkType": "gs1:traceability"},
                {"namespace": "https://gs1.org/voc/", "prefix": "gs1:", "linkType": "gs1:pip"},
                {"namespace": "https://gs1.org/voc/", "prefix": "gs1:", "linkType": "gs1:defaultLink"},
            ],
            "shortLinkPrefix": base + "/t/",
            "contact": base,
        }
    )
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
