"""`make bench`: run every tests/perf/bench_*.py module's `run(baseline_rps)` and write bench/results.md."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

from tests.perf.harness import ROOT, BenchRow, baseline_rps


def _modules(selected: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    return [n for n in names if not selected or any(s in n for s in selected)]


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


def write_table(rows: list[BenchRow], baseline: float) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine "
        f"(load average {os.getloadavg()[0]:.1f} at the end); "
        f"hello-world Flask baseline under the same gunicorn settings: **{baseline:,.0f} req/s**.",
        "",
        "| benchmark | value | unit | ratio to hello-world | target | note |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else ""
        lines.append(f"| {row.name} | {_fmt(row.value)} | {row.unit} | {ratio} | {row.target} | {row.note} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    baseline = baseline_rps()
    print(f"baseline hello-world: {baseline:,.0f} req/s", flush=True)
    rows: list[BenchRow] = []
    for name in _modules(argv):
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"tests.perf.{name}")
        for row in module.run(baseline):
            print(
                f"  {row.name}: {_fmt(row.value)} {row.unit}" + (f" (ratio {row.ratio:.2f})" if row.ratio else ""),
                flush=True,
            )
            rows.append(row)
    out = ROOT / "bench" / "results.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(write_table(rows, baseline))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
