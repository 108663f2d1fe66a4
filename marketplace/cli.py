"""The `ocop` command line (also `flask --app marketplace`)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy import select

from . import create_app
from .banks import load_banks
from .demo import database_is_empty, seed
from .errors import DomainError
from .extensions import db
from .models import Cooperative, CooperativeKind, CoopRole, Role
from .sellers.excel import accept_url
from .services import create_cooperative, create_user, find_user_by_email, invite_owner, verify_cooperative
from .storage import migrate as storage_migrate
from .units import commune_count, load_units


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user_command)
    app.cli.add_command(load_units_command)
    app.cli.add_command(migrate_command)
    app.cli.add_command(create_cooperative_command)
    storage_migrate.register_cli(app)


@click.command("migrate")
def migrate_command() -> None:
    """Apply every Alembic migration (alembic upgrade heads)."""
    from .migrate import upgrade  # noqa: PLC0415 — late: importing Alembic logs its plug-ins on every app start

    upgrade()
    click.echo("Cơ sở dữ liệu đã được cập nhật.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no users yet.")
def seed_demo(if_empty: bool) -> None:
    """Load the Vietnamese demo data (accounts, cooperatives, products…); running it twice adds nothing."""
    if if_empty and not database_is_empty():
        click.echo("Đã có dữ liệu, bỏ qua dữ liệu mẫu.")
        return
    summary = seed()
    db.session.commit()
    for name, count in summary.items():
        click.echo(f"  {name}: {count}")
    click.echo("Đã nạp dữ liệu mẫu. Mật khẩu các tài khoản mẫu: demo12345")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.BUYER.value, show_default=True)
@click.option("--name", "full_name", default="")
@click.option("--cooperative", "cooperative_slug", help="Slug of the cooperative (role cooperative).")
@click.option("--owner", is_flag=True, help="Make the member an owner of the cooperative.")
@click.option("--commune", "commune_code", type=int, help="Commune code (role commune_staff).")
def create_user_command(email, password, role, full_name, cooperative_slug, owner, commune_code) -> None:
    """Create an account of any role."""
    cooperative = None
    if cooperative_slug:
        cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == cooperative_slug))
        if cooperative is None:
            raise click.ClickException(f"Không tìm thấy hợp tác xã '{cooperative_slug}'.")
    try:
        user = create_user(
            email,
            password,
            Role(role),
            full_name,
            cooperative=cooperative,
            coop_role=CoopRole.OWNER if owner else CoopRole.STAFF,
            commune_code=commune_code,
        )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Đã tạo tài khoản {user.email} ({user.role}).")


@click.command("create-cooperative")
@click.option("--name", required=True, help="Tên người bán.")
@click.option("--commune", "commune_code", type=int, required=True, help="Mã xã/phường.")
@click.option("--kind", type=click.Choice([k.value for k in CooperativeKind]), default=CooperativeKind.HTX.value)
@click.option("--registration-no", default=None, help="Mã số đăng ký/mã số thuế (10 hoặc 13 số).")
@click.option("--address", default="")
@click.option("--phone", default="")
@click.option("--representative", default="")
@click.option("--bank-bin", default=None, help="BIN NAPAS của ngân hàng (6 số).")
@click.option("--account-no", default=None)
@click.option("--account-holder", default=None)
@click.option("--owner-email", default=None, help="Tài khoản có sẵn thành chủ ngay; e-mail mới nhận thư mời làm chủ.")
@click.option(
    "--verified-by", default=None, help="E-mail cán bộ xã/quản trị xác minh; bỏ trống: người bán chờ xác minh."
)
def create_cooperative_command(name, commune_code, owner_email, verified_by, **fields) -> None:
    """Create a seller and print its slug: verified by --verified-by (commune staff of its commune, or admin), else
    pending like a seller that applied itself."""
    try:
        cooperative = _create_cooperative(name, commune_code, owner_email, verified_by, fields)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(cooperative.slug)


def _create_cooperative(name, commune_code, owner_email, verified_by, fields) -> Cooperative:
    verifier = find_user_by_email(verified_by) if verified_by else None
    if verified_by and (verifier is None or verifier.role not in (Role.COMMUNE_STAFF, Role.ADMIN)):
        raise DomainError(f"--verified-by {verified_by}: không phải tài khoản cán bộ xã hay quản trị viên.")
    owner = find_user_by_email(owner_email) if owner_email else None
    if owner is not None and (owner.role != Role.BUYER or not owner.active):
        raise DomainError(f"--owner-email {owner_email}: tài khoản này đã thuộc người bán khác hoặc là cán bộ.")
    if owner_email and owner is None and verifier is None:
        raise DomainError("Gửi thư mời chủ cho e-mail mới cần --verified-by (người mời).")
    cooperative = create_cooperative(name, commune_code, owner=owner, **fields)
    if verifier is not None:
        verify_cooperative(verifier, cooperative)
        if owner_email and owner is None:
            invite_owner(verifier, cooperative, owner_email, accept_url)
    return cooperative


@click.command("load-units")
def load_units_command() -> None:
    """Load or refresh the 34 provinces and 3,321 communes, and the NAPAS bank list."""
    with click.progressbar(length=commune_count(), label="Đơn vị hành chính") as bar:
        provinces, communes = load_units(db.session, progress=bar.update)
    load_banks(db.session)
    db.session.commit()
    click.echo(f"{provinces} tỉnh/thành phố, {communes} xã/phường/đặc khu.")


def main() -> None:
    FlaskGroup(create_app=lambda: create_app(), help="Chợ OCOP — công cụ dòng lệnh.")(prog_name="ocop")
