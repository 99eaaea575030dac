"""Rules about multi-agency cases that are plain functions of their inputs: each agency's
status on a case, when the automatic reminders fall due, and when identifiers are erased.

Nothing here touches the database or the request, so unit tests call these directly.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

# The "reply by soon" reminder goes this many working days before the reply-by date.
DUE_SOON_WORKING_DAYS = 3


class AgencyStatus(enum.StrEnum):
    NOTIFIED = "notified"
    OPENED = "opened"
    INVOLVEMENT_CONFIRMED = "involvement_confirmed"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    OVERDUE = "overdue"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self][0]

    @property
    def tag_classes(self) -> str:
        return _STATUS_LABELS[self][1]


_STATUS_LABELS = {
    AgencyStatus.NOTIFIED: ("Notified", "govuk-tag--grey"),
    AgencyStatus.OPENED: ("Opened", "govuk-tag--light-blue"),
    AgencyStatus.INVOLVEMENT_CONFIRMED: ("Involvement confirmed", "govuk-tag--blue"),
    AgencyStatus.DRAFT: ("Draft", "govuk-tag--yellow"),
    AgencyStatus.SUBMITTED: ("Submitted", "govuk-tag--green"),
    AgencyStatus.OVERDUE: ("Overdue", "govuk-tag--red"),
    AgencyStatus.WITHDRAWN: ("Withdrawn", "govuk-tag--grey"),
}


@dataclass(frozen=True)
class InvitationFacts:
    """What the status of one agency on one case depends on."""

    withdrawn: bool
    opened: bool
    involvement_confirmed: bool
    findings_saved: bool
    submitted: bool
    reply_by: date


def agency_status(facts: InvitationFacts, today: date) -> AgencyStatus:
    """The furthest stage the agency has reached, except that a missed reply-by date shows first."""
    if facts.withdrawn:
        return AgencyStatus.WITHDRAWN
    if facts.submitted:
        return AgencyStatus.SUBMITTED
    if today > facts.reply_by:
        return AgencyStatus.OVERDUE
    if facts.findings_saved:
        return AgencyStatus.DRAFT
    if facts.involvement_confirmed:
        return AgencyStatus.INVOLVEMENT_CONFIRMED
    if facts.opened:
        return AgencyStatus.OPENED
    return AgencyStatus.NOTIFIED


# --- working days and reminders --------------------------------------------------------------


@lru_cache(maxsize=32)
def _bank_holidays(year: int) -> frozenset[date]:
    # England and Wales share one calendar; the package also lists 25/26 December on a
    # weekend, which the weekday test below excludes anyway.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def _is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def working_days_before(day: date, count: int) -> date:
    """The working day ``count`` working days before ``day`` (``day`` itself never counts)."""
    current = day
    while count > 0:
        current -= timedelta(days=1)
        if _is_working_day(current):
            count -= 1
    return current


class ReminderKind(enum.StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MANUAL = "manual"


@dataclass(frozen=True)
class ReminderFacts:
    """What decides whether an automatic reminder is due for one invitation."""

    reply_by: date
    invited_on: date
    active: bool
    submitted: bool
    case_closed: bool
    due_soon_sent: bool
    overdue_sent: bool


def due_soon_from(reply_by: date) -> date:
    return working_days_before(reply_by, DUE_SOON_WORKING_DAYS)


def reminder_due(facts: ReminderFacts, today: date) -> ReminderKind | None:
    """The automatic reminder to send today, if any. Each goes once per reply-by date.

    The "due soon" reminder is skipped when the agency was invited inside that window: the
    invitation itself has just told them the date.
    """
    if not facts.active or facts.submitted or facts.case_closed:
        return None
    if today > facts.reply_by:
        return None if facts.overdue_sent else ReminderKind.OVERDUE
    window_opens = due_soon_from(facts.reply_by)
    if today >= window_opens and not facts.due_soon_sent and facts.invited_on < window_opens:
        return ReminderKind.DUE_SOON
    return None


# --- retention -------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day (31 Jan + 1)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def identifiers_erased_on(closed_on: date | None, retention_months: int) -> date | None:
    """The first day the identifiers may no longer be kept; None while the case is open."""
    if closed_on is None:
        return None
    return add_months(closed_on, retention_months)
