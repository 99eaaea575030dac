"""``python -m bench``: build the data sets, load each page, run the mixed workload, save the results.

Options (all optional):
  --scales 1,10,100     which data sets for the per-page measurements (default: all three)
  --seconds 10          wrk duration per page (the issue asks for at least 10)
  --connections 16      wrk concurrent connections
  --only NAME           measure only pages whose name contains NAME (repeatable); ``--only mixed``
                        runs the mixed workload alone, and any other NAME leaves it out
  --rebuild             rebuild the data sets even if they are up to date
  --mixed-seconds 60    duration of each mixed-workload run
  --mixed-rounds 2      rounds of the mixed workload (each runs every configuration once, interleaved)
  --mixed-people 50     people in the mixed workload
  --mixed-workers 4     gunicorn workers for the mixed workload (as in production)
Environment: BENCH_DATABASE_URL (PostgreSQL base URL; default SQLite files in bench/.data/),
BENCH_WORKERS (gunicorn workers for the per-page measurements; default twice the CPU count).
The mixed workload runs on the 1× data set; run it on PostgreSQL, as production does.

Results go to bench/results.md (the per-page table and the mixed workload, each in its own
marked block, so a run of one leaves the other and the hand-written notes alone) and, for a
run at the default scope, to the marked blocks of README.md.
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
    in_process_milliseconds,
    run_wrk,
    signed_in_client,
    time_download,
    wrk_path,
)
from bench.mixed import MixedRun, Person, Variant, compare, people_in
from bench.pages import PAGES, TIMINGS, BenchPage, BenchTiming
from bench.report import (
    PageResult,
    ScaleRun,
    TimingResult,
    judge,
    missed,
    mixed_table,
    table,
)

RESULTS = Path(__file__).resolve().parent / "results.md"
README = Path(__file__).resolve().parent.parent / "README.md"
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


def render_in_background(app, url: str, cookie: str | None) -> float:
    """Ask for the file as a person would (the portal answers 202 and queues it), then render it
    as the worker does, in this process against the same database: the seconds the render took."""
    from core.renders import RenderedDocument, render_due
    from extensions import db

    with app.app_context():  # a file kept from an earlier run on this data set would be served at once
        db.session.execute(db.delete(RenderedDocument))
        db.session.commit()
    status, _body, _seconds = http_get(url, cookie)
    if status != 202:
        raise BenchError(f"{url} answered {status} when asked for a file not yet rendered")
    with app.app_context():
        started = time.perf_counter()
        done = render_due()
        seconds = time.perf_counter() - started
    if done.rendered != 1:
        raise BenchError(f"{url} was queued but the renderer made {done.rendered} files ({done})")
    return seconds


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
            status, result.statements, error = count_statements(app, client_for(page.role), result.path)
            if status != 200:
                result.skipped = f"answered {status} to {page.role}" + (f" ({error})" if error else "")
                result.statements = None
            else:
                result.in_process_ms = in_process_milliseconds(app, client_for(page.role), result.path)
        run.pages.append(result)
    _status, run.reference_statements, _error = count_statements(app, client_for("anonymous"), REFERENCE_PATH)
    _status, run.signed_in_reference_statements, _error = count_statements(app, client_for("inspector"), REFERENCE_PATH)
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
            cookie = fresh_session_cookie(app, client_for(timing.timing.role))
            if timing.timing.rendered_in_background:
                timing.render_seconds = render_in_background(app, base + path, cookie)
            status, timing.median_seconds, timing.slowest_seconds = time_download(base + path, cookie)
            if status != 200:
                timing.skipped, timing.median_seconds, timing.slowest_seconds = f"answered {status}", None, None
    run.timings = timings
    return run


# The configurations the mixed workload compares, run interleaved (A B, B A, ...): one today. To
# weigh a change (a cache, a worker count), add a variant with the environment that turns it on.
MIXED_VARIANTS = [Variant("as built", {})]
MIXED_DEFAULTS = {"mixed_seconds": 60, "mixed_rounds": 2, "mixed_people": 50, "mixed_workers": 4}


def replace_block(text: str, name: str, body: str) -> str:
    """``text`` with the part between ``<!-- bench-NAME -->`` and ``<!-- /bench-NAME -->`` replaced
    (the block added at the end if there is none)."""
    opening, closing = f"<!-- bench-{name} -->", f"<!-- /bench-{name} -->"
    if opening in text and closing in text:
        before, rest = text.split(opening, 1)
        _old, after = rest.split(closing, 1)
        return f"{before}{opening}\n{body}\n{closing}{after}"
    return f"{text.rstrip()}\n\n{opening}\n{body}\n{closing}\n"


def _database() -> str:
    return "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite (WAL)"


def _machine() -> str:
    return f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"


def pages_section(runs: list[ScaleRun], options: argparse.Namespace, load_at_start: float, took: float) -> str:
    header = (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {_machine()}, {_database()}; gunicorn "
        f"{options.workers} sync workers; wrk {options.connections} connections, {options.seconds} s per page after a "
        f"{WARM_UP_SECONDS} s warm-up. Budgets: every page at 1× ≥ 0.5× the reference's req/s; p95 < 150 ms; SQL "
        f"statements per request the same at every scale; p50 at 100× ≤ 1.5× of 1×; the 10-case pack < 3 s; the "
        f"annual summary's p95 at 10× < 500 ms.\n\n"
        "wrk repeats one page as one person: req/s and latency are that page alone under load, every request "
        "doing the page's whole work (the access check, the session, the queries and the templates). The page's "
        "own work is shown beside it: SQL statements per request (which must not grow with the data) and the "
        'median time of one request in process ("In-process ms"), which must not grow by more than 1.5× from '
        "1× to 100× either. The mixed workload above is the closer picture of real use."
    )
    if load_at_start > (os.cpu_count() or 1) * 0.25:
        header += (
            f"\n\n**The machine was busy when the run started (load average {load_at_start:.1f} on "
            f"{os.cpu_count()} CPUs): these numbers understate the portal. Re-run on a quiet machine.**"
        )
    misses = missed(runs)
    verdict = "Every budget measured was met." if not misses else f"{misses} budget(s) missed."
    return f"{header}\n\n{table(runs)}\n\n{verdict} Run took {took:.0f} s."


def mixed_section(runs: list[MixedRun], people: list[Person], options: argparse.Namespace) -> str:
    roles = {role: sum(1 for p in people if p.role == role) for role in ("inspector", "agency", "probation", "admin")}
    loads = [r.load_before for r in runs] + [r.load_after for r in runs]
    header = (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {_machine()}, {_database()}; gunicorn "
        f"{options.mixed_workers} sync workers; {len(people)} people ({roles['inspector']} inspectors, "
        f"{roles['agency']} members of partner agencies, {roles['probation']} probation region members, "
        f"{roles['admin']} admin), each signed in through /login with a session of its own and walking its own "
        "pages (its review, case, return, panel, action) in a loop with no think time; about 10% of requests are "
        "form posts (a draft return saved, progress posted on an action), each with the fields and CSRF token of "
        "the form it fetched, its redirect followed. "
        f"{options.mixed_seconds} s per run after the sign-ins and one untimed walk per person, each run on a "
        "fresh copy of the 1× data set with its own gunicorn, repeated (and interleaved when configurations are "
        f"compared) because the machine is shared: load average during the runs {min(loads):.1f} to "
        f"{max(loads):.1f} on {os.cpu_count()} CPUs. "
        "Errors: answers of 400 and above, no answer, or a post not answered by a redirect."
    )
    return f"{header}\n\n{mixed_table(runs)}"


def run_mixed(options: argparse.Namespace) -> tuple[list[MixedRun], list[Person]]:
    url = ensure_dataset(1, rebuild=options.rebuild, log=_log)
    if not os.environ.get("BENCH_DATABASE_URL"):
        _log("  the mixed workload runs on SQLite: set BENCH_DATABASE_URL for PostgreSQL, as in production")
    runs = compare(
        url,
        MIXED_VARIANTS,
        rounds=options.mixed_rounds,
        people=options.mixed_people,
        seconds=options.mixed_seconds,
        workers=options.mixed_workers,
        serve=gunicorn,
        log=_log,
    )
    return runs, people_in(url, options.mixed_people)


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
    parser.add_argument("--mixed-seconds", type=int, default=MIXED_DEFAULTS["mixed_seconds"])
    parser.add_argument("--mixed-rounds", type=int, default=MIXED_DEFAULTS["mixed_rounds"])
    parser.add_argument("--mixed-people", type=int, default=MIXED_DEFAULTS["mixed_people"])
    parser.add_argument("--mixed-workers", type=int, default=MIXED_DEFAULTS["mixed_workers"])
    options = parser.parse_args(argv)
    scales = [int(s) for s in options.scales.split(",") if s.strip()]
    page_filters = [o for o in options.only if o.lower() != "mixed"]
    with_mixed = not options.only or len(page_filters) < len(options.only)
    with_pages = not options.only or bool(page_filters)
    options.only = page_filters
    if with_pages:
        wrk_path()  # fail early, before building anything

    output = options.output.read_text() if options.output.exists() else "# Benchmark results\n"
    readme = README.read_text() if options.output == RESULTS and README.exists() else None
    if with_mixed:
        mixed_runs, people = run_mixed(options)
        section = mixed_section(mixed_runs, people, options)
        print()
        print(section)
        output = replace_block(output, "mixed", section)
        if readme is not None and all(getattr(options, k) == v for k, v in MIXED_DEFAULTS.items()):
            readme = replace_block(readme, "mixed", section)
    misses = 0
    if with_pages:
        started = time.monotonic()
        load_at_start = os.getloadavg()[0]
        runs = [run_scale(scale, options) for scale in scales]
        judge(runs)
        misses = missed(runs)
        section = pages_section(runs, options, load_at_start, time.monotonic() - started)
        print()
        print(section)
        output = replace_block(output, "pages", section)
        if readme is not None and scales == [1, 10, 100] and not options.only:
            measured = f"(Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; `bench/results.md` has the run's details.)"
            verdict = "Every budget measured was met." if not misses else f"{misses} budget(s) missed."
            readme = replace_block(readme, "table", f"{table(runs)}\n\n{verdict} {measured}")
    options.output.write_text(output)
    print(f"Written to {options.output}")
    if readme is not None and readme != README.read_text():
        README.write_text(readme)
        print(f"and to the benchmark blocks of {README}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
