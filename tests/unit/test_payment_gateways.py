"""Each gateway is one module of orders/payments/ (plus its page template), and nothing else names one."""

from __future__ import annotations

import re
from pathlib import Path

from marketplace.config import PROJECT_ROOT
from orders.payments import GATEWAYS

COMPARED_WITH_A_NAME = re.compile(r"""(payment_method|gateway)\s*(==|!=|\bin\b)\s*[\('"]""")


def test_every_gateway_is_found_with_a_storable_id_and_its_page():
    assert {"vietqr", "cod", "stripe", "momo"} <= set(GATEWAYS.ids())
    for gateway in GATEWAYS:
        assert len(gateway.id) <= 20 and str(gateway.label)  # orders.payment_method is String(20)
        if gateway.needs_payment_page:
            assert (PROJECT_ROOT / "templates" / gateway.payment_template).is_file(), gateway.id
    paths = [gateway.notification_path for gateway in GATEWAYS if gateway.notification_path]
    assert len(paths) == len(set(paths)) and "bank-transfer" in paths


def test_no_code_outside_a_gateway_module_compares_a_payment_method_with_a_name():
    sources = [*(PROJECT_ROOT / "orders").rglob("*.py"), *(PROJECT_ROOT / "templates").rglob("*.html")]
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}: {line.strip()}"
        for path in sources
        if Path("orders/payments") not in path.relative_to(PROJECT_ROOT).parents
        for line in path.read_text(encoding="utf-8").splitlines()
        if COMPARED_WITH_A_NAME.search(line)
    ]
    assert offenders == []
