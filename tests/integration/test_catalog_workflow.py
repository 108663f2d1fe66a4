"""A cooperative lists a product, the commune's staff approve it, buyers see it; edits of a live product
wait for review while the approved version stays up; every decision is recorded and told to the cooperative."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import func, select

from catalog import services
from catalog.models import (
    Category,
    OcopCertificate,
    Product,
    ProductRevision,
    ProductStatus,
    ProductStatusChange,
    ReasonText,
    RevisionStatus,
)
from marketplace.extensions import db
from marketplace.models import AuditLog, Notice, Role
from marketplace.text import today_vn
from tests.factories import LIEN_SON, login, make_cooperative, make_user, sent_mails
from tests.factories.catalog import jpeg_bytes, make_draft, make_published, product_data

FORM = {
    "name": "Mật ong bạc hà Mèo Vạc",
    "description": "Mật ong **bạc hà** nguyên chất.\nChai 500 ml.",
    "category": "",
    "unit": "chai",
    "price_vnd": "250.000",
    "stock": "30",
    "weight_g": "700",
    "gtin": "8934588012228",
}


def _category_id(slug: str) -> int:
    return db.session.scalar(select(Category.id).where(Category.slug == slug))


def _form(**overrides) -> dict:
    data = {**FORM, "category": str(_category_id("mat-ong")), **overrides}
    return data


def _photo(name: str = "mat-ong.jpg", data: bytes | None = None):
    return (io.BytesIO(data or jpeg_bytes()), name)


def test_cooperative_lists_staff_approve_buyer_finds_it(app, client):
    owner = make_user(Role.COOPERATIVE)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    db.session.commit()
    login(client, owner)
    assert client.get("/cooperative/products/new").status_code == 200
    response = client.form_post(
        "/cooperative/products/new",
        {**_form(), "action": "submit", "client_token": "tok-1", "photos": _photo()},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    product = db.session.scalar(select(Product))
    assert product.slug == "mat-ong-bac-ha-meo-vac"
    assert product.status == ProductStatus.PENDING_REVIEW
    assert (product.price_vnd, product.unit, product.gtin) == (250_000, "chai", "08934588012228")
    assert len(product.images) == 1
    assert client.get(f"/p/{product.slug}").status_code == 404  # not public before review

    client.get("/logout")
    login(client, staff)
    queue = client.get("/commune/review/").get_data(as_text=True)
    assert "Mật ong bạc hà Mèo Vạc" in queue
    assert "Mật ong" in client.get(f"/commune/review/products/{product.id}").get_data(as_text=True)
    approve = {"version": product.version}  # the version the review page showed
    assert client.form_post(f"/commune/review/products/{product.id}/approve", approve).status_code == 302
    db.session.refresh(product)
    assert product.status == ProductStatus.PUBLISHED and product.published_at is not None

    client.get("/logout")
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "250.000\u00a0₫ / chai" in page
    assert "<strong>bạc hà</strong>" in page  # Markdown rendered, cleaned
    found = client.get("/search?q=mat+ong+bac+ha").get_data(as_text=True)
    assert f"/p/{product.slug}" in found

    history = db.session.scalars(select(ProductStatusChange).order_by(ProductStatusChange.id)).all()
    assert [(h.from_status, h.to_status, h.actor_id) for h in history] == [
        ("draft", "pending_review", owner.id),
        ("pending_review", "published", staff.id),
    ]
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.object_id == str(product.id))).all()
    assert {"product.created", "product.pending_review", "product.published"} <= set(actions)
    notice = db.session.scalar(select(Notice).where(Notice.user_id == owner.id))
    assert "đã được xã duyệt" in notice.message
    mails = [m for m in sent_mails(app) if m["to"] == owner.email]
    assert mails and mails[-1]["subject"] == "Sản phẩm đã được duyệt"


def test_repeated_submit_with_the_same_token_makes_one_product(client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, owner)
    for _attempt in range(3):  # the connection dropped and the browser sent it again
        response = client.form_post(
            "/cooperative/products/new",
            {**_form(), "action": "save", "client_token": "same-token", "photos": _photo()},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Product)) == 1
    product = db.session.scalar(select(Product))
    assert len(product.images) == 1
    assert response.headers["Location"].endswith(f"/cooperative/products/{product.id}?saved=1")
    form = client.get(f"/cooperative/products/{product.id}").get_data(as_text=True)
    assert 'data-draft="product-' in form and 'name="client_token"' in form and "photos.js" in form


def test_bad_fields_are_explained_in_vietnamese_and_nothing_is_saved(client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, owner)
    response = client.form_post(
        "/cooperative/products/new",
        {**_form(gtin="8934588012227", price_vnd="12,5k", unit="thùng", name="ab"), "client_token": "t"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Mã GTIN không đúng" in page
    assert "Phải là số nguyên" in page
    assert "Đơn vị chưa hỗ trợ" in page
    assert "Tên sản phẩm cần từ 3 đến 200 ký tự" in page
    assert 'value="8934588012227"' in page  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0


def test_description_html_is_stripped_and_markdown_is_safe(client):
    owner = make_user(Role.COOPERATIVE)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    text = "Nấm <b>sạch</b><script>alert(1)</script>\n\n- *sấy lạnh*\n- [xem](javascript:alert(2))"
    product = make_published(owner, staff, description=text)
    db.session.commit()
    assert "<script" not in product.description and "<b>" not in product.description
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "<em>sấy lạnh</em>" in page
    assert "alert(1)" not in page and 'href="javascript' not in page


def test_slugs_stay_unique_for_the_same_name(app):
    first = make_draft(name="Nấm mèo khô")
    second = make_draft(name="NẤM MÈO KHÔ")
    assert (first.slug, second.slug) == ("nam-meo-kho", "nam-meo-kho-2")


def test_wrong_moves_are_refused(client):
    owner = make_user(Role.COOPERATIVE)
    product = make_draft(owner)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    db.session.commit()
    login(client, staff)
    response = client.form_post(f"/commune/review/products/{product.id}/approve", {"version": product.version})
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Không thể chuyển sản phẩm từ “Bản nháp” sang “Đang bán”" in follow
    db.session.refresh(product)
    assert product.status == ProductStatus.DRAFT
    no_photo = make_draft(owner, photo=False, name="Chưa có ảnh")
    db.session.commit()
    client.get("/logout")
    login(client, owner)
    client.form_post(f"/cooperative/products/{no_photo.id}/submit")
    db.session.refresh(no_photo)
    assert no_photo.status == ProductStatus.DRAFT
    assert "Cần ít nhất một ảnh" in client.get(f"/cooperative/products/{no_photo.id}").get_data(as_text=True)


def test_reject_with_a_reusable_reason_then_resubmit(app, client):
    owner = make_user(Role.COOPERATIVE)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    product = make_draft(owner)
    services.submit_product(owner, product)
    db.session.commit()
    login(client, staff)
    client.form_post("/commune/review/reasons", {"text": "Ảnh mờ, chưa thấy rõ sản phẩm."})
    reason = db.session.scalar(select(ReasonText))
    assert reason.commune_code == staff.commune_code
    assert reason.text in client.get(f"/commune/review/products/{product.id}").get_data(as_text=True)
    empty = client.form_post(f"/commune/review/products/{product.id}/reject", {"reason": ""})
    assert "Hãy ghi lý do từ chối" in client.get(empty.headers["Location"]).get_data(as_text=True)
    client.form_post(f"/commune/review/products/{product.id}/reject", {"reason_id": str(reason.id)})
    db.session.refresh(product)
    assert product.status == ProductStatus.REJECTED
    assert product.rejection_reason == "Ảnh mờ, chưa thấy rõ sản phẩm."
    change = db.session.scalar(select(ProductStatusChange).where(ProductStatusChange.to_status == "rejected"))
    assert (change.actor_id, change.reason) == (staff.id, "Ảnh mờ, chưa thấy rõ sản phẩm.")
    assert "Lý do: Ảnh mờ" in db.session.scalar(select(Notice.message).where(Notice.user_id == owner.id))
    assert any(m["subject"] == "Sản phẩm chưa được duyệt" for m in sent_mails(app))

    client.get("/logout")
    login(client, owner)
    page = client.get(f"/cooperative/products/{product.id}").get_data(as_text=True)
    assert "Lý do xã chưa duyệt:" in page and "Ảnh mờ" in page
    client.form_post(f"/cooperative/products/{product.id}/submit")
    db.session.refresh(product)
    assert product.status == ProductStatus.PENDING_REVIEW and product.rejection_reason is None


def test_review_queue_is_limited_to_the_staff_members_commune(client):
    here = make_user(Role.COOPERATIVE)
    other_coop = make_cooperative(commune_code=LIEN_SON)
    there = make_user(Role.COOPERATIVE, cooperative=other_coop)
    mine = make_draft(here, name="Nấm mèo của xã mình")
    theirs = make_draft(there, name="Chè của xã khác")
    for owner, product in ((here, mine), (there, theirs)):
        services.submit_product(owner, product)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=here.cooperative.commune_code)
    admin = make_user(Role.ADMIN)
    db.session.commit()

    login(client, staff)
    queue = client.get("/commune/review/").get_data(as_text=True)
    assert "Nấm mèo của xã mình" in queue and "Chè của xã khác" not in queue
    assert client.get(f"/commune/review/products/{theirs.id}").status_code == 403
    assert client.form_post(f"/commune/review/products/{theirs.id}/approve").status_code == 403
    db.session.refresh(theirs)
    assert theirs.status == ProductStatus.PENDING_REVIEW

    client.get("/logout")
    login(client, admin)
    queue = client.get("/commune/review/").get_data(as_text=True)
    assert "Nấm mèo của xã mình" in queue and "Chè của xã khác" in queue
    only_lien_son = client.get(f"/commune/review/?commune={LIEN_SON}").get_data(as_text=True)
    assert "Chè của xã khác" in only_lien_son and "Nấm mèo của xã mình" not in only_lien_son
    assert (
        client.form_post(f"/commune/review/products/{theirs.id}/approve", {"version": theirs.version}).status_code
        == 302
    )

    client.get("/logout")
    buyer = make_user(Role.BUYER)
    db.session.commit()
    login(client, buyer)
    assert client.get("/commune/review/").status_code == 403


def test_edits_of_a_live_product_wait_for_review_but_price_and_stock_change_at_once(app, client):
    owner = make_user(Role.COOPERATIVE)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    product = make_published(owner, staff, name="Nấm mèo khô Vạn Sơn")
    db.session.commit()
    login(client, owner)
    values = {**product_data(), "name": "Nấm mèo sấy lạnh Vạn Sơn", "price_vnd": "139000", "stock": "12"}
    values["category"] = str(product.category_id)
    response = client.form_post(
        f"/cooperative/products/{product.id}",
        {**values, "photos": _photo("moi.jpg", jpeg_bytes(colour=(10, 10, 200)))},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "bản đang bán vẫn hiển thị" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(product)
    assert product.name == "Nấm mèo khô Vạn Sơn"  # the approved name stays up
    assert (product.price_vnd, product.stock) == (139_000, 12)  # at once
    revision = db.session.scalar(select(ProductRevision))
    assert revision.status == RevisionStatus.PENDING and revision.changes["name"] == "Nấm mèo sấy lạnh Vạn Sơn"

    client.get("/logout")
    public = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Nấm mèo khô Vạn Sơn" in public and "sấy lạnh Vạn Sơn" not in public
    assert "139.000\u00a0₫" in public
    assert public.count('class="slide"') == 1  # the new photo waits for review
    assert client.get("/api/v1/products?q=say+lanh+van+son").get_json()["items"][0]["name"] != (
        "Nấm mèo sấy lạnh Vạn Sơn"
    )
    assert client.get("/api/v1/products?q=nam+meo").get_json()["items"][0]["price_vnd"] == 139_000

    login(client, staff)
    assert "Nấm mèo khô Vạn Sơn" in client.get("/commune/review/").get_data(as_text=True)
    side_by_side = client.get(f"/commune/review/revisions/{revision.id}").get_data(as_text=True)
    assert '<td class="old prewrap">Nấm mèo khô Vạn Sơn</td>' in side_by_side
    assert '<td class="new prewrap">Nấm mèo sấy lạnh Vạn Sơn</td>' in side_by_side
    assert "Ảnh thêm" in side_by_side
    client.form_post(f"/commune/review/revisions/{revision.id}/approve", {"version": product.version})
    db.session.refresh(product)
    db.session.refresh(revision)
    assert product.name == "Nấm mèo sấy lạnh Vạn Sơn" and revision.status == RevisionStatus.APPROVED
    assert revision.decided_by_id == staff.id
    client.get("/logout")
    public = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Nấm mèo sấy lạnh Vạn Sơn" in public and public.count('class="slide"') == 2
    assert client.get("/api/v1/products?q=say+lanh").get_json()["items"][0]["id"] == product.id
    notices = db.session.scalars(select(Notice.message).where(Notice.user_id == owner.id)).all()
    assert any("Chỉnh sửa của" in n and "đã được duyệt" in n for n in notices)
    audit = db.session.scalars(select(AuditLog.action).where(AuditLog.object_id == str(product.id))).all()
    assert {"revision.created", "revision.approved", "product.updated"} <= set(audit)


def test_a_rejected_revision_keeps_the_published_version(client):
    owner = make_user(Role.COOPERATIVE)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    product = make_published(owner, staff, name="Nấm mèo khô Vạn Sơn")
    services.update_product(owner, product, {"name": "Nấm mèo SIÊU RẺ"})
    services.add_image(owner, product, jpeg_bytes())
    revision = product.pending_revision
    db.session.commit()
    login(client, staff)
    client.form_post(f"/commune/review/revisions/{revision.id}/reject", {"reason": "Tên sản phẩm viết hoa quá mức."})
    db.session.refresh(revision)
    db.session.refresh(product)
    assert revision.status == RevisionStatus.REJECTED and product.name == "Nấm mèo khô Vạn Sơn"
    assert len(product.images) == 1 and product.status == ProductStatus.PUBLISHED
    client.get("/logout")
    login(client, owner)
    assert "Tên sản phẩm viết hoa quá mức." in client.get(f"/cooperative/products/{product.id}").get_data(as_text=True)


def test_archive_hides_and_restore_returns_to_draft(client):
    owner = make_user(Role.COOPERATIVE)
    product = make_published(owner)
    db.session.commit()
    login(client, owner)
    client.form_post(f"/cooperative/products/{product.id}/archive")
    db.session.refresh(product)
    assert product.status == ProductStatus.ARCHIVED
    assert client.get(f"/p/{product.slug}").status_code == 404
    client.form_post(f"/cooperative/products/{product.id}/restore")
    db.session.refresh(product)
    assert product.status == ProductStatus.DRAFT


def test_another_cooperative_cannot_see_or_change_a_product(client):
    product = make_draft()
    stranger = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, stranger)
    assert client.get(f"/cooperative/products/{product.id}").status_code == 404
    assert client.form_post(f"/cooperative/products/{product.id}/archive").status_code == 404
    assert client.form_post(f"/cooperative/products/{product.id}", {"name": "Chiếm"}).status_code == 404
    assert product.name not in client.get("/cooperative/products").get_data(as_text=True)


def _certificate_form(**overrides) -> dict:
    return {
        "ocop_stars": "4",
        "certificate_no": "1234/QĐ-UBND",
        "certificate_level": "tinh",
        "certificate_issued_on": "2025-03-15",
        **overrides,
    }


def test_ocop_certificate_rules(client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, owner)
    bad = client.form_post("/cooperative/products/new", {**_form(), **_certificate_form(ocop_stars="6")})
    assert bad.status_code == 422 and "Phải từ 3 đến 5" in bad.get_data(as_text=True)
    bad = client.form_post(
        "/cooperative/products/new", {**_form(), **_certificate_form(certificate_no="", certificate_issued_on="")}
    )
    assert "Cần số quyết định công nhận OCOP" in bad.get_data(as_text=True)
    assert "Cần ngày công nhận" in bad.get_data(as_text=True)
    ok = client.form_post("/cooperative/products/new", {**_form(), **_certificate_form(certificate_level="trung_uong")})
    assert ok.status_code == 302
    certificate = db.session.scalar(select(OcopCertificate))
    assert (certificate.stars, str(certificate.level)) == (4, "trung_uong")
    assert certificate.expires_on == date(2028, 3, 15)  # 36 months after the decision unless given


def test_expired_certificate_hides_the_badge_publicly(client):
    owner = make_user(Role.COOPERATIVE)
    issued = today_vn() - timedelta(days=40 * 30)
    product = make_published(
        owner,
        ocop_stars="5",
        certificate_no="99/QĐ-TTg",
        certificate_level="trung_uong",
        certificate_issued_on=issued.isoformat(),
    )
    valid = make_published(
        owner,
        name="Chè Shan tuyết",
        ocop_stars="4",
        certificate_no="12/QĐ-UBND",
        certificate_issued_on=(today_vn() - timedelta(days=30)).isoformat(),
    )
    db.session.commit()
    assert product.certificate.expires_on < today_vn()
    expired_page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    valid_page = client.get(f"/p/{valid.slug}").get_data(as_text=True)
    assert "99/QĐ-TTg" not in expired_page and 'class="stars"' not in expired_page
    assert "12/QĐ-UBND" in valid_page
    items = {i["name"]: i["ocop_stars"] for i in client.get("/api/v1/products").get_json()["items"]}
    assert items == {product.name: None, "Chè Shan tuyết": 4}
    assert [i["name"] for i in client.get("/api/v1/products?ocop_stars=3").get_json()["items"]] == ["Chè Shan tuyết"]
    login(client, owner)
    assert "Chứng nhận OCOP đã hết hạn" in client.get(f"/cooperative/products/{product.id}").get_data(as_text=True)


def test_cooperative_is_warned_60_days_before_expiry_once(app):
    owner = make_user(Role.COOPERATIVE)
    soon = today_vn() + timedelta(days=50)
    later = today_vn() + timedelta(days=200)
    make_published(
        owner,
        name="Sắp hết hạn",
        ocop_stars="3",
        certificate_no="1/QĐ",
        certificate_issued_on=(today_vn() - timedelta(days=900)).isoformat(),
        certificate_expires_on=soon.isoformat(),
    )
    make_published(
        owner,
        name="Còn lâu",
        ocop_stars="3",
        certificate_no="2/QĐ",
        certificate_issued_on=(today_vn() - timedelta(days=300)).isoformat(),
        certificate_expires_on=later.isoformat(),
    )
    db.session.commit()
    assert "catalog-expiring-certificates" in app.extensions["celery"].conf.beat_schedule
    from catalog.tasks import warn_expiring_certificates_task

    assert warn_expiring_certificates_task.run() == 1
    assert warn_expiring_certificates_task.run() == 0  # told once
    notices = db.session.scalars(
        select(Notice.message).where(Notice.user_id == owner.id, Notice.kind == "ocop_expiring")
    )
    assert [n for n in notices] == [
        f"Chứng nhận OCOP của “Sắp hết hạn” hết hạn ngày {soon:%d/%m/%Y}. Hãy gia hạn để giữ huy hiệu sao."
    ]
    assert any(m["subject"] == "Chứng nhận OCOP sắp hết hạn" for m in sent_mails(app))


def test_six_ocop_groups_with_sub_categories_and_the_admin_editor(client):
    categories = client.get("/api/v1/categories").get_json()
    roots = [c for c in categories if c["parent_id"] is None]
    assert [c["name"] for c in roots] == [
        "Thực phẩm",
        "Đồ uống",
        "Dược liệu và sản phẩm từ dược liệu",
        "Thủ công mỹ nghệ",
        "Sinh vật cảnh",
        "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
    ]
    assert all(any(c["parent_id"] == root["id"] for c in categories) for root in roots)
    staff = make_user(Role.COMMUNE_STAFF)
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(client, staff)
    assert client.get("/admin/categories").status_code == 403
    client.get("/logout")
    login(client, admin)
    drinks = next(c for c in roots if c["slug"] == "do-uong")
    client.form_post("/admin/categories", {"name": "Rượu cần", "parent_id": str(drinks["id"])})
    added = db.session.scalar(select(Category).where(Category.name == "Rượu cần"))
    assert (added.slug, added.parent_id) == ("ruou-can", drinks["id"])
    client.form_post(
        "/admin/categories", {"id": str(added.id), "name": "Rượu cần Tây Nguyên", "parent_id": str(drinks["id"])}
    )
    db.session.refresh(added)
    assert (added.name, added.slug) == ("Rượu cần Tây Nguyên", "ruou-can")  # the slug (URL) is kept
    wrong = client.form_post("/admin/categories", {"name": "X", "parent_id": str(drinks["id"])})
    assert "Tên danh mục cần từ 2 đến 160 ký tự" in wrong.get_data(as_text=True)
    assert "Rượu cần Tây Nguyên" in client.get("/c/do-uong").get_data(as_text=True)
    db.session.delete(added)
    db.session.commit()
