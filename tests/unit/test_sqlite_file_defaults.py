"""The scan write buffer and the reuse of search answers are on by default only where what they keep in the instance
folder shares the database's disk and host (a SQLite file)."""

from __future__ import annotations

import pytest

from marketplace.config import build_config

ON_A_SQLITE_FILE = {"SCAN_BUFFER_SECONDS": 1.0, "SEARCH_ANSWER_SECONDS": 300.0}


@pytest.mark.parametrize("setting", sorted(ON_A_SQLITE_FILE))
@pytest.mark.parametrize(
    ("database", "on"),
    [
        ("sqlite:////srv/ocop/instance/ocop.sqlite", True),  # the commune laptop: one disk, one host
        ("postgresql+psycopg://ocop@db/ocop", False),  # web hosts have their own folders and can be lost
        ("sqlite:///:memory:", False),
    ],
)
def test_the_default_follows_the_database(setting, database, on, tmp_path, monkeypatch):
    monkeypatch.delenv(setting, raising=False)
    config = build_config({"SQLALCHEMY_DATABASE_URI": database, "INSTANCE_PATH": str(tmp_path)})
    assert config[setting] == (ON_A_SQLITE_FILE[setting] if on else 0.0)


@pytest.mark.parametrize("setting", sorted(ON_A_SQLITE_FILE))
def test_the_setting_wins_over_the_default(setting, tmp_path, monkeypatch):
    monkeypatch.setenv(setting, "0")
    config = build_config({"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/ocop.sqlite", "INSTANCE_PATH": str(tmp_path)})
    assert config[setting] == 0.0
