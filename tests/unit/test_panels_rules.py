"""Reading typed times, turning London wall-clock times into stored UTC instants, and who may
be nominated as a deputy."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from panels.rules import (
    TimeError,
    agenda_instant,
    deputy_refusal,
    format_time,
    london_to_utc,
    panel_times,
    parse_time,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("10am", time(10, 0)),
        ("10 AM", time(10, 0)),
        ("2:30pm", time(14, 30)),
        ("2.30 p.m.", time(14, 30)),
        ("12pm", time(12, 0)),
        ("12am", time(0, 0)),
        ("14:30", time(14, 30)),
        ("09:05", time(9, 5)),
        ("0930", time(9, 30)),
        ("9.15", time(9, 15)),
        ("midday", time(12, 0)),
        (" Noon ", time(12, 0)),
        ("midnight", time(0, 0)),
    ],
)
def test_times_are_read_as_people_type_them(typed: str, expected: time) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["", "10", "25:00", "13pm", "10:75", "tea time", "10:3", "<script>", "1\r\n0am"])
def test_anything_else_is_refused_with_a_message(typed: str) -> None:
    with pytest.raises(TimeError) as error:
        parse_time(typed)
    assert str(error.value).startswith("Enter")


@pytest.mark.parametrize(
    ("value", "text"),
    [(time(10, 0), "10am"), (time(14, 30), "2:30pm"), (time(12, 0), "midday"), (time(0, 0), "midnight"), (None, "")],
)
def test_times_are_shown_gov_uk_style_and_read_back(value: time | None, text: str) -> None:
    assert format_time(value) == text
    if value is not None:
        assert parse_time(text) == value


def test_london_times_become_utc_in_summer_and_winter() -> None:
    assert london_to_utc(date(2026, 7, 1), time(10, 0)) == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert london_to_utc(date(2026, 12, 1), time(10, 0)) == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def test_a_time_the_clocks_skip_in_spring_is_refused() -> None:
    with pytest.raises(TimeError, match="clocks go forward"):
        london_to_utc(date(2026, 3, 29), time(1, 30))


def test_a_time_that_happens_twice_in_autumn_is_the_first_one() -> None:
    assert london_to_utc(date(2026, 10, 25), time(1, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_a_panel_must_end_after_it_starts() -> None:
    with pytest.raises(TimeError, match="after the start"):
        panel_times(date(2026, 7, 1), time(14, 0), time(10, 0))


def test_an_agenda_time_stays_a_london_time_when_the_panel_moves_across_the_clock_change() -> None:
    before = london_to_utc(date(2026, 10, 24), time(10, 0))
    after = london_to_utc(date(2026, 10, 26), time(10, 0))
    assert agenda_instant(before, time(10, 30)) == datetime(2026, 10, 24, 9, 30, tzinfo=UTC)
    assert agenda_instant(after, time(10, 30)) == datetime(2026, 10, 26, 10, 30, tzinfo=UTC)
    assert agenda_instant(after, None) is None


def _refusal(**changes: object) -> str | None:
    facts: dict[str, object] = {
        "decliner_organisation_id": 7,
        "deputy_organisation_id": 7,
        "deputy_active": True,
        "organisation_may_attend": True,
        "already_invited": False,
    }
    facts.update(changes)
    return deputy_refusal(**facts)  # type: ignore[arg-type]


def test_an_active_colleague_not_yet_invited_may_be_nominated() -> None:
    assert _refusal() is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"deputy_organisation_id": 8}, "Choose a deputy from your own organisation"),
        ({"deputy_active": False}, "Choose a deputy whose account is active"),
        ({"already_invited": True}, "Choose someone who is not already invited to this panel"),
        ({"organisation_may_attend": False}, "Your organisation can no longer be invited to this panel"),
        # Another organisation is refused first, whatever else is true: the message names nobody
        # and says nothing of a stranger's account.
        ({"deputy_organisation_id": 8, "deputy_active": False, "already_invited": True}, "from your own organisation"),
        ({"deputy_active": False, "already_invited": True}, "whose account is active"),
    ],
)
def test_a_nomination_the_rules_refuse_says_why(changes: dict[str, object], message: str) -> None:
    refusal = _refusal(**changes)
    assert refusal is not None and message in refusal
