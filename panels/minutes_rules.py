"""The minutes' life as a state machine: draft → circulated (for comments by a date) → approved
(locked). Who may do what, from where. Plain functions: unit tests call them directly.

Who: the *convenor* is the Inspectorate's inspector (or admin) who manages panels; the
*minute-taker* is the attendee with the note-taker role; *attendees* are everyone else on the
list. Minutes not yet started count as a draft.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from panels.models import MinutesStatus

D, C, A = MinutesStatus.DRAFT, MinutesStatus.CIRCULATED, MinutesStatus.APPROVED


class MinutesRole(enum.StrEnum):
    CONVENOR = "convenor"
    MINUTE_TAKER = "minute_taker"
    ATTENDEE = "attendee"


class MinutesStep(enum.StrEnum):
    EDIT = "edit"
    CIRCULATE = "circulate"
    COMMENT = "comment"
    APPROVE = "approve"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[MinutesStatus]
    target: MinutesStatus | None
    roles: frozenset[MinutesRole]


WRITERS = frozenset({MinutesRole.CONVENOR, MinutesRole.MINUTE_TAKER})
RULES = {
    # Written while a draft, and while circulated (comments are taken in); never once approved.
    MinutesStep.EDIT: Rule(frozenset({D, C}), None, WRITERS),
    MinutesStep.CIRCULATE: Rule(frozenset({D}), C, frozenset({MinutesRole.CONVENOR})),
    MinutesStep.COMMENT: Rule(frozenset({C}), None, frozenset({MinutesRole.ATTENDEE, MinutesRole.MINUTE_TAKER})),
    MinutesStep.APPROVE: Rule(frozenset({C}), A, frozenset({MinutesRole.CONVENOR})),
}


def minutes_refusal(step: MinutesStep, status: MinutesStatus, roles: set[MinutesRole]) -> str | None:
    """Why someone with ``roles`` may not take ``step`` on minutes in ``status`` (None: they may)."""
    rule = RULES[step]
    if not roles & rule.roles:
        return "Only the convenor can do this" if rule.roles == {MinutesRole.CONVENOR} else "You cannot do this"
    if status not in rule.sources:
        if status == A:
            return "The minutes are approved: they can no longer change"
        return f"This cannot be done to minutes that are {status.label.lower()}"
    return None


def next_status(step: MinutesStep, status: MinutesStatus) -> MinutesStatus:
    return RULES[step].target or status


def sees_minutes(status: MinutesStatus | None, roles: set[MinutesRole], inspectorate: bool) -> bool:
    """The Inspectorate and the minute-taker see them from the start; attendees once circulated."""
    if inspectorate or MinutesRole.MINUTE_TAKER in roles:
        return True
    return MinutesRole.ATTENDEE in roles and status in (C, A)


def comments_by_problem(comments_by: date | None, today: date) -> str | None:
    if comments_by is None:
        return "Enter the date comments are due by"
    if comments_by < today:
        return "The date comments are due by must be today or in the future"
    return None


@dataclass(frozen=True)
class AgreedLearning:
    """What the minutes say was learned at one agenda item (numbered as on the agenda)."""

    number: int
    case_reference: str
    learning_agreed: str
    theme_chosen: bool
    level_chosen: bool


def unfiled_learning(items: list[AgreedLearning]) -> list[str]:
    """Why the minutes cannot be approved yet: each agenda item whose learning agreed has no theme
    or no level (approval files it as shared learning for the case under them). Empty: they can."""
    problems = []
    for item in sorted(items, key=lambda entry: entry.number):
        if not item.learning_agreed.strip():
            continue
        missing = [name for name, chosen in (("theme", item.theme_chosen), ("level", item.level_chosen)) if not chosen]
        if missing:
            problems.append(
                f"Choose the {' and '.join(missing)} of the learning agreed at item {item.number} "
                f"(case {item.case_reference}): edit the minutes first"
            )
    return problems
