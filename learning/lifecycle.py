"""An action's life as a state machine: which step may be taken from which status, by whom,
and where it leaves the action. Plain functions of their inputs: unit tests call them directly.

    proposed ──accept──────────────────────────▶ accepted ──update──▶ in progress
       │  ▲  └─propose change─▶ change proposed ─agree─┘                 │
       │  └────────── refuse change ─────────┘                           │
       └─decline─▶ declined ─reopen (inspector)─▶ proposed          complete (owner, evidence)
                                                                         ▼
                     signed off ◀──sign off (inspector)── awaiting sign-off ─return─▶ in progress
                         │
                impact review date (12 months on, editable) ─▶ owner's impact evidence
                         └─▶ impact recorded: achieved / partly / not achieved (inspector)

Who: the *owner* is a member of the organisation that owns the action; the *inspector* is the
Inspectorate's (an inspector or an admin). An inspector may record an owner's acceptance on
their behalf (agreed in the room at the panel), but never completes an action they then sign off.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from learning.models import OPEN_STATUSES, ActionEvent, ActionStatus

S = ActionStatus
E = ActionEvent

# An action is at risk when it is due within this many days and nothing has been posted for
# AT_RISK_QUIET_DAYS; the impact review falls this many months after sign-off by default.
AT_RISK_DUE_DAYS = 30
AT_RISK_QUIET_DAYS = 60
IMPACT_REVIEW_MONTHS = 12


class Actor(enum.StrEnum):
    OWNER = "owner"
    INSPECTOR = "inspector"

    @property
    def label(self) -> str:
        return "the owner organisation" if self is Actor.OWNER else "the Inspectorate"


OWNER = frozenset({Actor.OWNER})
INSPECTOR = frozenset({Actor.INSPECTOR})
EITHER = frozenset({Actor.OWNER, Actor.INSPECTOR})


@dataclass(frozen=True)
class Step:
    sources: frozenset[ActionStatus]
    target: ActionStatus | None  # None: the status does not change
    actors: frozenset[Actor]
    needs_reason: bool = False
    impact_step: bool = False  # only while the impact is still to be recorded


STEPS: dict[ActionEvent, Step] = {
    E.ACCEPT: Step(frozenset({S.PROPOSED}), S.ACCEPTED, EITHER),
    E.PROPOSE_CHANGE: Step(frozenset({S.PROPOSED}), S.CHANGE_PROPOSED, OWNER, needs_reason=True),
    E.AGREE_CHANGE: Step(frozenset({S.CHANGE_PROPOSED}), S.ACCEPTED, INSPECTOR),
    E.REFUSE_CHANGE: Step(frozenset({S.CHANGE_PROPOSED}), S.PROPOSED, INSPECTOR, needs_reason=True),
    E.DECLINE: Step(frozenset({S.PROPOSED, S.CHANGE_PROPOSED}), S.DECLINED, OWNER, needs_reason=True),
    E.REOPEN: Step(frozenset({S.DECLINED}), S.PROPOSED, INSPECTOR, needs_reason=True),
    # A progress update: the owner's moves an accepted action to in progress; the inspector's
    # is a note that leaves the status alone.
    E.UPDATE: Step(frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.IN_PROGRESS, EITHER, needs_reason=True),
    E.COMPLETE: Step(frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.AWAITING_SIGN_OFF, OWNER),
    E.SIGN_OFF: Step(frozenset({S.AWAITING_SIGN_OFF}), S.SIGNED_OFF, INSPECTOR),
    E.RETURN: Step(frozenset({S.AWAITING_SIGN_OFF}), S.IN_PROGRESS, INSPECTOR, needs_reason=True),
    E.SET_IMPACT_DATE: Step(frozenset({S.SIGNED_OFF}), None, INSPECTOR, impact_step=True),
    E.IMPACT_EVIDENCE: Step(frozenset({S.SIGNED_OFF}), None, OWNER, needs_reason=True, impact_step=True),
    E.RECORD_IMPACT: Step(frozenset({S.SIGNED_OFF}), None, INSPECTOR, impact_step=True),
}


@dataclass(frozen=True)
class ImpactFacts:
    """What the impact steps depend on besides the status."""

    recorded: bool = False  # the inspector has recorded the impact: nothing more to do
    review_due: bool = False  # the impact review date has come
    evidence_given: bool = False  # the owner has answered with impact evidence


def refusal(
    event: ActionEvent, status: ActionStatus, actor: Actor | None, facts: ImpactFacts | None = None
) -> str | None:
    """Why ``actor`` may not take this step from ``status`` (None: they may)."""
    facts = facts or ImpactFacts()
    step = STEPS[event]
    if actor is None or actor not in step.actors:
        who = " or ".join(sorted(a.label for a in step.actors))
        return f"Only {who} can do this"
    if status not in step.sources:
        return f"This cannot be done to an action that is {status.label.lower()}"
    if step.impact_step and facts.recorded:
        return "The impact of this action has already been recorded"
    if event == E.IMPACT_EVIDENCE and not facts.review_due:
        return "The owner is asked for impact evidence on the impact review date"
    if event == E.RECORD_IMPACT and not (facts.review_due or facts.evidence_given):
        return "Record the impact once the impact review date has come or the owner has sent evidence"
    return None


def allowed(event: ActionEvent, status: ActionStatus, actor: Actor | None, facts: ImpactFacts | None = None) -> bool:
    return refusal(event, status, actor, facts) is None


def target(event: ActionEvent, status: ActionStatus, actor: Actor) -> ActionStatus:
    """The status the step leaves the action in (assuming it is allowed)."""
    if event == E.UPDATE and actor is Actor.INSPECTOR:
        return status
    return STEPS[event].target or status


def steps_open_to(status: ActionStatus, actor: Actor | None, facts: ImpactFacts | None = None) -> list[ActionEvent]:
    """Every step this person may take now, in the order the action's page offers them."""
    return [event for event in STEPS if allowed(event, status, actor, facts)]


def needs_reason(event: ActionEvent) -> bool:
    return STEPS[event].needs_reason


# --- dates -----------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the last day of the month where it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def default_impact_review(signed_off_on: date) -> date:
    return add_months(signed_off_on, IMPACT_REVIEW_MONTHS)


# --- RAG: on track, at risk, overdue ----------------------------------------------------------------


class Rag(enum.StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {"on_track": "On track", "at_risk": "At risk", "overdue": "Overdue"}[self.value]

    @property
    def tag_class(self) -> str:
        return {"on_track": "govuk-tag--green", "at_risk": "govuk-tag--orange", "overdue": "govuk-tag--red"}[self.value]


def rag(status: ActionStatus, due_on: date, last_activity: date, today: date) -> Rag | None:
    """An open action's RAG (None when it is not open: awaiting sign-off, signed off, declined).

    Overdue once its due date has passed; at risk when it is due within 30 days and nothing
    has been posted on it for 60 (``last_activity``: its latest update, or when it was recorded).
    """
    if status not in OPEN_STATUSES:
        return None
    if due_on < today:
        return Rag.OVERDUE
    if (due_on - today).days <= AT_RISK_DUE_DAYS and (today - last_activity).days >= AT_RISK_QUIET_DAYS:
        return Rag.AT_RISK
    return Rag.ON_TRACK
