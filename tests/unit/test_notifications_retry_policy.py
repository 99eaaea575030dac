"""The back-off rule: 1, 2, 4, 8... minutes, capped, and a limit after which a message fails."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifications.retry_policy import RetryPolicy


def test_the_wait_doubles_after_each_failure_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=10, first_delay=timedelta(minutes=1), longest_delay=timedelta(hours=1))
    waits = [policy.delay_after(n) for n in range(1, 10)]
    minutes = [w / timedelta(minutes=1) for w in waits]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_the_limit_is_counted_in_failed_attempts() -> None:
    policy = RetryPolicy(max_attempts=8)
    assert not policy.gives_up_after(7)
    assert policy.gives_up_after(8)
    assert policy.gives_up_after(9)


def test_the_default_keeps_trying_for_a_day() -> None:
    policy = RetryPolicy()
    assert policy.max_attempts == 30
    # 1 + 2 + 4 + 8 + 16 + 32 minutes, then 23 hours of hourly tries, between the 30 attempts:
    # an SMTP outage of up to a day loses nothing and needs no retry by hand.
    assert policy.total_patience() == timedelta(hours=24, minutes=3)
    assert policy.total_patience() >= timedelta(hours=24)


def test_a_huge_attempt_count_stays_at_the_cap() -> None:
    policy = RetryPolicy(first_delay=timedelta(hours=1), longest_delay=timedelta(days=1))
    assert policy.delay_after(10_000) == timedelta(days=1)


@pytest.mark.parametrize(
    "arguments",
    [
        {"max_attempts": 0},
        {"first_delay": timedelta(0)},
        {"first_delay": timedelta(minutes=5), "longest_delay": timedelta(minutes=1)},
    ],
)
def test_nonsense_settings_are_refused(arguments: dict) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**arguments)


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError):
        RetryPolicy().delay_after(0)


def test_settings_come_from_the_config() -> None:
    policy = RetryPolicy.from_config(
        {
            "NOTIFICATIONS_MAX_ATTEMPTS": "3",
            "NOTIFICATIONS_FIRST_RETRY_DELAY": timedelta(seconds=10),
            "NOTIFICATIONS_LONGEST_RETRY_DELAY": timedelta(seconds=30),
        }
    )
    assert policy == RetryPolicy(max_attempts=3, first_delay=timedelta(seconds=10), longest_delay=timedelta(seconds=30))
    assert RetryPolicy.from_config({}) == RetryPolicy()
