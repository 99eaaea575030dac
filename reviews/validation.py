"""Rules about a review's details, shared by the register's form and the CSV import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from agencies.models import Organisation
from reviews.models import REFERENCE_PATTERN, OffenceCategory

_REFERENCE = re.compile(REFERENCE_PATTERN)
AUTHOR_ROLE_MAX = 200
SUMMARY_MAX = 5_000


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
