"""Rules of action records and the annual summary that are plain functions of their inputs.

Nothing here touches the database or the request: unit tests call these directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core.formatting import LONDON, london_today, percentage
from learning.lifecycle import Actor, allowed, needs_reason
from learning.models import OPEN_STATUSES, ActionEvent, ActionImpact, ActionStatus

# An overdue action's owners are reminded once, then every week until it is closed.
REMINDER_INTERVAL = timedelta(days=7)


# --- the reporting year ---------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class ReportingYear:
    """The Inspectorate's reporting year: 1 April ``start_year`` to 31 March the year after."""

    start_year: int

    @classmethod
    def containing(cls, day: date) -> ReportingYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        """The last day of the year (31 March)."""
        return date(self.start_year + 1, 3, 31)

    @property
    def start_utc(self) -> datetime:
        """Midnight at the start of 1 April in London, in UTC (for timestamp columns)."""
        return _london_midnight_utc(self.start)

    @property
    def end_utc(self) -> datetime:
        """Midnight at the end of 31 March in London, in UTC (exclusive)."""
        return _london_midnight_utc(self.end + timedelta(days=1))

    @property
    def previous(self) -> ReportingYear:
        return ReportingYear(self.start_year - 1)

    @property
    def label(self) -> str:
        """'April 2025 to March 2026'."""
        return f"April {self.start_year} to March {self.start_year + 1}"

    @property
    def short_label(self) -> str:
        """'2025 to 2026'."""
        return f"{self.start_year} to {self.start_year + 1}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _london_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


# --- published percentages ---------------------------------------------------------------------

# A share of fewer than this many is not published: "1 (100%)" says more than one review can.
LOW_BASE = 5
LOW_BASE_MARK = "[low]"
LOW_BASE_NOTE = f"{LOW_BASE_MARK} Share not shown: fewer than {LOW_BASE} in the group."
ROUNDING_NOTE = "Shares are rounded to the nearest whole number on their own, so they may not add up to 100%."


# ``percentage`` (core.formatting): every share is rounded on its own, halves up, as official
# statistics are: the same count of the same base always reads the same (3 of 8 is 38% wherever
# it appears), and a set of shares may add up to 99 or 101 (each table says so).


@dataclass(frozen=True)
class Share:
    """A count and its share of a base, rounded half up; not shown on a base under ``LOW_BASE``."""

    label: str
    count: int
    base: int

    @property
    def percent(self) -> int | None:
        """The share to publish: None when there is no base or it is too small to show."""
        return None if self.low_base else percentage(self.count, self.base)

    @property
    def low_base(self) -> bool:
        return 0 < self.base < LOW_BASE

    @property
    def percent_text(self) -> str:
        if self.low_base:
            return LOW_BASE_MARK
        return "–" if self.percent is None else f"{self.percent}%"

    @property
    def text(self) -> str:
        """'48 (53%)', '1 [low]' or '0'."""
        if self.low_base:
            return f"{self.count} {LOW_BASE_MARK}"
        return str(self.count) if self.percent is None else f"{self.count} ({self.percent}%)"


def shares(labelled_counts: Sequence[tuple[str, int]], base: int | None = None) -> list[Share]:
    """Each count as a share of ``base`` (by default their total), each rounded on its own."""
    if any(count < 0 for _label, count in labelled_counts):
        raise ValueError("Counts cannot be negative")
    whole = sum(count for _label, count in labelled_counts) if base is None else base
    return [Share(label, count, whole) for label, count in labelled_counts]


# --- progress updates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateRequest:
    """What someone asked for in a progress update."""

    progress: str
    evidence: str
    new_status: ActionStatus
    actor: Actor | None
    # Evidence files: with this update, and on the action's earlier updates; and whether the
    # inspector said completing the action needs at least one.
    files: int = 0
    earlier_files: int = 0
    needs_file: bool = False


def statuses_open_to(current: ActionStatus, actor: Actor | None) -> list[ActionStatus]:
    """The statuses a progress update may leave the action in.

    On an accepted or in-progress action the owner posts progress (it is then in progress) or
    completes it with evidence (it then awaits the Inspectorate's sign-off); the inspector's
    update is a note that leaves the status alone. Anything else is a step of its own
    (``learning.lifecycle``), not a progress update.
    """
    if not allowed(ActionEvent.UPDATE, current, actor):
        return []
    if actor is Actor.INSPECTOR:
        return [current]
    return [ActionStatus.IN_PROGRESS, ActionStatus.AWAITING_SIGN_OFF]


def update_event(new_status: ActionStatus) -> ActionEvent:
    return ActionEvent.COMPLETE if new_status == ActionStatus.AWAITING_SIGN_OFF else ActionEvent.UPDATE


def update_problems(current: ActionStatus, request: UpdateRequest) -> dict[str, str]:
    """Problems with a progress update, by form field name (empty when it may be saved)."""
    problems: dict[str, str] = {}
    if request.new_status not in statuses_open_to(current, request.actor):
        problems["status"] = "Choose a status from the list"
    if not request.progress.strip():
        problems["progress"] = "Enter what has happened since the last update"
    completing = request.new_status == ActionStatus.AWAITING_SIGN_OFF
    if completing and not request.evidence.strip():
        problems["evidence"] = "Enter the evidence that the action is complete"
    if completing and request.needs_file and not (request.files or request.earlier_files):
        problems["evidence_files"] = "Attach at least one file as evidence: this action needs one to be completed"
    return problems


# --- the other steps -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepRequest:
    """What someone asked for in one of an action's steps other than a progress update."""

    event: ActionEvent
    reason: str = ""
    proposed_wording: str = ""
    proposed_due_on: date | None = None
    current_due_on: date | None = None
    review_on: date | None = None
    signed_off_on: date | None = None
    impact: str = ""
    evidence: str = ""


REASON_MESSAGES = {
    ActionEvent.PROPOSE_CHANGE: "Enter the reason for the change",
    ActionEvent.REFUSE_CHANGE: "Enter the reason the change is not agreed",
    ActionEvent.DECLINE: "Enter the reason the action is declined",
    ActionEvent.REOPEN: "Enter why the action is proposed again",
    ActionEvent.RETURN: "Enter the reason the action is returned",
    ActionEvent.IMPACT_EVIDENCE: "Enter whether the action has made the difference intended",
}


def step_problems(request: StepRequest) -> dict[str, str]:
    """Problems with a step's answers, by form field name (empty when it may be taken)."""
    problems: dict[str, str] = {}
    event = request.event
    if needs_reason(event) and not request.reason.strip():
        problems["reason"] = REASON_MESSAGES[event]
    if event == ActionEvent.PROPOSE_CHANGE:
        wording_same = not request.proposed_wording.strip()
        date_same = request.proposed_due_on is None or request.proposed_due_on == request.current_due_on
        if wording_same and date_same:
            problems["proposed_wording"] = "Enter the new wording or a new due date"
    if event in (ActionEvent.SIGN_OFF, ActionEvent.SET_IMPACT_DATE):
        if request.review_on is None:
            problems["review_on"] = "Enter the impact review date"
        elif request.signed_off_on is not None and request.review_on < request.signed_off_on:
            problems["review_on"] = "The impact review date cannot be before the action was signed off"
    if event == ActionEvent.RECORD_IMPACT and request.impact not in {i.value for i in ActionImpact}:
        problems["impact"] = "Choose whether the action achieved the impact intended"
    return problems


# --- escalation -------------------------------------------------------------------------------------


def escalation_due(
    *, days_overdue: int, thresholds: Sequence[int], sent_step: int, sent_for_due_on: date | None, due_on: date
) -> int | None:
    """The escalation step (1 for the first threshold) to send now, or None.

    Each step goes once: a step already sent for this due date never goes again, and a sweep
    that finds several steps reached at once sends only the highest. A new due date starts again."""
    reached = sum(1 for days in sorted(thresholds) if days_overdue >= days)
    already = sent_step if sent_for_due_on == due_on else 0
    return reached if reached > already else None


# --- overdue reminders ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderFacts:
    status: ActionStatus
    due_on: date
    reminders_for_due_on: date | None
    last_reminder_at: datetime | None


def reminder_due(facts: ReminderFacts, now: datetime) -> bool:
    """Whether an overdue reminder should go now: the first as soon as the action is overdue
    (the day after its due date, in London), then one a week, until it is closed. Moving the
    due date starts again: the markers belong to the date they were sent for."""
    if facts.status not in OPEN_STATUSES or facts.due_on >= london_today(now):
        return False
    if facts.reminders_for_due_on != facts.due_on or facts.last_reminder_at is None:
        return True
    return now - facts.last_reminder_at >= REMINDER_INTERVAL
