"""What the benchmark measures: one line per page, one line per one-off timing.

A page names its Flask endpoint, so a page that is not built yet is reported as such rather
than failing; ``args`` (run in an app context over the data set) picks the object for pages
about one object, preferring the busiest, and returns None when the data set has none yet.
Roles are the keys of ``datasets.ACCOUNTS``, or "anonymous".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Args = Callable[[], dict[str, Any] | None]


@dataclass(frozen=True)
class _Measured:
    name: str
    endpoint: str
    role: str
    args: Args | None = None


@dataclass(frozen=True)
class BenchPage(_Measured):
    """A page loaded with wrk; extra latency budgets for it as {scale: p95 milliseconds}."""

    p95_budget_ms: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class BenchTiming(_Measured):
    """A download timed alone (sequential requests), with a budget in seconds.

    ``rendered_in_background``: the download only asks for the file (202, "being prepared") and
    the worker renders it; the budget then applies to that render, timed as the worker runs it,
    and the downloads timed are of the stored file.
    """

    budget_seconds: float | None = None
    rendered_in_background: bool = False


# --- finding the object a page is about --------------------------------------------------


def _busiest_review() -> dict[str, Any] | None:
    from extensions import db
    from reviews.models import Assessment

    review_id = db.session.scalar(db.select(Assessment.review_id).order_by(Assessment.id.desc()).limit(1))
    return {"review_id": review_id} if review_id else None


def _busiest_case() -> dict[str, Any] | None:
    from cases.models import AgencyReturn, CaseInvitation
    from extensions import db

    case_id = db.session.scalar(
        db.select(CaseInvitation.case_id)
        .join(AgencyReturn, AgencyReturn.invitation_id == CaseInvitation.id)
        .group_by(CaseInvitation.case_id)
        .order_by(db.func.count().desc())
        .limit(1)
    )
    return {"case_id": case_id} if case_id else None


def _panel_with_ten_cases() -> dict[str, Any] | None:
    """The latest panel with ten cases on its agenda that the bench inspector attends."""
    from agencies.models import User
    from bench.datasets import ACCOUNTS
    from extensions import db
    from panels.models import Panel, PanelAgendaItem, PanelAttendee

    inspector = db.select(User.id).where(User.email == ACCOUNTS["inspector"]).scalar_subquery()
    panel_id = db.session.scalar(
        db.select(Panel.id)
        .join(PanelAgendaItem, PanelAgendaItem.panel_id == Panel.id)
        .where(db.exists().where(PanelAttendee.panel_id == Panel.id, PanelAttendee.user_id == inspector))
        .group_by(Panel.id, Panel.starts_at_utc)
        .having(db.func.count(PanelAgendaItem.id) == 10)
        .order_by(Panel.starts_at_utc.desc())
        .limit(1)
    )
    return {"panel_id": panel_id} if panel_id else None


def _feed_with_fifty_panels() -> dict[str, Any] | None:
    """The feed address whose secret the builders know (only its hash is stored)."""
    from bench.builders import FEED_TOKEN
    from extensions import db
    from panels.models import CalendarFeedToken

    stored = db.session.scalar(
        db.select(CalendarFeedToken.id).where(
            CalendarFeedToken.token_hash == CalendarFeedToken.hash_token(FEED_TOKEN),
            CalendarFeedToken.revoked_at_utc.is_(None),
        )
    )
    return {"token": FEED_TOKEN} if stored else None


def _chronology_case() -> dict[str, Any] | None:
    from bench.chronology import chronology_case

    return chronology_case()


# --- the pages ---------------------------------------------------------------------------

PAGES: list[BenchPage] = [
    BenchPage("Inspector dashboard", "reviews.dashboard", "inspector"),
    BenchPage("Review list", "reviews.list_reviews", "inspector"),
    BenchPage("Review page", "reviews.show_review", "inspector", _busiest_review),
    BenchPage("Case page with all returns", "cases.show_case", "inspector", _busiest_case),
    BenchPage(
        "Merged chronology, 3 agencies × 150 rows",
        "chronology.show_chronology",
        "inspector",
        _chronology_case,
        p95_budget_ms={1: 150, 100: 150},
    ),
    BenchPage("Action tracker", "learning.list_actions", "inspector"),
    BenchPage("Annual summary", "summary.annual_summary", "inspector", p95_budget_ms={10: 500}),
    BenchPage("People (admin)", "admin.list_people", "admin"),
    BenchPage("Audit trail (admin)", "admin.list_audit_events", "admin"),
]

TIMINGS: list[BenchTiming] = [
    BenchTiming(
        "Panel pack PDF, 10 cases",
        "panels.download_pack",
        "inspector",
        _panel_with_ten_cases,
        3.0,
        rendered_in_background=True,
    ),
    BenchTiming("Calendar feed, 50 panels", "panels.calendar_feed", "anonymous", _feed_with_fifty_panels),
]
