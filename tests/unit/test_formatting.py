from datetime import UTC, date, datetime

import pytest

from core.formatting import govuk_date, govuk_datetime, govuk_time


def test_dates_follow_govuk_style() -> None:
    assert govuk_date(date(2021, 3, 5)) == "5 March 2021"
    assert govuk_date(None) == ""


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2021, 1, 15, 14, 30, tzinfo=UTC), "2:30pm"),  # GMT
        (datetime(2021, 7, 15, 13, 30, tzinfo=UTC), "2:30pm"),  # BST: shown in London time
        (datetime(2021, 7, 15, 11, 0, tzinfo=UTC), "midday"),
        (datetime(2021, 1, 15, 0, 0, tzinfo=UTC), "midnight"),
        (datetime(2021, 1, 15, 9, 0, tzinfo=UTC), "9am"),
    ],
)
def test_times_are_shown_in_london_time(utc: datetime, expected: str) -> None:
    assert govuk_time(utc) == expected


def test_a_late_utc_time_can_be_the_next_day_in_london() -> None:
    moment = datetime(2021, 6, 30, 23, 30, tzinfo=UTC)
    assert govuk_datetime(moment) == "1 July 2021 at 12:30am"
