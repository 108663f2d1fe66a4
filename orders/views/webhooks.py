"""Payment notifications in: `POST /webhooks/bank-transfer` (SePay-style) and `POST /webhooks/stripe`."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from marketplace.errors import DomainError
from marketplace.extensions import csrf, db, limiter
from orders import reconcile
from orders.payments import stripe as stripe_gateway

bp = Blueprint("order_webhooks", __name__, url_prefix="/webhooks")
WEBHOOK_LIMIT = "300 per minute"


def _apikey_ok() -> bool:
    scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
    expected = current_app.config.get("BANK_WEBHOOK_API_KEY") or ""
    return scheme.lower() == "apikey" and bool(expected) and hmac.compare_digest(key.strip(), expected)


@bp.post("/bank-transfer")
@csrf.exempt
@limiter.limit(WEBHOOK_LIMIT)
def bank_transfer():
    """SePay-style transfer notification; a repeat of the same transaction id answers 200 and changes nothing."""
    if not _apikey_ok():
        raise DomainError(_("Sai khoá API."), code="unauthorized", status=401)
    data = request.get_json(silent=True)
    reconcile.record_bank_transfer(data)
    db.session.commit()
    return jsonify({"success": True})


@bp.post("/stripe")
@csrf.exempt
@limiter.limit(WEBHOOK_LIMIT)
def stripe_events():
    """Stripe events, signature checked on the raw body; each event id is handled once."""
    event = stripe_gateway.verify_event(request.get_data(cache=False), request.headers.get("Stripe-Signature", ""))
    outcome = reconcile.handle_stripe_event(event.to_dict())
    db.session.commit()
    return jsonify({"received": True, "outcome": outcome})
