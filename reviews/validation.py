"""Rules about a review's details, shared by the register's form and the CSV import."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from agencies.models import Organisation
from reviews.models import REFERENCE_PATTERN, OffenceCategory

_REFERENCE = re.compile(REFERENCE_PATTERN)
AUTHOR_ROLE_MAX = 200
SUMMARY_MAX = 5_000
FEEDBACK_MAX = 10_000


@dataclass
class ReviewDetails:
    """What a person (or a CSV row) says about a review; the reference is given separately."""

    region: Organisation
    offence_category: OffenceCategory
    received_on: date
    offence_on: date | None
    charged_on: date | None
    author_role: str | None
    summary: str
    # The review's own timeline (all optional: "not recorded"); keyword-only so that rows which
    # extend this class (the import's) keep their own fields positional.
    hmpps_notified_on: date | None = field(default=None, kw_only=True)
    due_to_inspectorate_on: date | None = field(default=None, kw_only=True)
    probation_extension: bool | None = field(default=None, kw_only=True)
    probation_extension_days: int | None = field(default=None, kw_only=True)


def normalise_reference(text: str) -> str:
    return text.strip().upper()


def is_reference(text: str) -> bool:
    return bool(_REFERENCE.fullmatch(text))


def date_problems(
    received_on: date | None, offence_on: date | None, charged_on: date | None, today: date
) -> list[tuple[str, str]]:
    """(field, message) for dates that cannot all be true of one review."""
    problems: list[tuple[str, str]] = []
    if received_on and received_on > today:
        problems.append(("received_on", "Date received must be today or in the past"))
    if offence_on and offence_on > today:
        problems.append(("offence_on", "Date of the offence must be today or in the past"))
    if charged_on and charged_on > today:
        problems.append(("charged_on", "Date of charge must be today or in the past"))
    if offence_on and charged_on and charged_on < offence_on:
        problems.append(("charged_on", "Date of charge must be the same as or after the date of the offence"))
    if received_on and charged_on and received_on < charged_on:
        problems.append(("received_on", "Date received must be the same as or after the date of charge"))
    elif received_on and offence_on and received_on < offence_on:
        problems.append(("received_on", "Date received must be the same as or after the date of the offence"))
    return problems


EXTENSION_DAYS_MAX = 250  # about a year of working days


def timeline_problems(
    received_on: date | None,
    hmpps_notified_on: date | None,
    due_to_inspectorate_on: date | None,
    probation_extension: bool | None,
    probation_extension_days: int | None,
    today: date,
) -> list[tuple[str, str]]:
    """(field, message) for a review's own timeline that cannot be true."""
    problems: list[tuple[str, str]] = []
    if hmpps_notified_on and hmpps_notified_on > today:
        problems.append(("hmpps_notified_on", "Date HMPPS was notified must be today or in the past"))
    if hmpps_notified_on and received_on and received_on < hmpps_notified_on:
        problems.append(("received_on", "Date received must be the same as or after the date HMPPS was notified"))
    if hmpps_notified_on and due_to_inspectorate_on and due_to_inspectorate_on < hmpps_notified_on:
        problems.append(
            (
                "due_to_inspectorate_on",
                "Date due to the Inspectorate must be the same as or after the date HMPPS was notified",
            )
        )
    if probation_extension_days is not None:
        if probation_extension is not True:
            problems.append(
                ("probation_extension_days", "Give the length of the extension only if an extension was given")
            )
        elif not 1 <= probation_extension_days <= EXTENSION_DAYS_MAX:
            problems.append(
                (
                    "probation_extension_days",
                    f"Length of the extension must be a whole number of working days from 1 to {EXTENSION_DAYS_MAX}",
                )
            )
    return problems
