"""Shared learning and action records.

- ``LearningItem``: learning the inspector compiles for one multi-agency case at or after a
  panel, from the agencies' *submitted* learning points (picked, merged or edited) or added
  afresh, each with a theme and a level. ``sources`` keeps the learning points it came from.
- ``ActionRecord``: what will change, who owns it, by when, how progress will be evidenced,
  and its status. It links to the learning items it answers and back to the QA rating that
  exposed the gap: the review's ``Assessment`` and the ``Standard`` (and ``Prompt``, where
  one applies) whose rating it addresses. Standards are versioned data whose rows are never
  edited once in use, so these ids keep their wording when a new version is published.
- ``ActionUpdate``: the owner's progress updates (the action's timeline), each with any
  evidence and the status it moved the action to.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencies.models import Organisation, User, enum_column
from cases.models import MultiAgencyCase, ReturnLearningPoint
from cases.themes import LearningLevel, LearningTheme
from core.db import TimestampMixin, UTCDateTime, VersionedMixin
from core.files import StoredFile
from core.formatting import utc_now
from extensions import Base, db
from panels.models import Panel, PanelDecision, PanelMinutesItem
from reviews.models import Assessment, Prompt, Standard, StandardRating

__all__ = [
    "ActionEvent",
    "ActionEvidenceFile",
    "ActionImpact",
    "ActionRecord",
    "ActionStatus",
    "ActionUpdate",
    "LearningItem",
    "learning_item_sources",
    "action_learning_items",
]


class ActionStatus(enum.StrEnum):
    """Where an action is in its life (``learning.lifecycle`` says who moves it where).

    Proposed to its owner, who accepts it, proposes a change (the inspector agrees or not)
    or declines it; accepted and in progress until its owner completes it with evidence;
    awaiting the inspector's sign-off (or returned to in progress); signed off. Its impact is
    recorded on the signed-off action (``ActionRecord.impact``), not as a status.
    """

    PROPOSED = "proposed"
    CHANGE_PROPOSED = "change_proposed"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    AWAITING_SIGN_OFF = "awaiting_sign_off"
    SIGNED_OFF = "signed_off"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return ACTION_STATUS_LABELS[self][0]

    @property
    def tag_class(self) -> str:
        return ACTION_STATUS_LABELS[self][1]

    @property
    def is_closed(self) -> bool:
        """Signed off or declined: nothing more is expected of the owner but its impact."""
        return self in (ActionStatus.SIGNED_OFF, ActionStatus.DECLINED)

    @property
    def is_agreed(self) -> bool:
        """Accepted by its owner (and not since declined): the summary's "agreed" actions."""
        return self in AGREED_STATUSES


ACTION_STATUS_LABELS = {
    ActionStatus.PROPOSED: ("Proposed", "govuk-tag--purple"),
    ActionStatus.CHANGE_PROPOSED: ("Change proposed", "govuk-tag--pink"),
    ActionStatus.ACCEPTED: ("Accepted", "govuk-tag--blue"),
    ActionStatus.IN_PROGRESS: ("In progress", "govuk-tag--light-blue"),
    ActionStatus.AWAITING_SIGN_OFF: ("Awaiting sign-off", "govuk-tag--yellow"),
    ActionStatus.SIGNED_OFF: ("Signed off", "govuk-tag--green"),
    ActionStatus.DECLINED: ("Declined", "govuk-tag--grey"),
}
# The owner still has work to do: these can be at risk or overdue.
OPEN_STATUSES = (
    ActionStatus.PROPOSED,
    ActionStatus.CHANGE_PROPOSED,
    ActionStatus.ACCEPTED,
    ActionStatus.IN_PROGRESS,
)
AGREED_STATUSES = (
    ActionStatus.ACCEPTED,
    ActionStatus.IN_PROGRESS,
    ActionStatus.AWAITING_SIGN_OFF,
    ActionStatus.SIGNED_OFF,
)


class ActionImpact(enum.StrEnum):
    """The inspector's judgement at the impact review: has it made the difference intended?"""

    ACHIEVED = "achieved"
    PARTLY = "partly"
    NOT_ACHIEVED = "not_achieved"

    @property
    def label(self) -> str:
        return {"achieved": "Achieved", "partly": "Partly achieved", "not_achieved": "Not achieved"}[self.value]

    @property
    def tag_class(self) -> str:
        return {"achieved": "govuk-tag--green", "partly": "govuk-tag--yellow", "not_achieved": "govuk-tag--red"}[
            self.value
        ]


class ActionEvent(enum.StrEnum):
    """What a timeline entry records: a progress update or a step in the action's life."""

    UPDATE = "update"
    ACCEPT = "accept"
    PROPOSE_CHANGE = "propose_change"
    AGREE_CHANGE = "agree_change"
    REFUSE_CHANGE = "refuse_change"
    DECLINE = "decline"
    COMPLETE = "complete"
    SIGN_OFF = "sign_off"
    RETURN = "return"
    REOPEN = "reopen"
    SET_IMPACT_DATE = "set_impact_date"
    IMPACT_EVIDENCE = "impact_evidence"
    RECORD_IMPACT = "record_impact"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS = {
    ActionEvent.UPDATE: "Progress update",
    ActionEvent.ACCEPT: "Accepted",
    ActionEvent.PROPOSE_CHANGE: "Change proposed",
    ActionEvent.AGREE_CHANGE: "Change agreed",
    ActionEvent.REFUSE_CHANGE: "Change not agreed",
    ActionEvent.DECLINE: "Declined",
    ActionEvent.COMPLETE: "Completed: awaiting sign-off",
    ActionEvent.SIGN_OFF: "Signed off",
    ActionEvent.RETURN: "Returned to the owner",
    ActionEvent.REOPEN: "Proposed again",
    ActionEvent.SET_IMPACT_DATE: "Impact review date changed",
    ActionEvent.IMPACT_EVIDENCE: "Impact evidence",
    ActionEvent.RECORD_IMPACT: "Impact recorded",
}


learning_item_sources = Table(
    "learning_item_sources",
    db.metadata,
    Column("learning_item_id", ForeignKey("learning_items.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "learning_point_id", ForeignKey("return_learning_points.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

action_learning_items = Table(
    "action_learning_items",
    db.metadata,
    Column("action_id", ForeignKey("action_records.id", ondelete="CASCADE"), primary_key=True),
    Column("learning_item_id", ForeignKey("learning_items.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class LearningItem(VersionedMixin, TimestampMixin, Base):
    """One piece of shared learning for a case, in the inspector's words."""

    __tablename__ = "learning_items"
    __table_args__ = (Index("ix_learning_items_created_at_utc", "created_at_utc"),)  # the annual summary counts by year

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("multi_agency_cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    theme_id: Mapped[int] = mapped_column(ForeignKey("learning_themes.id"), nullable=False, index=True)
    level: Mapped[LearningLevel] = mapped_column(enum_column(LearningLevel), nullable=False)
    compiled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The panel at (or after) which it was compiled: one with the case on its agenda.
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("panels.id", ondelete="SET NULL"), index=True)
    # The minutes item whose "learning agreed" it was compiled from when the minutes were
    # approved (unique: approving, or compiling again, makes it once).
    minutes_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("panel_minutes_items.id", ondelete="SET NULL"), unique=True, index=True
    )

    case: Mapped[MultiAgencyCase] = relationship()
    panel: Mapped[Panel | None] = relationship()
    minutes_item: Mapped[PanelMinutesItem | None] = relationship()
    theme: Mapped[LearningTheme] = relationship(lazy="joined")
    compiled_by: Mapped[User | None] = relationship()
    sources: Mapped[list[ReturnLearningPoint]] = relationship(
        secondary=learning_item_sources, order_by=ReturnLearningPoint.id
    )
    actions: Mapped[list[ActionRecord]] = relationship(
        secondary=action_learning_items, back_populates="learning_items", order_by="ActionRecord.id"
    )

    @property
    def origin(self) -> str:
        """How the item was compiled, in words: agreed in a panel's minutes, from one point, merged,
        or added by the inspector."""
        if self.minutes_item is not None:
            panel = self.minutes_item.agenda_item.panel
            return f"Agreed at {panel.title} (minutes, item {self.minutes_item.number})"
        if not self.sources:
            return "Added by the Inspectorate"
        if len(self.sources) == 1:
            return "From one agency's learning point"
        return f"Merged from {len(self.sources)} learning points"

    def __repr__(self) -> str:
        return f"<LearningItem {self.id} case={self.case_id}>"


class ActionRecord(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "action_records"
    __table_args__ = (Index("ix_action_records_created_at_utc", "created_at_utc"),)  # the annual summary counts by year

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    what_will_change: Mapped[str] = mapped_column(Text, nullable=False)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    level: Mapped[LearningLevel] = mapped_column(enum_column(LearningLevel), nullable=False, index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("learning_themes.id"), nullable=False, index=True)
    due_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    evidence_measure: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus), nullable=False, default=ActionStatus.PROPOSED, index=True
    )
    # The owner's reason for declining it.
    not_accepted_reason: Mapped[str | None] = mapped_column(Text)
    # A change the owner proposed (new wording and/or due date, with the reason), until the
    # inspector agrees (applied) or not (cleared).
    proposed_what_will_change: Mapped[str | None] = mapped_column(Text)
    proposed_due_on: Mapped[date | None] = mapped_column(Date)
    change_reason: Mapped[str | None] = mapped_column(Text)
    # The day the owner completed it (it then awaits sign-off), and the inspector's sign-off.
    completed_on: Mapped[date | None] = mapped_column(Date)
    signed_off_on: Mapped[date | None] = mapped_column(Date)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Impact review: when the owner is asked whether it made the difference intended (12 months
    # after sign-off unless the inspector changes it), and the inspector's judgement.
    impact_review_on: Mapped[date | None] = mapped_column(Date, index=True)
    impact: Mapped[ActionImpact | None] = mapped_column(enum_column(ActionImpact), index=True)
    impact_recorded_on: Mapped[date | None] = mapped_column(Date)
    impact_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The owner was asked for impact evidence (the impact review date came) for this date.
    impact_asked_for: Mapped[date | None] = mapped_column(Date)
    # Completing it needs at least one evidence file on its progress updates (the inspector's call).
    completion_needs_file: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    # Where it came from: the case and, back to the QA rating, the assessment and the
    # standard (and prompt) whose rating exposed the gap.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("multi_agency_cases.id", ondelete="SET NULL"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="SET NULL"), index=True)
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standards.id"), index=True)
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompts.id"), index=True)
    # The panel at which it was agreed (the tracker filters by it), and the decision it carries out.
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("panels.id", ondelete="SET NULL"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("panel_decisions.id", ondelete="SET NULL"), index=True)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Overdue reminders: the due date they were sent for (a new due date starts again) and
    # when the last one went, so the next goes a week later.
    reminders_for_due_on: Mapped[date | None] = mapped_column(Date)
    last_reminder_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Escalations to the owner's senior contact: the last step sent (1 for the first), for which due date.
    escalation_step: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    escalated_for_due_on: Mapped[date | None] = mapped_column(Date)

    owner: Mapped[Organisation] = relationship(lazy="joined")
    theme: Mapped[LearningTheme] = relationship(lazy="joined")
    case: Mapped[MultiAgencyCase | None] = relationship()
    assessment: Mapped[Assessment | None] = relationship()
    standard: Mapped[Standard | None] = relationship()
    prompt: Mapped[Prompt | None] = relationship()
    panel: Mapped[Panel | None] = relationship()
    decision: Mapped[PanelDecision | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
    impact_recorded_by: Mapped[User | None] = relationship(foreign_keys=[impact_recorded_by_id])
    learning_items: Mapped[list[LearningItem]] = relationship(
        secondary=action_learning_items, back_populates="actions", order_by=LearningItem.position
    )
    updates: Mapped[list[ActionUpdate]] = relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="ActionUpdate.id"
    )

    @property
    def reference(self) -> str:
        return f"ACT-{self.id:04d}"

    @property
    def is_closed(self) -> bool:
        return self.status.is_closed

    def is_overdue(self, today: date) -> bool:
        return self.status in OPEN_STATUSES and self.due_on < today

    @property
    def impact_reviewed(self) -> bool:
        return self.impact is not None

    @property
    def rating(self) -> StandardRating | None:
        """The standard's rating in the linked assessment: the rating this action answers."""
        if self.assessment is None or self.standard_id is None:
            return None
        return next((r for r in self.assessment.ratings if r.standard_id == self.standard_id), None)

    def __repr__(self) -> str:
        return f"<ActionRecord {self.id} {self.status}>"


class ActionUpdate(Base):
    """A progress update on an action: what happened, the evidence, and any change of status."""

    __tablename__ = "action_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("action_records.id", ondelete="CASCADE"), nullable=False, index=True
    )
    posted_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utc_now)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Kept as text so the timeline still reads after a person leaves or moves organisation.
    author_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    author_organisation: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    progress: Mapped[str] = mapped_column(Text, nullable=False, default="")
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status_before: Mapped[ActionStatus | None] = mapped_column(enum_column(ActionStatus))
    status_after: Mapped[ActionStatus | None] = mapped_column(enum_column(ActionStatus))
    event: Mapped[ActionEvent] = mapped_column(enum_column(ActionEvent), nullable=False, default=ActionEvent.UPDATE)

    action: Mapped[ActionRecord] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()
    # Loaded with the updates (one query for all of them): the action's page lists every file.
    files: Mapped[list[ActionEvidenceFile]] = relationship(
        back_populates="update", cascade="all, delete-orphan", order_by="ActionEvidenceFile.id", lazy="selectin"
    )

    @property
    def changed_status(self) -> bool:
        return self.status_after is not None and self.status_after != self.status_before

    @property
    def title(self) -> str:
        """The timeline's heading for the entry."""
        if self.event == ActionEvent.UPDATE and self.changed_status and self.status_after is not None:
            return self.status_after.label
        return self.event.label


class ActionEvidenceFile(Base):
    """A file the owner attached to a progress update as evidence (a ``core.files.StoredFile``)."""

    __tablename__ = "action_evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(
        ForeignKey("action_updates.id", ondelete="CASCADE"), nullable=False, index=True
    )
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"), nullable=False, index=True)

    update: Mapped[ActionUpdate] = relationship(back_populates="files")
    file: Mapped[StoredFile] = relationship(lazy="joined")
