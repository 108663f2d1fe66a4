"""Webhook subscriptions for admin (every event) and cooperative owners (their cooperative's events)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from integrations import webhooks
from integrations.models import WebhookDelivery
from marketplace.errors import ValidationFailed
from marketplace.extensions import db

from .blueprint import bp


@bp.route("/integrations/webhooks", methods=["GET", "POST"])
@login_required
def webhooks_page():
    webhooks.ensure_can_manage_webhooks(current_user)
    status = 200
    if request.method == "POST":
        try:
            subscription = webhooks.create_subscription(
                current_user, request.form.get("url", ""), request.form.getlist("events"), request.form.get("secret")
            )
        except ValidationFailed as error:
            flash(error.message, "error")
            status = 422
        else:
            db.session.commit()
            flash(_("Đã tạo webhook. Khóa bí mật: %(s)s", s=subscription.secret), "success")
            return redirect(url_for("integrations.webhook_detail", subscription_id=subscription.id))
    subscriptions = db.session.scalars(webhooks.subscriptions_visible_to(current_user)).all()
    page = render_template("integrations/webhooks.html", subscriptions=subscriptions, events=webhooks.EVENTS)
    return page, status


@bp.get("/integrations/webhooks/<int:subscription_id>")
@login_required
def webhook_detail(subscription_id: int):
    webhooks.ensure_can_manage_webhooks(current_user)
    subscription = webhooks.get_subscription(current_user, subscription_id)
    deliveries = db.session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(100)
    ).all()
    return render_template("integrations/webhook_detail.html", subscription=subscription, deliveries=deliveries)


@bp.post("/integrations/webhooks/<int:subscription_id>/delete")
@login_required
def webhook_delete(subscription_id: int):
    webhooks.delete_subscription(current_user, subscription_id)
    db.session.commit()
    flash(_("Đã xóa webhook."), "success")
    return redirect(url_for("integrations.webhooks_page"))


@bp.post("/integrations/webhooks/deliveries/<int:delivery_id>/redeliver")
@login_required
def webhook_redeliver(delivery_id: int):
    delivery = webhooks.redeliver(current_user, delivery_id)
    db.session.commit()
    flash(_("Đã xếp lịch gửi lại."), "success")
    return redirect(url_for("integrations.webhook_detail", subscription_id=delivery.subscription_id))
