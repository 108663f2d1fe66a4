"""`make bench`: run every tests/perf/bench_*.py module's `run(baseline_rps)` and write bench/results.md.

With arguments (`python -m tests.perf.run_all web scan`), only the modules whose names contain one of them run,
and their rows replace the rows of the same name in bench/results.md (the others are kept, marked by the date
of their own run in the header)."""

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


def _row_line(row: BenchRow) -> str:
    ratio = f"{row.ratio:.2f}" if row.ratio is not None else ""
    return f"| {row.name} | {_fmt(row.value)} | {row.unit} | {ratio} | {row.target} | {row.note} |"


def merged_lines(previous: str, rows: list[BenchRow]) -> list[str]:
    """The table rows of an earlier results.md with these rows put in place of those of the same name."""
    fresh = {row.name: _row_line(row) for row in rows}
    lines = []
    for line in previous.splitlines():
        if not line.startswith("| ") or line.startswith("| benchmark |"):
            continue
        name = line[2:].split(" | ", 1)[0]
        lines.append(fresh.pop(name, line))
    return lines + list(fresh.values())


def write_table(rows: list[BenchRow], baseline: float, previous: str = "") -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine "
        f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end); "
        f"hello-world Flask baseline under the same gunicorn settings: **{baseline:,.0f} req/s**.",
        "",
        "| benchmark | value | unit | ratio to hello-world | target | note |",
        "|---|---|---|---|---|---|",
    ]
    if previous:
        lines[2] += f" Rows of modules not run this time are kept from the earlier run: {_measured_at(previous)}."
        lines += merged_lines(previous, rows)
    else:
        lines += [_row_line(row) for row in rows]
    return "\n".join(lines) + "\n"


def _measured_at(previous: str) -> str:
    found = previous.split("Measured ", 1)[1].split(" on this machine", 1)[0] if "Measured " in previous else ""
    return found or "unknown date"


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
    previous = out.read_text() if argv and out.exists() else ""
    out.write_text(write_table(rows, baseline, previous))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
