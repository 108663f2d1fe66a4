"""`ocop labels` never prints a run of labels whose QR codes point at the printing machine itself."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import make_user
from tests.factories.traceability import make_batch
from tests.qrcodes import qr_urls
from traceability.models import Label


def _batch_code() -> tuple[str, int]:
    batch = make_batch(make_user(Role.COOPERATIVE), events=(), lot="L-1")
    db.session.commit()
    return batch.code, batch.id


def _labels(batch_id: int) -> int:
    db.session.expire_all()
    return len(db.session.scalars(select(Label.id).where(Label.batch_id == batch_id)).all())


@pytest.mark.parametrize(
    "base",
    [
        "http://127.0.0.1:5000",
        "http://127.8.9.10",
        "http://localhost:5000",
        "https://LOCALHOST.",
        "http://shop.localhost",
        "http://[::1]:5000",
        "http://0.0.0.0:5000",
    ],
)
def test_a_loopback_base_url_is_refused(app, tmp_path, monkeypatch, base):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", base)
    code, batch_id = _batch_code()
    out = tmp_path / "tem.pdf"
    result = app.test_cli_runner().invoke(args=["labels", "--batch", code, "--count", "3", "--out", str(out)])
    assert result.exit_code != 0
    assert "PUBLIC_BASE_URL" in result.output and "--allow-local" in result.output
    assert not out.exists() and _labels(batch_id) == 0


def test_allow_local_prints_anyway(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    code, batch_id = _batch_code()
    out = tmp_path / "tem.pdf"
    args = ["labels", "--batch", code, "--count", "2", "--out", str(out), "--allow-local"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert _labels(batch_id) == 2


def test_a_public_base_url_is_what_the_qr_codes_carry(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://cho-ocop.vn")
    code, _batch_id = _batch_code()
    out = tmp_path / "tem.pdf"
    result = app.test_cli_runner().invoke(args=["labels", "--batch", code, "--count", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert all(url.startswith("https://cho-ocop.vn/t/") for urls in qr_urls(out.read_bytes()) for url in urls)
