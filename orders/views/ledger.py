"""The seller's statement of card money: entries with a running balance, and the same as an Excel file."""

from __future__ import annotations

from flask import make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Cooperative
from marketplace.permissions import require_roles
from orders import ledger

from .blueprint import bp
from .desk import DESK_ROLES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cooperative() -> Cooperative:
    """The signed-in seller's own cooperative; admin picks one with ?cooperative=<id>. Anyone else's is a 404."""
    wanted = request.args.get("cooperative", type=int)
    if current_user.is_admin and wanted:
        cooperative = db.session.get(Cooperative, wanted)
    elif wanted and wanted != current_user.cooperative_id:
        cooperative = None
    else:
        cooperative = current_user.cooperative
    if cooperative is None:
        raise NotFound(_("Không tìm thấy sao kê của hợp tác xã này."))
    return cooperative


@bp.get("/cooperative/statement")
@require_roles(*DESK_ROLES)
def statement():
    result = ledger.statement(_cooperative())
    return render_template("orders/statement.html", statement=result, entries=list(reversed(result.entries)))


@bp.get("/cooperative/statement.xlsx")
@require_roles(*DESK_ROLES)
def statement_xlsx():
    result = ledger.statement(_cooperative())
    response = make_response(ledger.statement_xlsx(result))
    response.mimetype = XLSX
    response.headers["Content-Disposition"] = f'attachment; filename="sao-ke-{result.cooperative.slug}.xlsx"'
    return response
