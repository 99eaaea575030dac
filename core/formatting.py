"""Dates and times as GOV.UK writes them, in Europe/London whatever the server's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from markupsafe import Markup, escape

LONDON = ZoneInfo("Europe/London")


def utc_now() -> datetime:
    """Aware UTC now; stored timestamps are UTC and naive columns are read as UTC."""
    return datetime.now(UTC)


def as_london(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)


def london_today(now: datetime | None = None) -> date:
    """The date in England and Wales at ``now`` (default: this moment)."""
    return as_london(now or utc_now()).date()


def govuk_date(value: date | datetime | None) -> str:
    """'5 March 2021'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = as_london(value).date()
    return f"{value.day} {value:%B %Y}"


def govuk_time(value: datetime | None) -> str:
    """'2:30pm', 'midday', 'midnight'."""
    if value is None:
        return ""
    local = as_london(value)
    if local.hour == 12 and local.minute == 0:
        return "midday"
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def govuk_datetime(value: datetime | None) -> str:
    """'5 March 2021 at 2:30pm'."""
    if value is None:
        return ""
    return f"{govuk_date(value)} at {govuk_time(value)}"


def percentage(part: int, whole: int) -> int | None:
    """A whole percentage, halves rounded up (None when there is nothing to divide).

    Integer arithmetic, so 12.5 is 13 (Python's ``round`` would give 12, rounding halves to even).
    """
    if whole <= 0:
        return None
    return (part * 200 + whole) // (whole * 2)


def init_app(app: Flask) -> None:
    app.add_template_filter(govuk_date, "govuk_date")
    app.add_template_filter(govuk_time, "govuk_time")
    app.add_template_filter(govuk_datetime, "govuk_datetime")
    app.add_template_global(link, "link")


def link(href: str, text: object, **attributes: str) -> Markup:
    """An escaped GOV.UK link, for table cells and summary lists that take HTML."""
    extra = "".join(f' {escape(k.replace("_", "-"))}="{escape(v)}"' for k, v in attributes.items())
    return Markup(f'<a class="govuk-link" href="{escape(href)}"{extra}>{escape(text)}</a>')
