"""Plain rules about panels: reading a time as people type it, turning a London date and
wall-clock time into the UTC instant that is stored, and who may be nominated as a deputy.
No database, no Flask.

Panels are entered and shown in Europe/London time and stored in UTC, so a panel at 10am
on 24 October 2026 (BST) is 09:00Z and one at 10am on 26 October 2026 (GMT) is 10:00Z.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from core.formatting import LONDON


class TimeError(ValueError):
    """The text is not a time, or the time does not exist on that day in London."""


_TWELVE_HOUR = re.compile(r"^(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)$")
_TWENTY_FOUR_HOUR = re.compile(r"^(?P<hour>\d{1,2})(?:[:.]?(?P<minute>\d{2}))$")
_WORDS = {"midday": time(12, 0), "noon": time(12, 0), "12 noon": time(12, 0), "midnight": time(0, 0)}


def parse_time(text: str | None) -> time:
    """'10am', '2:30pm', '14:30', '9.15', '0930', 'midday' → a time. Anything else → TimeError.

    GOV.UK asks for times as people write them, so both the 12-hour and 24-hour clocks work.
    A bare hour without am or pm ('10') is refused: it is ambiguous.
    """
    cleaned = " ".join((text or "").strip().lower().split())
    if not cleaned:
        raise TimeError("Enter a time")
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    if match := _TWELVE_HOUR.match(cleaned):
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise TimeError("Enter a real time, like 10am or 2:30pm")
        hour = hour % 12 + (12 if match["half"].startswith("p") else 0)
        return time(hour, minute)
    if match := _TWENTY_FOUR_HOUR.match(cleaned):
        hour, minute = int(match["hour"]), int(match["minute"])
        if hour > 23 or minute > 59:
            raise TimeError("Enter a real time, like 10am or 14:30")
        return time(hour, minute)
    raise TimeError("Enter a time like 10am, 2:30pm or 14:30")


def format_time(value: time | None) -> str:
    """A time as GOV.UK writes it: '10am', '2:30pm', 'midday' (the form shows it back this way)."""
    if value is None:
        return ""
    if value == time(12, 0):
        return "midday"
    if value == time(0, 0):
        return "midnight"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def london_to_utc(day: date, wall_time: time) -> datetime:
    """The UTC instant of a London wall-clock time on a day.

    A time that the clocks skip in spring (1am to 2am on the last Sunday of March) does not
    exist and is refused. A time that happens twice in autumn (1am to 2am on the last Sunday
    of October) is read as the first, in British Summer Time, as people would expect.
    """
    local = datetime.combine(day, wall_time, tzinfo=LONDON).replace(fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise TimeError(f"{format_time(wall_time)} does not exist on {day.day} {day:%B %Y}: the clocks go forward")
    return instant


def london_date(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()


def london_time(instant: datetime) -> time:
    return instant.astimezone(LONDON).time().replace(second=0, microsecond=0)


def panel_times(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """The stored (UTC) start and end of a panel held on one London day."""
    starts_at = london_to_utc(day, start)
    ends_at = london_to_utc(day, end)
    if ends_at <= starts_at:
        raise TimeError("The end time must be after the start time")
    return starts_at, ends_at


def agenda_instant(panel_starts_at: datetime, item_time: time | None) -> datetime | None:
    """An agenda item's time is a London wall-clock time on the panel's day: when the panel
    moves to another day, its agenda keeps its times."""
    if item_time is None:
        return None
    return london_to_utc(london_date(panel_starts_at), item_time)


def deputy_refusal(
    *,
    decliner_organisation_id: int,
    deputy_organisation_id: int,
    deputy_active: bool,
    organisation_may_attend: bool,
    already_invited: bool,
) -> str | None:
    """Why this person cannot be nominated as the decliner's deputy, or None if they can.

    A deputy comes from the decliner's own organisation, has an active account, is not on the
    list already, and belongs to an organisation that may attend (the rule for any invitation).
    The messages never name the person: a forged form must not learn who an id belongs to.
    """
    if deputy_organisation_id != decliner_organisation_id:
        return "Choose a deputy from your own organisation"
    if not deputy_active:
        return "Choose a deputy whose account is active"
    if already_invited:
        return "Choose someone who is not already invited to this panel"
    if not organisation_may_attend:
        return "Your organisation can no longer be invited to this panel"
    return None
