"""Due dates: 15 working days in England and Wales, across Christmas, Easter and a leap day."""

from __future__ import annotations

from datetime import date

import pytest

from reviews.deadlines import add_working_days, is_working_day, qa_due_date, week_bounds, working_days_between


def test_christmas_2021_skips_the_substitute_bank_holidays() -> None:
    # Received Friday 17 December 2021. Christmas Day and Boxing Day fell on a weekend, so
    # Monday 27 and Tuesday 28 December were bank holidays, and Monday 3 January 2022 too.
    # Christmas Eve (Friday 24th) is a working day.
    assert qa_due_date(date(2021, 12, 17)) == date(2022, 1, 12)
    for holiday in (date(2021, 12, 27), date(2021, 12, 28), date(2022, 1, 3)):
        assert not is_working_day(holiday)
    assert is_working_day(date(2021, 12, 24))


def test_easter_2022_skips_good_friday_easter_monday_and_early_may() -> None:
    # Received Thursday 14 April 2022: Good Friday 15th, Easter Monday 18th, and the early
    # May bank holiday (Monday 2 May) all fall inside the 15 days.
    assert qa_due_date(date(2022, 4, 14)) == date(2022, 5, 10)


def test_a_leap_day_is_an_ordinary_working_day() -> None:
    assert is_working_day(date(2024, 2, 29))
    assert qa_due_date(date(2024, 2, 29)) == date(2024, 3, 21)
    # Counting through 29 February: received Thursday 22 February 2024.
    assert add_working_days(date(2024, 2, 22), 5) == date(2024, 2, 29)
    assert qa_due_date(date(2024, 2, 22)) == date(2024, 3, 14)


def test_one_off_bank_holidays_count() -> None:
    # The Platinum Jubilee (2 and 3 June 2022) and the State Funeral (19 September 2022).
    assert not is_working_day(date(2022, 6, 3))
    assert not is_working_day(date(2022, 9, 19))
    assert qa_due_date(date(2022, 5, 27)) == date(2022, 6, 21)


def test_a_review_received_at_the_weekend_counts_from_monday() -> None:
    assert qa_due_date(date(2023, 1, 14)) == qa_due_date(date(2023, 1, 13)) == date(2023, 2, 3)


def test_a_plain_three_weeks_has_no_holidays() -> None:
    assert qa_due_date(date(2023, 3, 1)) == date(2023, 3, 22)


def test_working_days_between_counts_both_ways() -> None:
    assert working_days_between(date(2021, 12, 17), date(2022, 1, 12)) == 15
    assert working_days_between(date(2022, 1, 12), date(2021, 12, 17)) == -15
    assert working_days_between(date(2023, 3, 1), date(2023, 3, 1)) == 0


def test_counting_backwards_is_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2023, 3, 1), -1)


def test_week_bounds_run_monday_to_sunday() -> None:
    assert week_bounds(date(2024, 2, 29)) == (date(2024, 2, 26), date(2024, 3, 3))
    assert week_bounds(date(2024, 3, 3)) == (date(2024, 2, 26), date(2024, 3, 3))
