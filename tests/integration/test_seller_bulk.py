"""Bulk onboarding: the commune's Excel template (drop-down lists), the import (good rows become sellers verified
by the importing staff member, bad rows reported by number, other communes refused to commune staff, a second import
adds nothing), the owner's invitation, and `ocop create-cooperative`."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Commune, Cooperative, CooperativeKind, CooperativeStatus, CoopRole, Role, User
from marketplace.sellers.excel import accept_url, run_import_job
from tests.factories import MUONG_LAT, VAN_SON, login, make_cooperative, make_user, sent_mails

HEADERS = (
    "Tên người bán",
    "Loại hình",
    "Mã số đăng ký/mã số thuế",
    "Tỉnh/thành phố",
    "Xã/phường",
    "Địa chỉ",
    "Điện thoại",
    "Người đại diện",
    "Ngân hàng",
    "Số tài khoản",
    "Chủ tài khoản",
    "E-mail chủ gian hàng",
)


def _commune(code: int) -> Commune:
    return db.session.get(Commune, code)


def _row(commune: Commune, **values) -> list:
    row = {
        "name": "Hợp tác xã Mật ong Triệu Sơn",
        "kind": "Hợp tác xã",
        "registration_no": "2801234567",
        "province": commune.province.name,
        "commune": commune.full_name,
        "address": "Thôn 5",
        "phone": "0912 345 678",
        "representative": "Lê Văn Tám",
        "bank": "Agribank — Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam",
        "account_no": "3500205100777",
        "account_holder": "HTX Mật ong Triệu Sơn",
        "owner_email": "chu.matong@example.vn",
    }
    row.update(values)
    return list(row.values())


def _workbook(*rows: list) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client, data: bytes):
    return client.form_post(
        "/commune/sellers/import",
        {"file": (io.BytesIO(data), "nguoi-ban.xlsx")},
        content_type="multipart/form-data",
    )


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Cooperative.id)))


def test_the_template_has_drop_down_lists_for_kind_province_commune_and_bank(app, client):
    staff = make_user(Role.COMMUNE_STAFF, commune_code=VAN_SON)
    db.session.commit()
    login(client, staff)
    answer = client.get("/commune/sellers/template.xlsx")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(answer.data))
    sheet, lists = book.worksheets
    assert [c.value for c in sheet[1]] == list(HEADERS)
    assert lists.sheet_state == "hidden"
    validated = {str(v.sqref).split(":")[0][0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert set(validated) == {"B", "D", "E", "I"}  # kind, province, commune, bank
    values = {column: [c.value for c in col if c.value] for column, col in zip("ABCD", lists.columns, strict=False)}
    assert values["A"] == ["Hợp tác xã", "Tổ hợp tác", "Hộ kinh doanh", "Doanh nghiệp"]
    assert values["C"] == [_commune(VAN_SON).full_name]  # commune staff: their own commune only
    assert "Agribank — Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam" in values["D"]
    assert validated["E"] == "'Danh sách'!$C$1:$C$1"

    admin = make_user(Role.ADMIN)
    db.session.commit()
    other = app.test_client()
    login(other, admin)
    everything = load_workbook(io.BytesIO(other.get("/commune/sellers/template.xlsx").data)).worksheets[1]
    communes = [c.value for c in next(iter(everything.iter_cols(min_col=3, max_col=3))) if c.value]
    assert len(communes) > 3000 and _commune(MUONG_LAT).full_name in communes

    buyer = make_user()
    db.session.commit()
    third = app.test_client()
    login(third, buyer)
    assert third.get("/commune/sellers/template.xlsx").status_code == 403


def test_staff_import_makes_verified_sellers_reports_bad_rows_and_invites_the_owner(app, client):
    staff = make_user(Role.COMMUNE_STAFF, commune_code=VAN_SON, full_name="Cán bộ Triệu Sơn")
    db.session.commit()
    van_son, muong_lat = _commune(VAN_SON), _commune(MUONG_LAT)
    data = _workbook(
        _row(van_son, kind="Hộ kinh doanh"),
        _row(van_son, name="Tổ hợp tác Chè", registration_no="12345", owner_email="che@example.vn"),
        _row(muong_lat, name="Hợp tác xã Mường Lát", registration_no="2809999999", owner_email="ml@example.vn"),
    )
    login(client, staff)
    answer = _upload(client, data)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422  # some rows were wrong: the report says which
    assert "Đã tạo: 1 · Đã có sẵn: 0 · Dòng lỗi: 2" in page
    assert re.search(r"<td>3</td><td>C — Mã số đăng ký/mã số thuế</td><td>Mã số đăng ký/mã số thuế gồm 10", page)
    assert re.search(r"<td>4</td><td>E — Xã/phường</td><td>Xã Mường Lát, [^<]+ không phải xã của bạn", page)

    sellers = db.session.scalars(select(Cooperative)).all()
    assert len(sellers) == 1
    seller = sellers[0]
    assert seller.name == "Hợp tác xã Mật ong Triệu Sơn" and seller.kind == CooperativeKind.HO_KINH_DOANH
    assert seller.status == CooperativeStatus.VERIFIED and seller.verified_by_id == staff.id
    assert (seller.registration_no, seller.phone, seller.representative) == ("2801234567", "0912345678", "Lê Văn Tám")
    assert (seller.bank_bin, seller.account_no, seller.account_holder) == (
        "970405",
        "3500205100777",
        "HTX MAT ONG TRIEU SON",
    )

    mails = [m for m in sent_mails(app) if m["to"] == "chu.matong@example.vn"]
    assert len(mails) == 1 and "làm chủ gian hàng" in mails[0]["body"]
    assert not [m for m in sent_mails(app) if m["to"] in ("che@example.vn", "ml@example.vn")]
    link = re.search(r"/invite/[\w\-]+", mails[0]["body"]).group(0)
    invitee = app.test_client()
    assert "Bạn sẽ là chủ gian hàng." in invitee.get(link).get_data(as_text=True)
    accepted = invitee.form_post(link, {"full_name": "Lê Văn Tám", "password": "mat-khau-moi-2"})
    assert accepted.status_code == 302
    owner = db.session.scalar(select(User).where(User.email == "chu.matong@example.vn"))
    assert owner.cooperative_id == seller.id and owner.cooperative_role == CoopRole.OWNER
    assert "Lê Văn Tám" in invitee.get("/cooperative/members").get_data(as_text=True)

    # the same file again: nothing new, the existing seller named, no second invitation
    again = _upload(client, data).get_data(as_text=True)
    assert "Đã tạo: 0 · Đã có sẵn: 1 · Dòng lỗi: 2" in again and "Đã có trên Chợ OCOP" in again
    assert _count() == 1
    assert len([m for m in sent_mails(app) if m["to"] == "chu.matong@example.vn"]) == 1


def test_admin_imports_any_commune_and_a_same_name_seller_is_not_duplicated(app, client):
    admin = make_user(Role.ADMIN)
    make_cooperative(name="Hợp tác xã Mường Lát", commune_code=MUONG_LAT, registration_no=None)
    db.session.commit()
    login(client, admin)
    data = _workbook(
        _row(_commune(MUONG_LAT), name="Hợp tác xã Mường Lát", registration_no="", owner_email="a@example.vn"),
        _row(
            _commune(MUONG_LAT),
            name="Hợp tác xã Lúa Mường Lát",
            registration_no="0101234567",
            owner_email="b@example.vn",
        ),
        _row(_commune(MUONG_LAT), name="Hợp tác xã Ngô", registration_no="0101234568", owner_email="b@example.vn"),
    )
    page = _upload(client, data).get_data(as_text=True)
    assert "Đã tạo: 1 · Đã có sẵn: 1 · Dòng lỗi: 1" in page
    assert (
        "<td>4</td><td>L — E-mail chủ gian hàng</td><td>E-mail b@example.vn đã được mời làm chủ Hợp tác xã Lúa" in page
    )
    assert _count() == 2
    new = db.session.scalar(select(Cooperative).where(Cooperative.registration_no == "0101234567"))
    assert new.verified and new.verified_by_id == admin.id


def test_a_wrong_file_is_one_clear_message(app, client):
    staff = make_user(Role.COMMUNE_STAFF, commune_code=VAN_SON)
    db.session.commit()
    login(client, staff)
    answer = _upload(client, b"not a workbook")
    assert answer.status_code == 422 and "Tệp không phải bảng tính Excel" in answer.get_data(as_text=True)


def test_ocop_create_cooperative(app):
    staff = make_user(Role.COMMUNE_STAFF, commune_code=VAN_SON, email="canbo@example.vn")
    db.session.commit()
    runner = app.test_cli_runner()
    args = ["create-cooperative", "--name", "Hợp tác xã Gạo Triệu Sơn", "--commune", str(VAN_SON), "--kind", "htx"]
    bank = ["--bank-bin", "970405", "--account-no", "3500205100888", "--registration-no", "2801234560"]
    done = runner.invoke(args=[*args, *bank, "--owner-email", "gao@example.vn", "--verified-by", "canbo@example.vn"])
    assert done.exit_code == 0, done.output
    slug = done.output.strip()
    seller = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    assert seller.verified and seller.verified_by_id == staff.id and seller.account_holder == "HOP TAC XA GAO TRIEU SON"
    invitations = [m for m in sent_mails(app) if m["to"] == "gao@example.vn"]
    assert len(invitations) == 1 and "Hợp tác xã Gạo Triệu Sơn" in invitations[0]["subject"]

    pending = runner.invoke(args=["create-cooperative", "--name", "Tổ hợp tác Mới", "--commune", str(VAN_SON)])
    assert pending.exit_code == 0
    assert db.session.scalar(select(Cooperative).where(Cooperative.slug == pending.output.strip())).status == (
        CooperativeStatus.PENDING
    )

    for bad, message in (
        (["--commune", "1"], "Xã không tồn tại."),
        (["--commune", str(MUONG_LAT), "--verified-by", "canbo@example.vn"], "xã mình"),
        (["--commune", str(VAN_SON), "--registration-no", "123"], "10 hoặc 13"),
        (["--commune", str(VAN_SON), "--owner-email", "moi@example.vn"], "--verified-by"),
    ):
        failed = runner.invoke(args=["create-cooperative", "--name", "Hợp tác xã Lỗi", *bad])
        assert failed.exit_code == 1 and message in failed.output
        assert len(failed.output.strip().splitlines()) == 1
    assert _count() == 2


def test_a_long_list_runs_as_a_job_with_its_report_on_the_job_page(app, client):
    staff = make_user(Role.COMMUNE_STAFF, commune_code=VAN_SON)
    db.session.commit()
    van_son = _commune(VAN_SON)
    rows = [
        _row(
            van_son,
            name=f"Hộ kinh doanh số {n}",
            registration_no=f"28{n:08d}",
            account_no="",
            bank="",
            owner_email=f"ho{n}@example.vn",
        )
        for n in range(1, 6)
    ]
    rows += [_row(van_son, name="", owner_email="x@example.vn")] * 200  # a long list, mostly wrong rows (cheap)
    login(client, staff)
    answer = _upload(client, _workbook(*rows))
    assert answer.status_code == 302 and "/jobs/" in answer.headers["Location"]
    job_id = answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    run_import_job(job_id, accept_url)  # what the worker runs
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Đã tạo và xác minh 5 người bán" in page and "200 dòng lỗi" in page and "Thiếu tên người bán." in page
    assert _count() == 5
