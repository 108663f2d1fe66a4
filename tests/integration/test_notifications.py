"""Notices where people are: each channel against a real stand-in of its provider (tests/fakes/esms_server.py,
tests/fakes/zalo_server.py) or the outbox folder, delivery once per key under a retried task, each person's choice
of channel and its defaults, who hears what, the commune staff's daily digest and the admin's delivery log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from catalog import services as catalog_services
from marketplace.admin.models import SiteSetting
from marketplace.extensions import db
from marketplace.models import CooperativeStatus, Notice, Role, User
from marketplace.notify import SETTINGS
from marketplace.notify import services as notices
from marketplace.notify.models import Delivery, DeliveryStatus
from marketplace.notify.tasks import deliver_notice, staff_digest, sweep_deliveries
from marketplace.notify.text import phone_text
from marketplace.text import utcnow
from orders import services as order_services
from orders.models import Order
from tests.factories import VAN_SON, login, make_cooperative, make_product, make_user, sent_mails
from tests.factories.catalog import make_draft
from tests.factories.orders import make_checkout
from tests.fakes import esms_server, zalo_server

TEMPLATES = '{"order.placed": "231001", "order.shipped": "231002", "*": "231000"}'


@pytest.fixture(scope="session")
def fake_esms():
    fake, server = esms_server.start_fake_esms()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def fake_zalo():
    fake, server = zalo_server.start_fake_zalo()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def outbox(app, tmp_path):
    """No provider configured: messages to phones go to a fresh outbox folder."""
    saved = {name: app.config.get(name) for name in SETTINGS}
    app.config.update({name: None for name in SETTINGS}, NOTIFY_OUTBOX_DIR=str(tmp_path / "outbox"))
    yield tmp_path / "outbox"
    app.config.update(saved)


@pytest.fixture
def esms(outbox, app, fake_esms):
    app.config.update(
        SMS_PROVIDER="esms",
        ESMS_API_KEY=esms_server.API_KEY,
        ESMS_SECRET_KEY=esms_server.SECRET_KEY,
        ESMS_BRANDNAME=esms_server.BRANDNAME,
        ESMS_API_URL=fake_esms.url,
    )
    fake_esms.reset()
    return fake_esms


@pytest.fixture
def zalo(esms, app, fake_zalo):
    app.config.update(
        ZALO_OA_ID=zalo_server.OA_ID,
        ZALO_APP_ID=zalo_server.APP_ID,
        ZALO_APP_SECRET=zalo_server.APP_SECRET,
        ZALO_REFRESH_TOKEN=zalo_server.FIRST_REFRESH_TOKEN,
        ZALO_TEMPLATES=TEMPLATES,
        ZALO_OAUTH_URL=fake_zalo.url + zalo_server.TOKEN_PATH,
        ZALO_API_URL=fake_zalo.url,
    )
    fake_zalo.reset()
    return fake_zalo


def _person(phone: str | None = "+84912345678", role: Role = Role.BUYER, **kw) -> User:
    user = make_user(role, **kw)
    user.phone = phone
    db.session.flush()
    return user


def _deliveries(**where) -> list[Delivery]:
    """The log as the worker left it (a new transaction: SQLite would keep showing the old snapshot)."""
    db.session.commit()
    query = select(Delivery).filter_by(**where).order_by(Delivery.id)
    return list(db.session.scalars(query))


def _run_all() -> None:
    """Run each queued delivery's task, as the worker would after commit (again for fallbacks)."""
    db.session.commit()
    while queued := [d.id for d in _deliveries(status=DeliveryStatus.QUEUED)]:
        for delivery_id in queued:
            deliver_notice(delivery_id)


# --- channels ------------------------------------------------------------------------------------------------


def test_without_a_provider_a_phone_message_is_one_outbox_file_even_when_the_task_runs_twice(outbox):
    user = _person("+84912345678")
    delivery = notices.tell(user, "order.shipped", "Đơn ĐH-1 đã giao cho VNPost.", "https://ocop.test/orders/DH-1")
    db.session.commit()
    assert delivery.channel == "outbox" and delivery.status == DeliveryStatus.QUEUED
    assert deliver_notice(delivery.id) is True
    assert deliver_notice(delivery.id) is False  # a retried task finds it sent
    [file] = list(outbox.glob("*.txt"))
    assert "84912345678" in file.name
    assert "Đơn ĐH-1 đã giao cho VNPost. https://ocop.test/orders/DH-1" in file.read_text(encoding="utf-8")
    [row] = _deliveries()
    assert (row.status, row.attempts, row.provider_id) == (DeliveryStatus.SENT, 1, file.name)
    assert db.session.scalar(select(func.count()).select_from(Notice).where(Notice.user_id == user.id)) == 1


def test_esms_sends_one_ascii_sms_with_the_brandname_and_never_a_second(esms):
    user = _person("+84987654321")
    text = "Đơn mới ĐH-2026-0001 của Hợp tác xã Mật ong Mèo Vạc: 1.250.000 ₫, giao tới Xã Vân Sơn, tỉnh Bắc Giang. " * 2
    delivery = notices.tell(user, "order.placed", text, "https://ocop.test/cooperative/orders/DH-2026-0001")
    db.session.commit()
    assert delivery.channel == "sms"
    deliver_notice(delivery.id)
    deliver_notice(delivery.id)
    [sms] = esms.sent
    assert (sms["Phone"], sms["Brandname"], sms["SmsType"], sms["IsUnicode"]) == ("0987654321", "CHO_OCOP", "2", "0")
    assert sms["Content"].isascii() and len(sms["Content"]) <= 160
    assert sms["Content"].startswith("Don moi DH-2026-0001 cua Hop tac xa Mat ong Meo Vac")
    assert sms["Content"].endswith("... https://ocop.test/cooperative/orders/DH-2026-0001")
    [row] = _deliveries()
    assert row.status == DeliveryStatus.SENT and row.provider_id == sms["SMSID"]
    # the provider took it but our commit was lost: the row is queued again, the retry's RequestId is known (124)
    row.status = DeliveryStatus.QUEUED
    db.session.commit()
    deliver_notice(row.id)
    assert len(esms.sent) == 1 and _deliveries()[0].status == DeliveryStatus.SENT


def test_esms_errors_invalid_number_wrong_keys_and_quota(esms, app, outbox):
    bad = _person("+84212345678")  # a landline slipped in: eSMS refuses the number
    notices.tell(bad, "order.shipped", "Đơn ĐH-3 đã gửi.", key="a")
    _run_all()
    [refused] = _deliveries()
    assert refused.status == DeliveryStatus.FAILED and "Phone not valid" in refused.error
    app.config["ESMS_SECRET_KEY"] = "wrong"
    user = _person("+84912000222")
    notices.tell(user, "order.shipped", "Đơn ĐH-4 đã gửi.", key="b")
    _run_all()
    assert _deliveries(user_id=user.id)[0].error.startswith("eSMS 101")
    app.config["ESMS_SECRET_KEY"] = esms_server.SECRET_KEY
    esms.balance = 0  # the account's money is used up: the message waits in the outbox instead of being lost
    notices.tell(user, "order.delivered", "Đơn ĐH-4 đã giao.", key="c")
    _run_all()
    sms, kept = _deliveries(event="order.delivered")
    assert (sms.channel, sms.status, sms.error[:8]) == ("sms", DeliveryStatus.FAILED, "eSMS 103")
    assert (kept.channel, kept.status) == ("outbox", DeliveryStatus.SENT)
    assert len(list(outbox.glob("*84912000222*.txt"))) == 1 and esms.sent == []


def test_zalo_zns_refreshes_its_token_sends_the_template_and_refreshes_once_more_when_it_expires(zalo):
    user = _person("+84912345678")
    user.zalo_ok = True
    notices.tell(user, "order.shipped", "Đơn ĐH-5 đã giao cho Viettel Post, mã vận đơn VTP1.", "https://ocop.test/o/5")
    _run_all()
    [message] = zalo.sent
    assert (message["phone"], message["template_id"]) == ("84912345678", "231002")
    assert message["template_data"] == {
        "message": "Đơn ĐH-5 đã giao cho Viettel Post, mã vận đơn VTP1.",
        "link": "https://ocop.test/o/5",
    }
    [row] = _deliveries()
    assert (row.channel, row.status, row.provider_id) == ("zalo_zns", DeliveryStatus.SENT, message["msg_id"])
    assert row.key and message["tracking_id"] and zalo.refreshes == 1
    zalo.expire_tokens()  # -124: refresh (with the newest refresh token) and send once more
    notices.tell(user, "order.delivered", "Đơn ĐH-5 đã giao tới bạn.", "https://ocop.test/o/5")
    _run_all()
    assert len(zalo.sent) == 2 and zalo.sent[1]["template_id"] == "231000" and zalo.refreshes == 2
    assert db.session.get(SiteSetting, "zalo_refresh_token").value == "refresh-2"
    assert [d.status for d in _deliveries()] == [DeliveryStatus.SENT, DeliveryStatus.SENT]


def test_a_number_not_on_zalo_falls_back_to_sms_and_is_remembered(zalo, esms):
    user = _person("+84912345679")
    zalo.not_on_zalo.add("84912345679")
    assert notices.choice_of(user) == "zalo"  # not known yet: Zalo is tried first
    notices.tell(user, "order.placed", "Đơn mới ĐH-6.", key="x")
    _run_all()
    tried, sms = _deliveries()
    assert (tried.channel, tried.status) == ("zalo_zns", DeliveryStatus.FAILED) and "-118" in tried.error
    assert (sms.channel, sms.status) == ("sms", DeliveryStatus.SENT) and esms.sent[0]["Phone"] == "0912345679"
    db.session.expire_all()
    assert db.session.get(User, user.id).zalo_ok is False
    assert notices.choice_of(db.session.get(User, user.id)) == "sms"
    zalo.daily_quota = 0  # -144 for someone on Zalo: SMS too
    other = _person("+84912345670")
    other.zalo_ok = True
    notices.tell(other, "order.placed", "Đơn mới ĐH-7.", key="y")
    _run_all()
    assert [(d.channel, d.status) for d in _deliveries(user_id=other.id)] == [
        ("zalo_zns", DeliveryStatus.FAILED),
        ("sms", DeliveryStatus.SENT),
    ]
    assert "-144" in _deliveries(user_id=other.id)[0].error


def test_email_channel_goes_through_the_mail_outbox(outbox, app):
    user = _person(None)
    notices.tell(user, "order.refunded", "Đơn ĐH-8 đã được hoàn tiền.", "https://ocop.test/o/8", subject="Hoàn tiền")
    db.session.commit()
    [row] = _deliveries()
    assert (row.channel, row.status, row.recipient) == ("email", DeliveryStatus.SENT, user.email)
    assert row.provider_id.startswith("mail:")
    [mail] = [m for m in sent_mails(app) if m["to"] == user.email]
    assert mail["subject"] == "Hoàn tiền" and "https://ocop.test/o/8" in mail["body"]


def test_sms_text_fits_one_sms_without_marks():
    text = phone_text("Đơn mới ĐH-1: 100.000 ₫. " * 10, "https://ocop.test/x")
    assert text.isascii() and len(text) <= 160 and text.endswith("... https://ocop.test/x")
    assert phone_text("Đã nhận tiền", None) == "Da nhan tien"


# --- preferences -----------------------------------------------------------------------------------------------


def test_defaults_by_what_a_person_has_and_their_own_choice(client, outbox):
    with_email = _person(None)
    with_phone = _person("+84912000001")
    on_zalo = _person("+84912000002")
    on_zalo.zalo_ok = True
    db.session.commit()
    assert [notices.choice_of(u) for u in (with_email, with_phone, on_zalo)] == ["email", "sms", "zalo"]
    login(client, with_phone)
    page = client.get("/account/notices").get_data(as_text=True)
    assert "Zalo" in page and "Tin nhắn SMS" in page and "Chỉ trong ứng dụng" in page
    assert "Đang dùng mặc định: Tin nhắn SMS" in page
    saved = client.form_post("/account/notices", {"channel": "in_app"}, follow_redirects=True)
    assert "Đã lưu cách nhận thông báo." in saved.get_data(as_text=True)
    db.session.expire_all()
    user = db.session.get(User, with_phone.id)
    assert user.notify_channel == "in_app"
    notices.tell(user, "order.paid", "Đã nhận 100.000 ₫ cho đơn ĐH-9.")
    db.session.commit()
    assert _deliveries() == [] and db.session.scalar(select(func.count()).select_from(Notice)) == 1
    assert client.form_post("/account/notices", {"channel": "fax"}).status_code == 200  # not a choice: unchanged
    db.session.expire_all()
    assert db.session.get(User, with_phone.id).notify_channel == "in_app"
    client.form_post("/logout")
    login(client, with_email)
    assert "Tin nhắn SMS" not in client.get("/account/notices").get_data(as_text=True)  # no phone, no SMS


# --- who hears what ------------------------------------------------------------------------------------------


def test_the_seller_hears_a_new_order_and_the_buyer_hears_it_shipped(outbox):
    coop = make_cooperative()
    seller = _person("+84912000003", Role.COOPERATIVE, cooperative=coop)
    buyer = _person("+84912000004")
    product = make_product(coop, stock=5, name="Mật ong bạc hà")
    order = make_checkout(buyer, {product.id: 1}, "cod").orders[0]
    _run_all()
    [placed] = _deliveries(event="order.placed")
    assert (placed.user_id, placed.channel, placed.status) == (seller.id, "outbox", DeliveryStatus.SENT)
    [seller_file] = list(outbox.glob("*84912000003*.txt"))
    assert f"Đơn mới {order.code}" in seller_file.read_text(encoding="utf-8")
    order = db.session.get(Order, order.id)
    order_services.transition(order, order_services.S.CONFIRMED, seller)
    order_services.ship_order(seller, order, "viettelpost", "VTP123456")
    _run_all()
    [shipped] = _deliveries(event="order.shipped")
    assert shipped.user_id == buyer.id and "Viettel Post" in shipped.message and "VTP123456" in shipped.message
    [buyer_file] = list(outbox.glob("*84912000004*.txt"))
    text = buyer_file.read_text(encoding="utf-8")
    assert "Viettel Post, mã vận đơn VTP123456" in text and f"/orders/{order.code}" in text
    assert _deliveries(event="order.status") == []  # a confirmation is only an in-app notice


# --- commune staff ---------------------------------------------------------------------------------------------


def test_staff_hear_the_first_item_then_a_daily_digest_once_a_day(outbox, app):
    staff = _person("+84912000005", Role.COMMUNE_STAFF, commune_code=VAN_SON)
    pending = make_cooperative(status=CooperativeStatus.PENDING)
    pending.submitted_at = utcnow()
    owner = make_user(Role.COOPERATIVE)
    first = make_draft(owner, name="Chè Shan tuyết")
    second = make_draft(owner, name="Miến dong")
    db.session.commit()
    catalog_services.submit_product(owner, first)
    catalog_services.submit_product(owner, second)
    _run_all()
    [arrived] = _deliveries(event="review.first")  # the second product found the queue not empty
    assert arrived.user_id == staff.id and "Chè Shan tuyết" in arrived.message
    assert staff_digest() == 1
    assert staff_digest() == 0  # the same day: nobody twice
    _run_all()
    [digest] = _deliveries(event="staff.digest")
    assert digest.message == "Chợ OCOP: đang chờ xã xử lý 1 hồ sơ người bán, 2 sản phẩm chờ duyệt."
    assert digest.link == "https://ocop.test/commune/" and digest.status == DeliveryStatus.SENT
    assert len(list(outbox.glob("*84912000005*.txt"))) == 2


# --- the admin's delivery log ------------------------------------------------------------------------------------


def test_delivery_log_is_admin_only_with_filters_and_a_monthly_count(client, outbox):
    user = _person("+84912000006")
    notices.tell(user, "order.shipped", "Đơn ĐH-10 đã gửi.", key="1")
    notices.tell(_person(None), "order.refunded", "Đơn ĐH-11 đã hoàn tiền.", key="2")
    _run_all()
    old = _deliveries(channel="outbox")[0]
    old.created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    admin, buyer = make_user(Role.ADMIN), make_user()
    db.session.commit()
    assert client.get("/admin/deliveries").status_code == 302  # to the sign-in page
    login(client, buyer)
    assert client.get("/admin/deliveries").status_code == 403
    client.form_post("/logout")
    login(client, admin)
    page = client.get("/admin/deliveries").get_data(as_text=True)
    assert "+84912000006" in page and "order.refunded" in page and "<svg" in page
    assert "Hộp thư thử (instance/outbox)" in page and "Đơn ĐH-10 đã gửi." in page  # the demo's outbox
    filtered = client.get("/admin/deliveries?channel=email").get_data(as_text=True)
    assert "order.refunded" in filtered and "order.shipped" not in filtered
    months = {(m, c): n for m, c, n in notices.monthly_counts()}
    assert sorted(months.values()) == [1, 1] and len({m for m, _c in months}) == 2


def test_the_seller_hears_a_cancellation_and_a_review_decision(outbox):
    coop = make_cooperative()
    seller = _person("+84912000007", Role.COOPERATIVE, cooperative=coop)
    buyer = _person(None)
    product = make_product(coop, stock=5)
    order = make_checkout(buyer, {product.id: 1}, "cod").orders[0]
    order_services.transition(order, order_services.S.CANCELLED, buyer)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=coop.commune_code)
    draft = make_draft(seller, name="Trà hoa vàng")
    catalog_services.submit_product(seller, draft)
    catalog_services.approve_product(staff, draft)
    _run_all()
    heard = {d.event: d for d in _deliveries(user_id=seller.id)}
    assert {"order.placed", "order.cancelled", "product_review"} <= set(heard)
    assert order.code in heard["order.cancelled"].message and "Trà hoa vàng" in heard["product_review"].message
    assert all(d.channel == "outbox" and d.status == DeliveryStatus.SENT for d in heard.values())


def test_the_sweep_sends_a_delivery_whose_task_was_lost(outbox):
    user = _person("+84912000008")
    delivery = notices.tell(user, "order.delivered", "Đơn ĐH-12 đã giao tới bạn.")
    delivery.created_at = utcnow() - timedelta(minutes=10)  # its task never reached a worker
    db.session.commit()
    assert sweep_deliveries() == 1 and sweep_deliveries() == 0
    assert _deliveries()[0].status == DeliveryStatus.SENT and len(list(outbox.glob("*84912000008*.txt"))) == 1
