"""Scan page throughput against hello-world Flask under the same gunicorn settings, in the same run.

A fresh SQLite database (the embedded default) holds one cooperative, a product with a photo-less OCOP
certificate, a batch with five events and a few labels. wrk opens the label's `/t/<serial>` page; every request
is a real scan (inserted; one device, so the label's count of distinct devices stays 1), so the run also checks
that the database recorded exactly as many scans as wrk received pages. The per-client scan rate limit is off.
Measured twice: with the defaults (on a SQLite file each scan is appended to the worker's spool file before the
page is answered and written to the database within `SCAN_BUFFER_SECONDS`=1, counted after that flush), and with
every scan written to the database before answering (`SCAN_BUFFER_SECONDS=0`, the default on PostgreSQL). Every
request line is logged in both. Measured a third time with the defaults and a new phone on every scan (wrk sends
another User-Agent each time, so every scan is a device new to the label, which a campaign's scans mostly are: the
label's count grows by one per scan and the write buffer counts each). Reported: requests/s, the ratio to a
hello-world server loaded just before and just after each measurement (target ≥ 0.75; the shared machine's speed
drifts by minutes) and the page's bytes.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.factories.traceability import scan_server_env
from tests.perf.harness import BenchRow, ensure_wrk, gunicorn_server, wrk_rps

SECONDS = 5
NEW_PHONE_EACH_SCAN = """
run = os.time()
sent = 0
request = function()
  sent = sent + 1
  return wrk.format(nil, nil, {["User-Agent"] = "Mozilla/5.0 (Linux; Android 9; phone " .. run .. "-" .. sent .. ")"})
end
"""
STAGES = ("planting", "care", "harvest", "processing", "packing")


def _prepare(folder: Path) -> tuple[str, list[str]]:
    """Migrate and fill a SQLite database; returns its URL and the serials of four labels."""
    from marketplace.extensions import db
    from marketplace.migrate import upgrade
    from marketplace.models import Role
    from tests.conftest import make_test_app
    from tests.factories import make_product, make_user
    from tests.factories.traceability import make_batch, make_labels

    url = f"sqlite:///{folder / 'ocop.sqlite'}"
    upgrade(url)
    app = make_test_app(url, folder)
    with app.app_context():
        owner = make_user(Role.COOPERATIVE)
        product = make_product(owner.cooperative, ocop_stars=4, name="Nấm mèo khô Vạn Sơn")
        batch = make_batch(owner=owner, product=product, events=STAGES, lot="NM-BENCH")
        serials = [label.serial for label in make_labels(batch, 4)]
        db.session.commit()
        db.engine.dispose()
    return url, serials


def _wrk(url: str, seconds: int, script: str | None = None) -> tuple[float, int]:
    """Requests/s and the number of complete responses wrk received (`script`: a wrk Lua script's file)."""
    options = ["-s", script] if script else []
    output = subprocess.run(
        [ensure_wrk(), "-t1", "-c8", f"-d{seconds}s", *options, url], check=True, capture_output=True, text=True
    ).stdout
    if "Non-2xx or 3xx responses" in output:
        raise RuntimeError(output)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rps, int(re.search(r"(\d+) requests in", output).group(1))


def _scan_counts(db_url: str, serial: str) -> tuple[int, int]:
    """The label's count of distinct devices and the number of scans in the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.connect() as conn:
        # one statement, one snapshot: requests still in flight after wrk stops cannot land between two reads
        count, rows = conn.execute(
            text("SELECT (SELECT scan_count FROM labels WHERE serial = :s), (SELECT count(*) FROM scans)"),
            {"s": serial},
        ).one()
    engine.dispose()
    return count, rows


def _check_devices(counted: int, scans: int, new_phones: bool) -> None:
    """One phone is one device however often it scans; a new phone on every scan is a device each."""
    expected = scans if new_phones else min(scans, 1)
    if counted != expected:
        raise RuntimeError(f"{scans:,} scans counted as {counted:,} devices, not {expected:,}")


def _page_bytes(base: str, serial: str) -> int:
    import urllib.request

    html = urllib.request.urlopen(f"{base}/t/{serial}").read()
    total = len(html)
    for href in re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html):
        total += len(urllib.request.urlopen(base + href.decode()).read())
    return total


WRITTEN_AT_ONCE = {"SCAN_BUFFER_SECONDS": "0"}


@dataclass
class Measured:
    rps: float
    served: int
    recorded: int
    size: int
    hello_rps: float  # hello-world loaded just before and just after, the same seconds' baseline


def _measure(
    env: dict[str, str], serial: str, measured_serial: str, flush_wait: float, hello: str, script: str | None = None
) -> Measured:
    """Requests/s, pages served, scans recorded (after the buffer's flush time), the page's bytes, and hello-world's
    requests/s around it (the shared machine's speed drifts by minutes). `script` makes every scan a new phone."""
    db_url = env["DATABASE_URL"]
    with gunicorn_server("marketplace:create_app()", env=env, ready_path="/.well-known/gs1resolver") as base:
        page = f"{base}/t/{serial}"
        size = _page_bytes(base, measured_serial)  # another label: wrk's scans stay one device
        _wrk(page, 1, script)
        time.sleep(flush_wait)
        devices_before, before = _scan_counts(db_url, serial)
        hello_before = wrk_rps(hello, seconds=SECONDS)
        rps, served = _wrk(page, SECONDS, script)
        hello_after = wrk_rps(hello, seconds=SECONDS)
        time.sleep(flush_wait)
        devices, after = _scan_counts(db_url, serial)
    _check_devices(devices - devices_before if script else devices, after - before if script else after, bool(script))
    return Measured(rps, served, after - before, size, (hello_before + hello_after) / 2)


def run(baseline_rps: float) -> list[BenchRow]:
    folder = Path(tempfile.mkdtemp(prefix="ocop-bench-scan-"))
    db_url, (serial, measured_serial, phones_serial, _spare) = _prepare(folder)
    env = scan_server_env(db_url, folder)
    with gunicorn_server("tests.perf.hello:app") as hello:
        default = _measure(env, serial, measured_serial, 2.5, hello + "/")
        at_once = _measure({**env, **WRITTEN_AT_ONCE}, serial, measured_serial, 0, hello + "/")
        script = folder / "new-phone-each-scan.lua"
        script.write_text(NEW_PHONE_EACH_SCAN)
        phones = _measure(env, phones_serial, measured_serial, 2.5, hello + "/", str(script))
    lost = sum(max(measured.served - measured.recorded, 0) for measured in (default, at_once, phones))
    return [
        BenchRow(
            "scan page /t/<serial> (records every scan)",
            default.rps,
            "req/s",
            "≥ 0.75× hello-world",
            default.rps / default.hello_rps,
            f"{default.recorded:,} scans recorded for {default.served:,} pages served; defaults on SQLite: each scan "
            f"in the worker's spool file before answering, in the database within 1 s; hello-world "
            f"{default.hello_rps:,.0f} req/s in the same seconds",
        ),
        BenchRow(
            "scan page /t/<serial>, every scan written to the database before answering",
            at_once.rps,
            "req/s",
            "",
            at_once.rps / at_once.hello_rps,
            f"{at_once.recorded:,} scans recorded for {at_once.served:,} pages served; SCAN_BUFFER_SECONDS=0; "
            f"hello-world {at_once.hello_rps:,.0f} req/s in the same seconds",
        ),
        BenchRow(
            "scan page /t/<serial>, a new phone on every scan",
            phones.rps,
            "req/s",
            "",
            phones.rps / phones.hello_rps,
            f"{phones.recorded:,} scans recorded for {phones.served:,} pages served, each a new device for the label; "
            f"defaults on SQLite; hello-world {phones.hello_rps:,.0f} req/s in the same seconds",
        ),
        BenchRow("scan page bytes (HTML + CSS)", default.size, "bytes", "≤ 30,720", note="uncompressed"),
        BenchRow(
            "scans lost", lost, "scans", "0", note="all three runs; wrk may count a page whose scan is still in flight"
        ),
    ]


if __name__ == "__main__":
    from tests.perf.harness import baseline_rps

    base_rps = baseline_rps()
    print(f"hello-world: {base_rps:,.0f} req/s")
    for row in run(base_rps):
        print(row)
