"""The benchmark's judging: each of the issue's budgets is marked missed when it is missed."""

from __future__ import annotations

from bench.measure import LoadResult
from bench.pages import BenchPage, BenchTiming
from bench.report import PageResult, ScaleRun, TimingResult, judge, missed, table

PAGE = BenchPage("Review list", "reviews.list_reviews", "inspector")
SUMMARY = BenchPage("Annual summary", "summary.annual_summary", "inspector", p95_budget_ms={10: 500})


def load(rps: float, p50: float = 20, p95: float = 60, errors: int = 0) -> LoadResult:
    return LoadResult(requests=int(rps * 10), seconds=10, p50_ms=p50, p95_ms=p95, p99_ms=p95, errors=errors)


def run(scale: int, *results: PageResult, reference_rps: float = 300) -> ScaleRun:
    return ScaleRun(scale=scale, reference=load(reference_rps), pages=list(results))


def test_a_fast_flat_page_meets_every_budget() -> None:
    runs = [
        run(scale, PageResult(PAGE, scale, "/reviews/", statements=6, load=load(200, p50=30))) for scale in (1, 10, 100)
    ]
    judge(runs)
    assert missed(runs) == 0
    assert "SQL same at 1×/10×/100×" in runs[-1].pages[0].notes[0]
    assert "| Review list | 100× | inspector | 200 |" in table(runs)


def test_each_budget_is_missed_on_its_own() -> None:
    slow = PageResult(PAGE, 1, "/reviews/", statements=6, load=load(100, p95=200))  # 0.33× reference, p95 200
    failing = PageResult(SUMMARY, 1, "/summary", statements=3, load=load(200, errors=4))
    runs = [run(1, slow, failing)]
    judge(runs)
    assert any("0.33× reference < 0.5×" in m for m in slow.misses)
    assert any("p95 200 ms ≥ 150" in m for m in slow.misses)
    assert failing.misses == ["4 failed requests"]


def test_growth_with_data_is_missed() -> None:
    runs = [
        run(1, PageResult(PAGE, 1, "/reviews/", statements=6, load=load(200, p50=20))),
        run(10, PageResult(PAGE, 10, "/reviews/", statements=6, load=load(200, p50=25))),
        run(100, PageResult(PAGE, 100, "/reviews/", statements=31, load=load(200, p50=40))),
    ]
    judge(runs)
    misses = runs[-1].pages[0].misses
    assert any("SQL grows with data (6 at 1×, 6 at 10×, 31 at 100×)" in m for m in misses)
    assert any("p50 at 100× is 2.00× of 1× > 1.5×" in m for m in misses)
    assert "**missed**" in table(runs)


def test_a_page_budget_at_one_scale_and_a_timing_budget() -> None:
    summary = PageResult(SUMMARY, 10, "/summary", statements=3, load=load(300, p95=140))
    pack = TimingResult(
        BenchTiming("Pack", "panels.download_pack", "inspector", budget_seconds=3.0),
        10,
        median_seconds=2.5,
        slowest_seconds=3.2,
    )
    ten = run(10, summary)
    ten.timings = [pack]
    judge([ten])
    assert summary.misses == [] and "p95 < 500 ms at 10×" in summary.notes
    assert pack.misses == ["3.20 s ≥ 3.0 s"]


def test_no_completed_request_is_a_miss_not_a_pass() -> None:
    stuck = PageResult(
        PAGE,
        1,
        "/reviews/",
        statements=6,
        load=LoadResult(requests=0, seconds=10, p50_ms=0, p95_ms=0, p99_ms=0, errors=0),
    )
    runs = [run(1, stuck)]
    judge(runs)
    assert stuck.misses == ["no request completed"]


def test_skipped_pages_say_why() -> None:
    runs = [run(1, PageResult(PAGE, 1, skipped="not built yet"))]
    judge(runs)
    assert "skipped: not built yet" in table(runs)
    assert missed(runs) == 0


def test_a_file_rendered_in_the_background_is_judged_on_its_render_not_its_download() -> None:
    pack = TimingResult(
        BenchTiming("Pack", "panels.download_pack", "inspector", budget_seconds=3.0, rendered_in_background=True),
        1,
        median_seconds=0.02,
        slowest_seconds=0.03,
        render_seconds=3.4,
    )
    one = run(1)
    one.timings = [pack]
    judge([one])
    assert pack.misses == ["3.40 s ≥ 3.0 s"]
    rows = [line for line in table([one]).splitlines() if line.startswith("| Pack")]
    assert rows[0].startswith("| Pack: rendered by the worker | 1× | worker | | 3400.0 |") and "**missed**" in rows[0]
    assert "(alone, median of 5)" in rows[1] and "the stored file, served" in rows[1]
    assert all(row.count("|") == rows[0].count("|") for row in rows)
