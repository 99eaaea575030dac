"""The plain rules of actions and the annual summary: reporting years, published percentages,
status changes and when an overdue reminder is due."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learning.lifecycle import Actor
from learning.models import ActionEvent, ActionStatus
from learning.rules import (
    ReminderFacts,
    ReportingYear,
    Share,
    StepRequest,
    UpdateRequest,
    escalation_due,
    percentage,
    reminder_due,
    shares,
    statuses_open_to,
    step_problems,
    update_problems,
)

UTC = UTC


# --- reporting years -------------------------------------------------------------------------------


def test_a_reporting_year_runs_from_1_april_to_31_march() -> None:
    year = ReportingYear(2025)
    assert (year.start, year.end) == (date(2025, 4, 1), date(2026, 3, 31))
    assert year.label == "April 2025 to March 2026"
    assert year.previous == ReportingYear(2024)


@pytest.mark.parametrize(
    ("day", "start_year"),
    [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2025, 4, 1), 2025),
        (date(2025, 3, 31), 2024),
        (date(2024, 2, 29), 2023),
    ],
)
def test_the_year_containing_a_day_turns_over_on_1_april(day: date, start_year: int) -> None:
    assert ReportingYear.containing(day) == ReportingYear(start_year)


def test_the_year_in_utc_starts_and_ends_at_london_midnight() -> None:
    year = ReportingYear(2025)
    # 1 April 2025 is in British Summer Time: London midnight is 23:00 UTC the day before.
    assert year.start_utc == datetime(2025, 3, 31, 23, 0, tzinfo=UTC)
    # 1 April 2026 likewise (the clocks went forward on 29 March 2026).
    assert year.end_utc == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)


# --- percentages, each rounded on its own ----------------------------------------------------------


def test_the_published_split_of_90_reviews_is_reproduced_by_rounding_each_share() -> None:
    # 41 Good, 48 Requires improvement, 1 Outstanding of 90 assured: published as 46%, 53%, 1%.
    assert [share.percent for share in shares([("O", 1), ("G", 41), ("RI", 48), ("I", 0)])] == [1, 46, 53, 0]


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (3, 8, 38),  # 37.5 rounds up, wherever it appears
        (5, 8, 63),  # 62.5
        (1, 8, 13),  # 12.5
        (1, 3, 33),
        (2, 3, 67),
        (5, 7, 71),
        (1, 200, 1),  # 0.5
        (199, 200, 100),  # 99.5
        (0, 5, 0),
    ],
)
def test_each_share_rounds_half_up_on_its_own(part: int, whole: int, expected: int) -> None:
    assert percentage(part, whole) == expected
    # A Share publishes the same figure, except on a base under five (not shown at all).
    assert Share("x", part, whole).percent == (expected if whole >= 5 else None)


def test_the_same_count_of_the_same_base_reads_the_same_in_any_company() -> None:
    # Forcing sums to 100 gave 3 of 8 as 38% beside one set and 37% beside another.
    first = shares([("a", 3), ("b", 3), ("c", 2)])
    second = shares([("a", 3), ("b", 5)])
    assert first[0].percent == first[1].percent == second[0].percent == 38
    assert sum(s.percent for s in first) == 101  # and the table says shares may not add up to 100
    assert [s.percent for s in shares([("a", 1), ("b", 1), ("c", 1), ("d", 0), ("e", 2)])] == [20, 20, 20, 0, 40]
    assert [s.percent for s in shares([("a", 1), ("b", 1), ("c", 1)], base=6)] == [17, 17, 17]


def test_shares_of_a_base_under_five_are_flagged_not_shown() -> None:
    low = Share("Good", 1, 1)
    assert (low.percent, low.low_base, low.text, low.percent_text) == (None, True, "1 [low]", "[low]")
    assert Share("Good", 4, 4).percent is None
    five = Share("Good", 1, 5)
    assert (five.percent, five.low_base, five.text, five.percent_text) == (20, False, "1 (20%)", "20%")
    none = Share("Good", 0, 0)
    assert (none.percent, none.low_base, none.text, none.percent_text) == (None, False, "0", "–")


def test_no_base_gives_no_percentage_and_negative_counts_are_refused() -> None:
    assert percentage(3, 0) is None
    with pytest.raises(ValueError):
        shares([("a", 3), ("b", -1)])


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=10_000))
def test_a_share_is_never_more_than_half_a_point_from_the_exact_share(part: int, extra: int) -> None:
    whole = part + extra
    shown = percentage(part, whole)
    assert shown is not None
    exact = part * 100 / whole
    assert -0.5 < shown - exact <= 0.5


# --- progress updates --------------------------------------------------------------------------------


def _request(
    status: ActionStatus, *, progress: str = "Done some work", evidence: str = "", inspectorate: bool = False
) -> UpdateRequest:
    actor = Actor.INSPECTOR if inspectorate else Actor.OWNER
    return UpdateRequest(progress=progress, evidence=evidence, new_status=status, actor=actor)


def test_completing_an_action_needs_evidence_and_then_awaits_sign_off() -> None:
    problems = update_problems(ActionStatus.IN_PROGRESS, _request(ActionStatus.AWAITING_SIGN_OFF))
    assert problems == {"evidence": "Enter the evidence that the action is complete"}
    assert (
        update_problems(
            ActionStatus.IN_PROGRESS, _request(ActionStatus.AWAITING_SIGN_OFF, evidence="Audit of 20 cases")
        )
        == {}
    )


def test_a_progress_update_needs_words() -> None:
    problems = update_problems(ActionStatus.ACCEPTED, _request(ActionStatus.IN_PROGRESS, progress="  "))
    assert problems == {"progress": "Enter what has happened since the last update"}


def test_the_owner_keeps_an_accepted_action_in_progress_or_completes_it() -> None:
    for status in (ActionStatus.ACCEPTED, ActionStatus.IN_PROGRESS):
        assert statuses_open_to(status, Actor.OWNER) == [ActionStatus.IN_PROGRESS, ActionStatus.AWAITING_SIGN_OFF]
    assert statuses_open_to(ActionStatus.IN_PROGRESS, Actor.INSPECTOR) == [ActionStatus.IN_PROGRESS]
    assert update_problems(ActionStatus.IN_PROGRESS, _request(ActionStatus.SIGNED_OFF, inspectorate=True)) == {
        "status": "Choose a status from the list"
    }


@pytest.mark.parametrize(
    "status",
    [
        ActionStatus.PROPOSED,
        ActionStatus.CHANGE_PROPOSED,
        ActionStatus.AWAITING_SIGN_OFF,
        ActionStatus.SIGNED_OFF,
        ActionStatus.DECLINED,
    ],
)
def test_no_progress_updates_outside_accepted_and_in_progress(status: ActionStatus) -> None:
    assert statuses_open_to(status, Actor.OWNER) == []
    assert statuses_open_to(status, Actor.INSPECTOR) == []
    assert statuses_open_to(ActionStatus.IN_PROGRESS, None) == []


def test_steps_need_their_reasons_and_dates() -> None:
    assert step_problems(StepRequest(ActionEvent.DECLINE)) == {"reason": "Enter the reason the action is declined"}
    assert step_problems(StepRequest(ActionEvent.RETURN, reason="No audit yet")) == {}
    assert step_problems(StepRequest(ActionEvent.ACCEPT)) == {}
    same = StepRequest(
        ActionEvent.PROPOSE_CHANGE, reason="Budget", proposed_due_on=date(2026, 5, 1), current_due_on=date(2026, 5, 1)
    )
    assert step_problems(same) == {"proposed_wording": "Enter the new wording or a new due date"}
    assert step_problems(replace(same, proposed_due_on=date(2026, 9, 1))) == {}
    assert step_problems(StepRequest(ActionEvent.SET_IMPACT_DATE)) == {"review_on": "Enter the impact review date"}
    early = StepRequest(ActionEvent.SET_IMPACT_DATE, review_on=date(2025, 12, 31), signed_off_on=date(2026, 1, 1))
    assert step_problems(early) == {"review_on": "The impact review date cannot be before the action was signed off"}
    assert step_problems(replace(early, review_on=date(2026, 1, 1))) == {}
    assert "impact" in step_problems(StepRequest(ActionEvent.RECORD_IMPACT, impact="brilliant"))
    assert step_problems(StepRequest(ActionEvent.RECORD_IMPACT, impact="partly")) == {}


# --- reminders -------------------------------------------------------------------------------------


def _facts(
    due_on: date,
    *,
    status: ActionStatus = ActionStatus.IN_PROGRESS,
    sent_for: date | None = None,
    last: datetime | None = None,
) -> ReminderFacts:
    return ReminderFacts(status=status, due_on=due_on, reminders_for_due_on=sent_for, last_reminder_at=last)


def test_no_reminder_on_the_due_date_itself_then_one_the_day_after() -> None:
    due = date(2025, 6, 10)
    assert not reminder_due(_facts(due), datetime(2025, 6, 10, 22, 59, tzinfo=UTC))  # 23:59 in London
    assert reminder_due(_facts(due), datetime(2025, 6, 10, 23, 0, tzinfo=UTC))  # midnight in London


def test_after_the_first_reminder_the_next_is_a_week_later() -> None:
    due = date(2025, 6, 10)
    first = datetime(2025, 6, 11, 8, 0, tzinfo=UTC)
    facts = _facts(due, sent_for=due, last=first)
    assert not reminder_due(facts, first + timedelta(days=6, hours=23))
    assert reminder_due(facts, first + timedelta(days=7))


def test_a_new_due_date_starts_the_reminders_again() -> None:
    facts = _facts(date(2025, 7, 1), sent_for=date(2025, 6, 10), last=datetime(2025, 7, 1, 9, tzinfo=UTC))
    assert not reminder_due(facts, datetime(2025, 7, 1, 12, tzinfo=UTC))  # not yet overdue on the new date
    assert reminder_due(facts, datetime(2025, 7, 2, 12, tzinfo=UTC))


@pytest.mark.parametrize("status", [ActionStatus.AWAITING_SIGN_OFF, ActionStatus.SIGNED_OFF, ActionStatus.DECLINED])
def test_closed_actions_are_never_reminded_about(status: ActionStatus) -> None:
    assert not reminder_due(_facts(date(2025, 1, 1), status=status), datetime(2025, 6, 1, tzinfo=UTC))


def test_completion_needs_a_file_only_where_the_action_says_so() -> None:
    from learning.models import ActionStatus
    from learning.rules import UpdateRequest, update_problems

    def asking(**fields: object) -> dict[str, str]:
        values: dict[str, object] = {
            "progress": "Done.",
            "evidence": "An audit.",
            "new_status": ActionStatus.AWAITING_SIGN_OFF,
            "actor": Actor.OWNER,
        }
        values.update(fields)
        return update_problems(ActionStatus.IN_PROGRESS, UpdateRequest(**values))  # type: ignore[arg-type]

    assert asking() == {}
    assert "evidence_files" in asking(needs_file=True)
    assert asking(needs_file=True, files=1) == {}
    assert asking(needs_file=True, earlier_files=2) == {}
    assert asking(needs_file=True, new_status=ActionStatus.IN_PROGRESS) == {}


# --- escalation ------------------------------------------------------------------------------------


def test_escalation_goes_once_per_step_and_starts_again_for_a_new_due_date() -> None:
    due = date(2026, 1, 1)

    def step(days: int, sent: int = 0, sent_for: date | None = None, due_on: date = due) -> int | None:
        return escalation_due(
            days_overdue=days, thresholds=(30, 60, 90), sent_step=sent, sent_for_due_on=sent_for, due_on=due_on
        )

    assert step(29) is None
    assert step(30) == 1
    assert step(45, sent=1, sent_for=due) is None  # the first step already went
    assert step(60, sent=1, sent_for=due) == 2
    assert step(95) == 3  # a late sweep sends the highest step reached, once
    assert step(200, sent=3, sent_for=due) is None
    assert step(30, sent=3, sent_for=due, due_on=date(2026, 2, 1)) == 1  # a new due date
