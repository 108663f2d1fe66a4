"""Benchmark helpers: a gunicorn server on a free loopback port, wrk load, percentiles, result rows.

Numbers on a shared 2-core machine are noisy, so web figures are reported as ratios against the hello-world
baseline measured in the same run (see `baseline_rps`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GUNICORN_WORKERS = 2
EMBEDDED_CONFIG = ROOT / "scripts" / "gunicorn_embedded.conf.py"  # `make run`'s settings: browsers connect directly


@dataclass
class BenchRow:
    name: str
    value: float
    unit: str
    target: str = ""
    ratio: float | None = None
    note: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn_server(
    app_spec: str,
    env: dict[str, str] | None = None,
    workers: int = GUNICORN_WORKERS,
    ready_path: str = "/",
    config: Path | None = None,
) -> Iterator[str]:
    """Serve `app_spec` (e.g. 'marketplace:create_app()') with gunicorn, sync workers unless `config` says otherwise
    (its bind, workers and log level are overridden here); yields the base URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            *(["--config", str(config), "--access-logfile", "/dev/null"] if config else []),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base + ready_path)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=2).read()
            return
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
        found = shutil.which("wrk")
    return found


def wrk_rps(
    url: str,
    seconds: int = 5,
    connections: int = 8,
    threads: int = 1,
    headers: dict[str, str] | None = None,
    script: str | None = None,
    timeout: str = "10s",
) -> float:
    """Requests per second that wrk sustains against one URL (non-2xx responses make it fail loudly);
    `script` is a wrk Lua script, e.g. for POST bodies."""
    output = wrk_output(url, seconds, connections, threads, headers, script, timeout)
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise RuntimeError(f"errors while loading {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def wrk_output(
    url: str,
    seconds: int,
    connections: int,
    threads: int = 1,
    headers: dict[str, str] | None = None,
    script: str | None = None,
    timeout: str = "10s",
) -> str:
    """wrk's report of loading one URL (whatever the answers were)."""
    args = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}", "--latency"]
    for key, value in (headers or {}).items():
        args += ["-H", f"{key}: {value}"]
    if script:
        args += ["-s", script]
    return subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout


def baseline_rps(seconds: int = 5) -> float:
    """Hello-world Flask under the same gunicorn settings, measured now."""
    with gunicorn_server("tests.perf.hello:app") as base:
        wrk_rps(base + "/", seconds=1)
        return wrk_rps(base + "/", seconds=seconds)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def timed_ms(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else 0.0
