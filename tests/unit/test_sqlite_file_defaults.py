"""The scan write buffer is on by default only where its spool shares the database's disk (a SQLite file)."""

from __future__ import annotations

import pytest

from marketplace.config import build_config


@pytest.mark.parametrize(
    ("database", "seconds"),
    [
        ("sqlite:////srv/ocop/instance/ocop.sqlite", 1.0),  # the commune laptop: spool and database on one disk
        ("postgresql+psycopg://ocop@db/ocop", 0.0),  # web hosts can be lost without their database
        ("sqlite:///:memory:", 0.0),
    ],
)
def test_the_default_follows_the_database(database, seconds, tmp_path, monkeypatch):
    monkeypatch.delenv("SCAN_BUFFER_SECONDS", raising=False)
    config = build_config({"SQLALCHEMY_DATABASE_URI": database, "INSTANCE_PATH": str(tmp_path)})
    assert config["SCAN_BUFFER_SECONDS"] == seconds


def test_the_setting_wins_over_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_BUFFER_SECONDS", "0")
    config = build_config({"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/ocop.sqlite", "INSTANCE_PATH": str(tmp_path)})
    assert config["SCAN_BUFFER_SECONDS"] == 0.0
