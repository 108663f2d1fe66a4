"""Each person's choice of channel for notices (/account/notices)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField

from ..extensions import db
from . import services

bp = Blueprint("notify", __name__)


class ChannelForm(FlaskForm):
    channel = RadioField(choices=[], validate_choice=True)


def _form() -> ChannelForm:
    form = ChannelForm(data={"channel": services.choice_of(current_user)})
    form.channel.choices = [
        (choice, str(label))
        for choice, label in services.CHOICES.items()
        if choice in ("in_app",)
        or (choice == "email" and current_user.email)
        or (choice != "email" and current_user.phone)
    ]
    return form


@bp.route("/account/notices", methods=["GET", "POST"])
@login_required
def preferences():
    form = _form()
    if form.validate_on_submit():
        services.set_choice(current_user, form.channel.data)
        db.session.commit()
        flash(_("Đã lưu cách nhận thông báo."), "success")
        return redirect(url_for("notify.preferences"))
    return render_template(
        "marketplace/notify/preferences.html",
        form=form,
        chosen=current_user.notify_channel,
        default=services.default_choice(current_user),
        labels=services.CHOICES,
    )
