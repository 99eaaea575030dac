"""Working days in England and Wales, and the QA report's due date.

The consultation promises QA results "within 15 working days" of the review being received.
A working day is Monday to Friday and not a bank holiday in England and Wales. The
``holidays`` package lists substitute days (27 and 28 December 2021) but also lists 25 and
26 December when they fall on a weekend, so weekends are excluded separately.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

QA_WORKING_DAYS = 15


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # Wales shares England's bank holidays; subdiv "ENG" is the England and Wales calendar.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise ValueError("Count working days forwards only")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def qa_due_date(received_on: date) -> date:
    """When the QA report on a review received on ``received_on`` is due."""
    return add_working_days(received_on, QA_WORKING_DAYS)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def week_bounds(today: date) -> tuple[date, date]:
    """Monday and Sunday of the week holding ``today``."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)
