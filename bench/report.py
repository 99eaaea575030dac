"""Budgets from the issue, and the one table the benchmark prints and writes to results.md."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.measure import LoadResult
from bench.mixed import MixedRun, median
from bench.pages import BenchPage, BenchTiming

# The budgets, measured on the development machine.
MIN_RATIO_TO_REFERENCE_AT_1X = 0.5
MAX_P95_MS = 150.0
MAX_GROWTH_100X = 1.5


@dataclass
class PageResult:
    page: BenchPage
    scale: int
    path: str | None = None
    skipped: str | None = None
    statements: int | None = None
    in_process_ms: float | None = None  # median in-process time of one request (no HTTP server, no queueing)
    load: LoadResult | None = None
    misses: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class TimingResult:
    timing: BenchTiming
    scale: int
    skipped: str | None = None
    median_seconds: float | None = None
    slowest_seconds: float | None = None
    render_seconds: float | None = None  # the worker's render, for a file rendered in the background
    misses: list[str] = field(default_factory=list)

    @property
    def judged_seconds(self) -> float | None:
        """What the budget applies to: the render when the file is rendered in the background
        (the download then serves a stored file), else the slowest download."""
        return self.render_seconds if self.timing.rendered_in_background else self.slowest_seconds


@dataclass
class ScaleRun:
    scale: int
    reference: LoadResult | None = None
    reference_statements: int | None = None
    # The same page for a signed-in inspector: what sessions, loading the person and the
    # menu cost on every page. Shown for diagnosis; the budgets use the bare reference.
    signed_in_reference: LoadResult | None = None
    signed_in_reference_statements: int | None = None
    pages: list[PageResult] = field(default_factory=list)
    timings: list[TimingResult] = field(default_factory=list)


def judge(runs: list[ScaleRun]) -> None:
    """Mark every budget met or missed on the results (``misses`` / ``notes``)."""
    by_scale = {run.scale: run for run in runs}
    for run in runs:
        for result in run.pages:
            load = result.load
            if load is None:
                continue
            if load.requests == 0:
                result.misses.append("no request completed")
                continue
            if load.errors:
                result.misses.append(f"{load.errors} failed requests")
            if run.scale == 1 and run.reference and run.reference.rps:
                ratio = load.rps / run.reference.rps
                if ratio < MIN_RATIO_TO_REFERENCE_AT_1X:
                    result.misses.append(f"{ratio:.2f}× reference < {MIN_RATIO_TO_REFERENCE_AT_1X}×")
            if load.p95_ms >= MAX_P95_MS:
                result.misses.append(f"p95 {load.p95_ms:.0f} ms ≥ {MAX_P95_MS:.0f}")
            limit = result.page.p95_budget_ms.get(run.scale)
            if limit is not None:
                if load.p95_ms >= limit:
                    result.misses.append(f"p95 {load.p95_ms:.0f} ms ≥ {limit:.0f} at {run.scale}×")
                else:
                    result.notes.append(f"p95 < {limit:.0f} ms at {run.scale}×")
        for timing in run.timings:
            budget, seconds = timing.timing.budget_seconds, timing.judged_seconds
            if budget is not None and seconds is not None and seconds >= budget:
                timing.misses.append(f"{seconds:.2f} s ≥ {budget} s")

    # Growth with scale, judged on the largest scale's row against the others.
    if len(runs) < 2:
        return
    largest = max(by_scale)
    for result in by_scale[largest].pages:
        same_page = [
            r for run in runs for r in run.pages if r.page.name == result.page.name and r.statements is not None
        ]
        counts = {r.scale: r.statements for r in same_page}
        if len(counts) >= 2:
            if len(set(counts.values())) > 1:
                shown = ", ".join(f"{counts[s]} at {s}×" for s in sorted(counts))
                result.misses.append(f"SQL grows with data ({shown})")
            else:
                result.notes.append(f"SQL same at {'/'.join(f'{s}×' for s in sorted(counts))}")
        smallest = min(by_scale)
        first = next((r for r in by_scale[smallest].pages if r.page.name == result.page.name), None)
        if (
            largest == 100
            and smallest == 1
            and first
            and first.load
            and result.load
            and first.load.requests
            and result.load.requests
            and first.load.p50_ms
        ):
            growth = result.load.p50_ms / first.load.p50_ms
            if growth > MAX_GROWTH_100X:
                result.misses.append(f"p50 at 100× is {growth:.2f}× of 1× > {MAX_GROWTH_100X}×")
            else:
                result.notes.append(f"p50 at 100× {growth:.2f}× of 1×")
        # The same budget for the page's own work in process, where load-test noise cannot hide it.
        if largest == 100 and smallest == 1 and first and first.in_process_ms and result.in_process_ms:
            growth = result.in_process_ms / first.in_process_ms
            if growth > MAX_GROWTH_100X:
                result.misses.append(f"in process at 100× is {growth:.2f}× of 1× > {MAX_GROWTH_100X}×")
            else:
                result.notes.append(f"in process at 100× {growth:.2f}× of 1×")


def _cell(value: float | int | None, pattern: str = "{:.0f}") -> str:
    return "–" if value is None else pattern.format(value)


def table(runs: list[ScaleRun]) -> str:
    lines = [
        "| Page | Scale | Role | req/s | p50 ms | p95 ms | × reference | SQL/request | In-process ms | Budgets |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        ref = run.reference
        if ref:
            lines.append(
                f"| Reference (layout only) | {run.scale}× | anonymous | {ref.rps:.0f} | {ref.p50_ms:.1f} | "
                f"{ref.p95_ms:.1f} | 1.00 | {_cell(run.reference_statements)} | | yardstick |"
            )
        signed = run.signed_in_reference
        if signed and ref:
            lines.append(
                f"| Reference, signed in | {run.scale}× | inspector | {signed.rps:.0f} | {signed.p50_ms:.1f} | "
                f"{signed.p95_ms:.1f} | {signed.rps / ref.rps:.2f} | {_cell(run.signed_in_reference_statements)} | | "
                "for diagnosis: the cost of a session |"
            )
        for result in run.pages:
            if result.skipped:
                lines.append(
                    f"| {result.page.name} | {run.scale}× | {result.page.role} | | | | | | | "
                    f"skipped: {result.skipped} |"
                )
                continue
            load = result.load
            assert load is not None
            ratio = load.rps / ref.rps if ref and ref.rps else None
            verdict = ("**missed**: " + "; ".join(result.misses)) if result.misses else "met"
            if result.notes:
                verdict += " (" + "; ".join(result.notes) + ")"
            lines.append(
                f"| {result.page.name} | {run.scale}× | {result.page.role} | {load.rps:.0f} | {load.p50_ms:.1f} | "
                f"{load.p95_ms:.1f} | {_cell(ratio, '{:.2f}')} | {_cell(result.statements)} | "
                f"{_cell(result.in_process_ms, '{:.1f}')} | {verdict} |"
            )
        for timing in run.timings:
            if timing.skipped:
                lines.append(
                    f"| {timing.timing.name} | {run.scale}× | {timing.timing.role} | | | | | | | "
                    f"skipped: {timing.skipped} |"
                )
                continue
            budget = timing.timing.budget_seconds
            verdict = (
                ("**missed**: " + "; ".join(timing.misses))
                if timing.misses
                else (f"met (< {budget} s)" if budget is not None else "no budget")
            )
            if timing.timing.rendered_in_background:
                lines.append(
                    f"| {timing.timing.name}: rendered by the worker | {run.scale}× | worker | | "
                    f"{_cell(timing.render_seconds * 1000 if timing.render_seconds is not None else None, '{:.1f}')}"
                    f" | | | | | {verdict} |"
                )
                verdict = "the stored file, served (no budget)"
            lines.append(
                f"| {timing.timing.name} (alone, median of 5) | {run.scale}× | {timing.timing.role} | | "
                f"{_cell(timing.median_seconds * 1000 if timing.median_seconds is not None else None, '{:.1f}')} | "
                f"{_cell(timing.slowest_seconds * 1000 if timing.slowest_seconds is not None else None, '{:.1f}')} "
                f"(slowest) | | | | {verdict} |"
            )
    return "\n".join(lines)


def missed(runs: list[ScaleRun]) -> int:
    return sum(len(r.misses) for run in runs for r in run.pages) + sum(
        len(t.misses) for run in runs for t in run.timings
    )


# --- the mixed workload ----------------------------------------------------------------------


def mixed_table(runs: list[MixedRun]) -> str:
    """Every run, in the order run (the configurations interleaved), then the medians per configuration."""
    lines = [
        "| Run | Configuration | req/s | p50 ms | p95 ms | p99 ms | p95 of posts ms | Errors | Posts "
        "| Load average (start → end) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for number, run in enumerate(runs, start=1):
        lines.append(
            f"| {number} | {run.label} | {run.rps:.1f} | {_cell(run.percentile(0.5))} | "
            f"{_cell(run.percentile(0.95))} | {_cell(run.percentile(0.99))} | "
            f"{_cell(run.percentile(0.95, 'POST'))} | {run.errors} of {run.requests} | "
            f"{run.posts} ({run.posts / run.requests:.0%}) | {run.load_before:.1f} → {run.load_after:.1f} |"
        )
    for label in dict.fromkeys(run.label for run in runs):
        same = [run for run in runs if run.label == label]
        lines.append(
            f"| median of {len(same)} | {label} | {median([r.rps for r in same]):.1f} | "
            f"{median([r.percentile(0.5) or 0 for r in same]):.0f} | "
            f"{median([r.percentile(0.95) or 0 for r in same]):.0f} | "
            f"{median([r.percentile(0.99) or 0 for r in same]):.0f} | "
            f"{median([r.percentile(0.95, 'POST') or 0 for r in same]):.0f} | {sum(r.errors for r in same)} | | |"
        )
    return "\n".join(lines)
