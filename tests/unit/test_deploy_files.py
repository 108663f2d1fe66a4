"""The files in deploy/ start the right programs with the variables the app reads."""

from __future__ import annotations

import configparser
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
APP_SERVICES = ("app", "worker", "beat")
# named in the design's "Operations" section; the compose file must spell them exactly so
OPERATIONS_VARIABLES = {"OCOP_ENV", "LOG_FORMAT", "SENTRY_DSN", "METRICS_TOKEN"}


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def _command(service: dict) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_compose_runs_web_worker_beat_postgres_and_redis():
    services = _compose()["services"]
    assert set(services) >= {"app", "worker", "beat", "postgres", "redis"}
    assert "gunicorn" in _command(services["app"]) and "marketplace:create_app()" in _command(services["app"])
    assert "ocop migrate" in _command(services["app"])
    assert _command(services["worker"]).startswith("celery -A marketplace.worker worker")
    assert _command(services["beat"]).startswith("celery -A marketplace.worker beat")
    assert services["app"]["healthcheck"]["test"][-1].count("/readyz") == 1


def test_compose_sets_only_variables_the_app_documents():
    services = _compose()["services"]
    documented = set(re.findall(r"^\| `([A-Z_]+)`", (ROOT / "docs/operations.md").read_text(), flags=re.M))
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert set(environment) >= OPERATIONS_VARIABLES | {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY"}
        assert environment["OCOP_ENV"] == "production" and environment["LOG_FORMAT"] == "json"
        unknown = set(environment) - documented
        assert not unknown, f"{name} sets variables docs/operations.md does not explain: {unknown}"


def _unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # keys are case-sensitive in systemd
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser["Service"]


@pytest.mark.parametrize(
    ("unit", "program"),
    [
        ("ocop-web.service", "/gunicorn --config deploy/gunicorn.conf.py marketplace:create_app()"),
        ("ocop-worker.service", "/celery -A marketplace.worker worker"),
        ("ocop-beat.service", "/celery -A marketplace.worker beat"),
    ],
)
def test_systemd_units_start_the_right_modules(unit, program):
    service = _unit(unit)
    assert program in service["ExecStart"]
    assert service["EnvironmentFile"] == "/etc/ocop/ocop.env"
    assert service["User"] == "ocop" and service["Restart"] == "on-failure"


def test_gunicorn_settings_load_and_forget_dead_workers_in_multiprocess_mode():
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["worker_class"] == "sync" and callable(settings["child_exit"])


def test_dockerfile_installs_the_postgresql_client_for_backups():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "postgresql-client" in dockerfile and "pybabel compile" in dockerfile
    assert 'CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "marketplace:create_app()"]' in dockerfile


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed here (not installed by the tests)")
def test_nginx_site_passes_nginx_t(tmp_path):
    """The site inside a minimal nginx.conf, with a throw-away certificate in place of Let's Encrypt's."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=cho.example.vn", "-days", "1"]
    subprocess.run([*command, "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    site = (DEPLOY / "nginx/ocop.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/cho.example.vn/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/cho.example.vn/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
