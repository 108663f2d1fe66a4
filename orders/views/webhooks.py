"""Payment notifications in: `POST /webhooks/<path>` goes to the gateway that declares that `notification_path`
(`bank-transfer` for VietQR's bank notifications, `stripe`, `momo`); the gateway checks and records, we commit."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from marketplace.errors import NotFound
from marketplace.extensions import csrf, db, limiter
from orders.payments import notified_gateway

bp = Blueprint("order_webhooks", __name__, url_prefix="/webhooks")
WEBHOOK_LIMIT = "300 per minute"


def _client_and_path() -> str:
    """Each gateway's webhook has its own limit per client address, as when each had its own route."""
    return f"{get_remote_address()}:{(request.view_args or {}).get('path', '')}"


@bp.post("/<path>")
@csrf.exempt
@limiter.limit(WEBHOOK_LIMIT, key_func=_client_and_path)
def notification(path: str):
    """A payment provider's callback; what it answers (and when a repeat changes nothing) is the gateway's."""
    gateway = notified_gateway(path)
    if gateway is None:
        raise NotFound(_("Không có cổng thanh toán nào nhận thông báo ở địa chỉ này."))
    response = gateway.handle_notification(request)
    db.session.commit()
    return response
