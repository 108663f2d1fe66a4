"""Sellers join through their commune: a buyer applies (page or API), the commune's staff see the application
with its certificate photos and verify or reject it with a reason, a rejected applicant corrects and resubmits.
Photos are re-encoded and never public; other communes' staff and strangers are kept out."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from marketplace.demo import DEMO_PASSWORD, demo_cooperative, seed
from marketplace.extensions import db, limiter
from marketplace.models import AuditLog, Commune, Cooperative, CooperativeStatus, Notice, Role, User
from tests.factories import MUONG_LAT, VAN_SON, api_token, login, make_cooperative, make_user, sent_mails
from tests.factories.catalog import jpeg_bytes

THANH_HOA = 38  # the province of VAN_SON and MUONG_LAT


def _exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Điện thoại của HTX"
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)}
    return exif


def _form(**overrides) -> dict:
    data = {
        "kind": "hkd",
        "name": "Hộ kinh doanh Mật ong Triệu Sơn",
        "registration_no": "2801234567",
        "province": str(THANH_HOA),
        "commune": str(VAN_SON),
        "address": "Thôn 5",
        "phone": "0912 000 111",
        "representative": "Lê Văn Mật",
        "bank_bin": "970405",
        "account_no": "3500 2051 99999",
        "account_holder": "Lê Văn Mật",
    }
    data.update(overrides)
    return data


def _body(**overrides) -> dict:
    body = {
        "kind": "htx",
        "name": "Hợp tác xã Chè Mường Lát",
        "registration_no": "2801234000",
        "commune": MUONG_LAT,
        "address": "Bản Lát",
        "phone": "0868000111",
        "representative": "Vừ A Chè",
        "bank": {"bin": "970422", "account_no": "0868000111", "account_name": "HTX Chè Mường Lát"},
    }
    body.update(overrides)
    return body


def _apply_page(client, data: dict, **files):
    payload = dict(data)
    for name, content in files.items():
        payload[name] = (io.BytesIO(content), f"{name}.jpg")
    return client.form_post("/cooperative/apply", payload, content_type="multipart/form-data")


def _coop(slug_or_id) -> Cooperative:
    db.session.expire_all()
    if isinstance(slug_or_id, int):
        return db.session.get(Cooperative, slug_or_id)
    return db.session.scalar(select(Cooperative).where(Cooperative.slug == slug_or_id))


def _notices(user: User) -> list[str]:
    return list(db.session.scalars(select(Notice.message).where(Notice.user_id == user.id).order_by(Notice.id)))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- the pages ------------------------------------------------------------------------------------


def test_a_buyer_applies_staff_see_the_photos_and_verify(app, client):
    buyer = make_user(Role.BUYER, email="mat.ong@example.vn", full_name="Lê Văn Mật")
    staff = make_user(Role.COMMUNE_STAFF, email="xa.trieuson@example.vn")
    other_staff = make_user(Role.COMMUNE_STAFF, email="xa.muonglat@example.vn", commune_code=MUONG_LAT)
    db.session.commit()
    login(client, buyer)
    assert "Mở gian hàng" in client.get("/account/").get_data(as_text=True)
    page = client.get("/cooperative/apply").get_data(as_text=True)
    for label in (
        "Hợp tác xã",
        "Tổ hợp tác",
        "Hộ kinh doanh",
        "Doanh nghiệp",
        "Vietcombank",
        "Tỉnh/thành phố",
        "Gửi hồ sơ cho xã",
    ):
        assert label in page, label
    upload = jpeg_bytes(1200, 900, exif=_exif_with_gps())

    response = _apply_page(client, _form(), registration_doc=upload)

    assert response.status_code == 302 and response.headers["Location"].endswith("/cooperative/application")
    status_page = client.get("/cooperative/application").get_data(as_text=True)
    assert "Chờ xã xác minh" in status_page and "Hộ kinh doanh" in status_page
    cooperative = db.session.scalar(select(Cooperative))
    assert cooperative.status == CooperativeStatus.PENDING and cooperative.submitted_at is not None
    assert (cooperative.kind.value, cooperative.registration_no, cooperative.phone) == (
        "hkd",
        "2801234567",
        "0912000111",
    )
    assert (cooperative.account_no, cooperative.account_holder) == ("3500205199999", "LE VAN MAT")
    owner = db.session.get(User, buyer.id)
    assert (owner.role, owner.cooperative_id, owner.is_cooperative_owner) == (Role.COOPERATIVE, cooperative.id, True)
    assert "Mở gian hàng" not in client.get("/account/").get_data(as_text=True)

    # the photo is a fresh JPEG of the pixels only, outside the public /media folder
    stored = Path(app.instance_path) / "private" / cooperative.registration_doc_path
    assert stored.is_file() and stored.read_bytes() != upload
    with Image.open(stored) as photo:
        assert photo.format == "JPEG" and photo.size == (1200, 900) and not photo.getexif()
    media = Path(app.config["MEDIA_ROOT"]).resolve()
    assert media not in stored.resolve().parents
    assert client.get(f"/media/{cooperative.registration_doc_path}").status_code == 404
    assert client.get(f"/cooperatives/{cooperative.slug}/documents/registration.jpg").status_code == 200

    # the commune's staff are told, the other commune's are not
    assert any("Hộ kinh doanh Mật ong Triệu Sơn" in m for m in _notices(staff))
    assert _notices(other_staff) == []
    assert any(m["to"] == staff.email and "chờ xác minh" in m["subject"] for m in sent_mails(app))

    login(client, staff)
    dashboard = client.get("/commune/").get_data(as_text=True)
    assert "Hộ kinh doanh Mật ong Triệu Sơn" in dashboard and f"/commune/cooperatives/{cooperative.id}" in dashboard
    detail = client.get(f"/commune/cooperatives/{cooperative.id}").get_data(as_text=True)
    for text in ("2801234567", "Lê Văn Mật", "Agribank", "LE VAN MAT", "Hộ kinh doanh", "Chưa gửi ảnh."):
        assert text in detail, text
    photo_url = f"/cooperatives/{cooperative.slug}/documents/registration.jpg"
    assert f'src="{photo_url}"' in detail
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and "no-store" in photo.headers["Cache-Control"]
    assert client.get(f"/cooperatives/{cooperative.slug}/documents/ocop.jpg").status_code == 404

    response = client.form_post(f"/commune/cooperatives/{cooperative.id}/verify", {"verified": "1"})
    assert response.status_code == 302
    assert _coop(cooperative.id).status == CooperativeStatus.VERIFIED
    assert "Mật ong Triệu Sơn" not in client.get("/commune/").get_data(as_text=True).split("Việc cần làm")[1]
    assert any("đã xác minh" in m for m in _notices(buyer))
    assert any(m["to"] == buyer.email and "đã được xác minh" in m["subject"] for m in sent_mails(app))
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "cooperative.verified"))
    assert (entry.actor_id, entry.commune_code) == (staff.id, VAN_SON)
    login(client, buyer)
    assert "Gian hàng đã được xã xác minh" in client.get("/cooperative/application").get_data(as_text=True)


def test_a_rejected_applicant_corrects_and_resubmits(app, client):
    buyer = make_user(Role.BUYER)
    staff = make_user(Role.COMMUNE_STAFF)
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(client, buyer)
    _apply_page(client, _form(registration_no="2801234567"))
    cooperative = db.session.scalar(select(Cooperative))
    first_submitted = cooperative.submitted_at

    login(client, staff)
    no_reason = client.form_post(f"/commune/cooperatives/{cooperative.id}/reject", {"reason": "  "})
    assert no_reason.status_code == 422 and "Hãy ghi lý do từ chối" in no_reason.get_data(as_text=True)
    assert _coop(cooperative.id).status == CooperativeStatus.PENDING
    response = client.form_post(
        f"/commune/cooperatives/{cooperative.id}/reject", {"reason": "Ảnh giấy đăng ký bị mờ, số đăng ký sai."}
    )
    assert response.status_code == 302
    assert _coop(cooperative.id).status == CooperativeStatus.REJECTED
    assert any("Ảnh giấy đăng ký bị mờ" in m for m in _notices(buyer))
    assert "Mật ong Triệu Sơn" not in client.get("/commune/").get_data(as_text=True).split("Việc cần làm")[1]

    login(client, buyer)
    page = client.get("/cooperative/application").get_data(as_text=True)
    assert "Bị từ chối" in page and "Ảnh giấy đăng ký bị mờ, số đăng ký sai." in page
    assert 'value="2801234567"' in page and "Gửi lại hồ sơ cho xã" in page  # filled in with what was sent
    bad = _apply_page_to(client, "/cooperative/application", _form(registration_no="12345"))
    assert bad.status_code == 422 and "Mã số đăng ký/mã số thuế gồm 10 hoặc 13 chữ số" in bad.get_data(as_text=True)
    assert _coop(cooperative.id).status == CooperativeStatus.REJECTED
    fixed = _apply_page_to(
        client,
        "/cooperative/application",
        _form(registration_no="2801234568", name="Hộ kinh doanh Mật ong Triệu Sơn (sửa)"),
        ocop_doc=jpeg_bytes(),
    )
    assert fixed.status_code == 302
    again = _coop(cooperative.id)
    assert (again.status, again.registration_no) == (CooperativeStatus.PENDING, "2801234568")
    assert again.name == "Hộ kinh doanh Mật ong Triệu Sơn (sửa)" and again.ocop_doc_path
    assert again.submitted_at > first_submitted
    assert sum("gửi lại hồ sơ" in m for m in _notices(staff)) == 1
    assert "Chờ xã xác minh" in client.get("/cooperative/application").get_data(as_text=True)
    assert _apply_page_to(client, "/cooperative/application", _form()).status_code == 409  # pending: nothing to fix

    login(client, admin)
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Từ chối hồ sơ người bán" in audit and "Gửi lại hồ sơ người bán" in audit


def _apply_page_to(client, url: str, data: dict, **files):
    payload = dict(data)
    for name, content in files.items():
        payload[name] = (io.BytesIO(content), f"{name}.jpg")
    return client.form_post(url, payload, content_type="multipart/form-data")


def test_the_form_keeps_the_draft_and_says_what_is_wrong(client):
    buyer = make_user(Role.BUYER)
    db.session.commit()
    assert 'href="/cooperative/apply"' in client.get("/").get_data(as_text=True)  # "Mở gian hàng" on the home page
    login(client, buyer)
    response = _apply_page(client, _form(registration_no="12-34", name="HTX Bản Nháp Giữ Lại", account_holder=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Hãy điền đủ: tên chủ tài khoản." in page
    assert 'value="HTX Bản Nháp Giữ Lại"' in page and 'value="Lê Văn Mật"' in page
    assert f'<option value="{VAN_SON}" selected>' in page  # the commune picked stays picked
    bad_number = _apply_page(client, _form(registration_no="12-34"))
    assert bad_number.status_code == 422 and "10 hoặc 13 chữ số" in bad_number.get_data(as_text=True)
    no_commune = _apply_page(client, _form(commune=""))
    assert no_commune.status_code == 422 and "Hãy điền đủ: xã." in no_commune.get_data(as_text=True)
    not_a_photo = _apply_page(client, _form(), registration_doc=b"khong phai anh " * 50)
    assert not_a_photo.status_code == 422 and "Tệp này không phải ảnh" in not_a_photo.get_data(as_text=True)
    picking = _apply_page(client, _form(action="pick", commune="", name="Giữ tên khi chọn tỉnh"))
    assert picking.status_code == 200 and 'value="Giữ tên khi chọn tỉnh"' in picking.get_data(as_text=True)
    assert "Mường Lát" in picking.get_data(as_text=True)  # the communes of the picked province
    assert _count(Cooperative) == 0 and db.session.get(User, buyer.id).role == Role.BUYER


def test_a_member_of_a_seller_cannot_apply_again(client):
    owner = make_user(Role.COOPERATIVE, email="chu@example.vn")
    staff = make_user(Role.COMMUNE_STAFF)
    db.session.commit()
    login(client, owner)
    response = client.get("/cooperative/apply")
    assert response.status_code == 409 and "đã thuộc gian hàng" in response.get_data(as_text=True)
    assert _apply_page(client, _form()).status_code == 409
    api = client.post("/api/v1/cooperatives", json=_body(), headers=api_token(client, owner.email))
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "already_member"
    login(client, staff)
    assert client.get("/cooperative/apply").status_code == 403
    assert _count(Cooperative) == 1


def test_photos_are_only_for_members_their_commune_staff_and_admin(client):
    buyer = make_user(Role.BUYER)
    db.session.commit()
    login(client, buyer)
    _apply_page(client, _form(), registration_doc=jpeg_bytes())
    cooperative = db.session.scalar(select(Cooperative))
    url = f"/cooperatives/{cooperative.slug}/documents/registration.jpg"
    stranger = make_user(Role.BUYER)
    other_staff = make_user(Role.COMMUNE_STAFF, commune_code=MUONG_LAT)
    other_seller = make_user(Role.COOPERATIVE)
    own_staff = make_user(Role.COMMUNE_STAFF)
    admin = make_user(Role.ADMIN)
    db.session.commit()
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for user in (stranger, other_staff, other_seller):
        login(client, user)
        assert client.get(url).status_code == 404, user.role
    login(client, other_staff)
    assert client.get(f"/commune/cooperatives/{cooperative.id}").status_code == 403
    assert client.form_post(f"/commune/cooperatives/{cooperative.id}/reject", {"reason": "Không"}).status_code == 403
    limiter.reset()  # sign-ins are limited to five a minute
    for user in (own_staff, admin):
        login(client, user)
        assert client.get(url).status_code == 200, user.role
    assert "Hộ kinh doanh Mật ong Triệu Sơn" in client.get("/admin/cooperatives").get_data(as_text=True)
    assert client.get(f"/commune/cooperatives/{cooperative.id}").status_code == 200
    assert _coop(cooperative.id).status == CooperativeStatus.PENDING


# --- the API --------------------------------------------------------------------------------------


def test_api_apply_read_verify(client):
    buyer = make_user(Role.BUYER, email="che@example.vn")
    staff = make_user(Role.COMMUNE_STAFF, email="xa.ml@example.vn", commune_code=MUONG_LAT)
    other_staff = make_user(Role.COMMUNE_STAFF, email="xa.ts@example.vn")
    stranger = make_user(Role.BUYER, email="la@example.vn")
    admin = make_user(Role.ADMIN, email="qt@example.vn")
    db.session.commit()
    headers = api_token(client, buyer.email)

    created = client.post("/api/v1/cooperatives", json=_body(), headers=headers)

    assert created.status_code == 201
    assert created.get_json() == {"slug": "hop-tac-xa-che-muong-lat", "status": "pending"}
    expected = {
        "slug": "hop-tac-xa-che-muong-lat",
        "name": "Hợp tác xã Chè Mường Lát",
        "kind": "htx",
        "commune": MUONG_LAT,
        "province": THANH_HOA,
        "status": "pending",
        "bank": {
            "bin": "970422",
            "account_no": "0868000111",
            "account_name": "HTX CHE MUONG LAT",
            "status": "pending",
            "pending_change": None,
        },
    }
    assert client.get("/api/v1/cooperatives/hop-tac-xa-che-muong-lat", headers=headers).get_json() == expected
    assert any("Chè Mường Lát" in m for m in _notices(staff))
    for user in (stranger, other_staff):
        response = client.get("/api/v1/cooperatives/hop-tac-xa-che-muong-lat", headers=api_token(client, user.email))
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/cooperatives/hop-tac-xa-che-muong-lat").status_code == 401
    assert client.get("/api/v1/cooperatives/khong-co", headers=headers).status_code == 404

    other = api_token(client, other_staff.email)
    refused = client.post("/api/v1/cooperatives/hop-tac-xa-che-muong-lat/verify", headers=other)
    assert (
        refused.status_code == 403
        and refused.get_json()["error"]["message"] == "Bạn chỉ có thể xử lý hồ sơ của xã mình."
    )
    assert client.post("/api/v1/cooperatives/hop-tac-xa-che-muong-lat/verify", headers=headers).status_code == 403
    assert client.post("/api/v1/cooperatives/khong-co/verify", headers=other).status_code == 404

    own = api_token(client, staff.email)
    assert client.get("/api/v1/cooperatives/hop-tac-xa-che-muong-lat", headers=own).status_code == 200
    verified = client.post("/api/v1/cooperatives/hop-tac-xa-che-muong-lat/verify", headers=own)
    assert verified.status_code == 200
    assert verified.get_json() == expected | {"status": "verified", "bank": expected["bank"] | {"status": "verified"}}
    assert client.post("/api/v1/cooperatives/hop-tac-xa-che-muong-lat/verify", headers=own).status_code == 200
    late = client.post("/api/v1/cooperatives/hop-tac-xa-che-muong-lat/reject", json={"reason": "Muộn"}, headers=own)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "not_pending"
    assert any("đã xác minh" in m for m in _notices(buyer))
    assert (
        client.get("/api/v1/cooperatives/hop-tac-xa-che-muong-lat", headers=api_token(client, admin.email)).status_code
        == 200
    )


def test_api_reject_needs_a_reason_and_admin_rejects_anywhere(client):
    buyer = make_user(Role.BUYER, email="che2@example.vn")
    admin = make_user(Role.ADMIN, email="qt2@example.vn")
    db.session.commit()
    slug = client.post("/api/v1/cooperatives", json=_body(), headers=api_token(client, buyer.email)).get_json()["slug"]
    headers = api_token(client, admin.email)
    missing = client.post(f"/api/v1/cooperatives/{slug}/reject", json={}, headers=headers)
    assert missing.status_code == 422
    blank = client.post(f"/api/v1/cooperatives/{slug}/reject", json={"reason": "   "}, headers=headers)
    assert blank.status_code == 422 and "Hãy ghi lý do từ chối" in blank.get_json()["error"]["message"]
    rejected = client.post(f"/api/v1/cooperatives/{slug}/reject", json={"reason": "Thiếu giấy tờ"}, headers=headers)
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert _coop(slug).rejection_reason == "Thiếu giấy tờ"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "cooperative.rejected"))
    assert (entry.actor_id, entry.details["reason"], entry.commune_code) == (admin.id, "Thiếu giấy tờ", MUONG_LAT)


def test_api_validation_errors_are_422_in_vietnamese(client):
    taken = make_cooperative(bank_bin="970422", account_no="0868000999")
    buyer = make_user(Role.BUYER, email="sai@example.vn")
    db.session.commit()
    headers = api_token(client, buyer.email)
    cases = [
        (_body(registration_no="123"), "validation_error", "10 hoặc 13 chữ số"),
        (_body(commune=99_999_999), "validation_error", "Xã không tồn tại"),
        (_body(bank={"bin": "999999", "account_no": "0868000111", "account_name": "A"}), None, "NAPAS"),
        (_body(bank={"bin": "970422", "account_no": "12ab", "account_name": "A"}), None, "6–19 chữ số"),
        (
            _body(bank={"bin": "970422", "account_no": taken.account_no, "account_name": "A"}),
            "bank_account_taken",
            "đã thuộc về một người bán khác",
        ),
        (_body(phone="12345"), None, "Số điện thoại liên hệ không hợp lệ"),
        (_body(representative=" "), None, "Hãy điền đủ: người đại diện."),
        (_body(kind="hoi"), "validation_error", "Dữ liệu không hợp lệ"),
        ({"name": "Thiếu hết"}, "validation_error", "Dữ liệu không hợp lệ"),
    ]
    for body, code, message in cases:
        response = client.post("/api/v1/cooperatives", json=body, headers=headers)
        assert response.status_code == 422, body
        error = response.get_json()["error"]
        assert message in error["message"], (body, error)
        if code:
            assert error["code"] == code
    assert _count(Cooperative) == 1
    assert db.session.get(User, buyer.id).role == Role.BUYER


def test_the_seller_api_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/cooperatives", "/api/v1/cooperatives/{slug}", "/api/v1/cooperatives/{slug}/verify"):
        assert path in spec["paths"], path
    reject = spec["paths"]["/api/v1/cooperatives/{slug}/reject"]["post"]
    assert {"200", "403", "404", "422"} <= set(reject["responses"])
    assert "bank" in spec["components"]["schemas"]["Cooperative"]["properties"]


def test_demo_data_has_a_verified_seller_and_an_application_in_the_queue(client):
    seed()
    seed()  # idempotent
    db.session.commit()
    assert demo_cooperative("htx-nam-meo-van-son").status == CooperativeStatus.VERIFIED
    assert db.session.scalar(select(func.count()).where(Cooperative.status == CooperativeStatus.PENDING)) == 1
    login(client, "xa@demo.ocop.vn", DEMO_PASSWORD)
    queue = client.get("/commune/").get_data(as_text=True).split("Việc cần làm")[1].split("</section>")[0]
    assert "Hộ kinh doanh Miến dong Triệu Sơn" in queue


def test_the_queue_names_each_applicants_commune_phone_and_date_oldest_first(client):
    staff = make_user(Role.COMMUNE_STAFF)
    older = make_cooperative(name="HTX chờ lâu", phone="0912000001", status=CooperativeStatus.PENDING)
    newer = make_cooperative(name="HTX chờ mới", phone="0912000002", status=CooperativeStatus.PENDING)
    older.created_at, older.submitted_at = datetime(2026, 3, 1, 20, 0, tzinfo=UTC), None  # 2 March in Vietnam
    newer.created_at, newer.submitted_at = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 5, 10, 3, tzinfo=UTC)
    db.session.commit()
    commune = db.session.get(Commune, VAN_SON).name
    login(client, staff)
    queue = client.get("/commune/").get_data(as_text=True).split("Việc cần làm")[1].split("</section>")[0]
    assert queue.index("HTX chờ lâu") < queue.index("HTX chờ mới")  # by submission, else sign-up
    assert f"{commune} · 0912000001 · Đăng ký 02/03/2026" in queue
    assert f"{commune} · 0912000002 · Đăng ký 10/05/2026" in queue
    assert f'href="/commune/cooperatives/{older.id}"' in queue
