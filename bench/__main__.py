"""``python -m bench``: build the data sets, load each page, print and save the table.

Options (all optional):
  --scales 1,10,100     which data sets (default: all three)
  --seconds 10          wrk duration per page (the issue asks for at least 10)
  --connections 16      wrk concurrent connections
  --only NAME           measure only pages whose name contains NAME (repeatable)
  --rebuild             rebuild the data sets even if they are up to date
Environment: BENCH_DATABASE_URL (PostgreSQL base URL; default SQLite files in bench/.data/),
BENCH_WORKERS (gunicorn workers; default twice the CPU count).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import builders  # noqa: F401 - registers the builders
from bench.datasets import ensure_dataset
from bench.measure import (
    BenchError,
    count_statements,
    default_workers,
    fresh_session_cookie,
    gunicorn,
    http_get,
    run_wrk,
    signed_in_client,
    time_download,
    uncached_milliseconds,
    wrk_path,
)
from bench.pages import PAGES, TIMINGS, BenchPage, BenchTiming
from bench.report import PageResult, ScaleRun, TimingResult, judge, missed, table

RESULTS = Path(__file__).resolve().parent / "results.md"
WARM_UP_SECONDS = 2


def _log(message: str) -> None:
    print(message, flush=True)


def _resolve(app, entry: BenchPage | BenchTiming) -> tuple[str | None, str | None]:
    """(path, None) or (None, why it is skipped)."""
    from flask import url_for

    if entry.endpoint not in app.view_functions:
        return None, "not built yet"
    with app.test_request_context():
        try:
            args = entry.args() if entry.args else {}
        except Exception as error:  # noqa: BLE001 - a resolver for a model still in the making
            return None, f"no data ({type(error).__name__}: {error})"
        if args is None:
            return None, "no data in the data set yet (add a builder in bench/builders.py)"
        return url_for(entry.endpoint, **args), None


def run_scale(scale: int, options: argparse.Namespace) -> ScaleRun:
    from bench.app import REFERENCE_PATH, create_bench_app

    url = ensure_dataset(scale, rebuild=options.rebuild, log=_log)
    app = create_bench_app(url)
    run = ScaleRun(scale=scale)
    clients = {}

    def client_for(role: str):
        if role not in clients:
            clients[role] = signed_in_client(app, role)
        return clients[role]

    pages = [p for p in PAGES if not options.only or any(o.lower() in p.name.lower() for o in options.only)]
    for page in pages:
        result = PageResult(page=page, scale=scale)
        result.path, result.skipped = _resolve(app, page)
        if result.path:
            status, result.statements, result.cached_statements, error = count_statements(
                app, client_for(page.role), result.path
            )
            if status != 200:
                result.skipped = f"answered {status} to {page.role}" + (f" ({error})" if error else "")
                result.statements = None
            else:
                result.uncached_ms = uncached_milliseconds(app, client_for(page.role), result.path)
        run.pages.append(result)
    _status, run.reference_statements, _cached, _error = count_statements(app, client_for("anonymous"), REFERENCE_PATH)
    _status, run.signed_in_reference_statements, _cached, _error = count_statements(
        app, client_for("inspector"), REFERENCE_PATH
    )
    timings = [TimingResult(timing=t, scale=scale) for t in TIMINGS]
    paths = {}
    for timing in timings:
        paths[timing.timing.name], timing.skipped = _resolve(app, timing.timing)

    with gunicorn(url, options.workers) as base:
        _log(f"{scale}×: gunicorn with {options.workers} workers at {base}")

        def load(path: str, cookie: str | None):
            status, _body, _seconds = http_get(base + path, cookie)
            if status != 200:
                raise BenchError(f"{path} answered {status} through gunicorn")
            run_wrk(base + path, cookie, seconds=WARM_UP_SECONDS, connections=options.connections, threads=2)
            return run_wrk(base + path, cookie, seconds=options.seconds, connections=options.connections, threads=2)

        run.reference = load(REFERENCE_PATH, None)
        _log(f"  reference: {run.reference.rps:.0f} req/s, p95 {run.reference.p95_ms:.1f} ms")
        run.signed_in_reference = load(REFERENCE_PATH, fresh_session_cookie(app, client_for("inspector")))
        _log(
            f"  reference, signed in: {run.signed_in_reference.rps:.0f} req/s, "
            f"p95 {run.signed_in_reference.p95_ms:.1f} ms"
        )
        for result in run.pages:
            if result.skipped or not result.path:
                _log(f"  {result.page.name}: skipped, {result.skipped}")
                continue
            result.load = load(result.path, fresh_session_cookie(app, client_for(result.page.role)))
            _log(
                f"  {result.page.name}: {result.load.rps:.0f} req/s, p95 {result.load.p95_ms:.1f} ms, "
                f"{result.statements} statements"
            )
        for timing in timings:
            path = paths[timing.timing.name]
            if timing.skipped or not path:
                continue
            status, timing.median_seconds, timing.slowest_seconds = time_download(
                base + path, fresh_session_cookie(app, client_for(timing.timing.role))
            )
            if status != 200:
                timing.skipped, timing.median_seconds, timing.slowest_seconds = f"answered {status}", None, None
    run.timings = timings
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    options = parser.parse_args(argv)
    scales = [int(s) for s in options.scales.split(",") if s.strip()]

    wrk_path()  # fail early, before building anything
    started = time.monotonic()
    load_at_start = os.getloadavg()[0]
    runs = [run_scale(scale, options) for scale in scales]
    judge(runs)
    database = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite (WAL)"
    header = (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} CPUs, Python {platform.python_version()}), {database}; gunicorn {options.workers} sync "
        f"workers; wrk {options.connections} connections, {options.seconds} s per page after a "
        f"{WARM_UP_SECONDS} s warm-up. Budgets: every page at 1× ≥ 0.5× the reference's req/s; p95 < 150 ms; SQL "
        f"statements per request the same at every scale; p50 at 100× ≤ 1.5× of 1×; the 10-case pack < 3 s; the "
        f"annual summary's p95 at 10× < 500 ms.\n\n"
        "wrk repeats one page as one person, so after the first request the page cache (core/cache.py) answers: "
        "req/s and latency are a repeat view, the access check and session included. The page's own work is "
        "shown beside it: SQL statements uncached (which must not grow with the data) and from the cache, and "
        'the median in-process time of an uncached request ("Uncached ms"), which must not grow by more than '
        "1.5× from 1× to 100× either."
    )
    if load_at_start > (os.cpu_count() or 1) * 0.25:
        header += (
            f"\n\n**The machine was busy when the run started (load average {load_at_start:.1f} on "
            f"{os.cpu_count()} CPUs): these numbers understate the portal. Re-run on a quiet machine.**"
        )
    misses = missed(runs)
    verdict = "Every budget measured was met." if not misses else f"{misses} budget(s) missed."
    body = table(runs)
    print()
    print(body)
    print()
    print(verdict)
    options.output.write_text(
        f"# Benchmark results\n\n{header}\n\n{body}\n\n{verdict} Run took {time.monotonic() - started:.0f} s.\n"
        "\nRegenerate with `make bench` (see bench/__init__.py).\n"
    )
    print(f"Written to {options.output}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
