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
from panels.models import Panel
from reviews.models import Assessment, Prompt, Standard, StandardRating

__all__ = [
    "ActionEvidenceFile",
    "ActionRecord",
    "ActionStatus",
    "ActionUpdate",
    "LearningItem",
    "learning_item_sources",
    "action_learning_items",
]


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    NOT_ACCEPTED = "not_accepted"

    @property
    def label(self) -> str:
        return ACTION_STATUS_LABELS[self][0]

    @property
    def tag_class(self) -> str:
        return ACTION_STATUS_LABELS[self][1]

    @property
    def is_closed(self) -> bool:
        """Completed or not accepted: nothing more is expected, so never overdue."""
        return self in (ActionStatus.COMPLETED, ActionStatus.NOT_ACCEPTED)


ACTION_STATUS_LABELS = {
    ActionStatus.OPEN: ("Open", "govuk-tag--blue"),
    ActionStatus.IN_PROGRESS: ("In progress", "govuk-tag--light-blue"),
    ActionStatus.COMPLETED: ("Completed", "govuk-tag--green"),
    ActionStatus.NOT_ACCEPTED: ("Not accepted", "govuk-tag--grey"),
}
OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


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

    case: Mapped[MultiAgencyCase] = relationship()
    panel: Mapped[Panel | None] = relationship()
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
        """How the item was compiled, in words: from one point, merged, or added by the inspector."""
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
        enum_column(ActionStatus), nullable=False, default=ActionStatus.OPEN, index=True
    )
    not_accepted_reason: Mapped[str | None] = mapped_column(Text)
    completed_on: Mapped[date | None] = mapped_column(Date)
    # Completing it needs at least one evidence file on its progress updates (the inspector's call).
    completion_needs_file: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    # Where it came from: the case and, back to the QA rating, the assessment and the
    # standard (and prompt) whose rating exposed the gap.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("multi_agency_cases.id", ondelete="SET NULL"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="SET NULL"), index=True)
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standards.id"), index=True)
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompts.id"), index=True)
    # The panel at which it was agreed (the tracker filters by it).
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("panels.id", ondelete="SET NULL"), index=True)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Overdue reminders: the due date they were sent for (a new due date starts again) and
    # when the last one went, so the next goes a week later.
    reminders_for_due_on: Mapped[date | None] = mapped_column(Date)
    last_reminder_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[Organisation] = relationship(lazy="joined")
    theme: Mapped[LearningTheme] = relationship(lazy="joined")
    case: Mapped[MultiAgencyCase | None] = relationship()
    assessment: Mapped[Assessment | None] = relationship()
    standard: Mapped[Standard | None] = relationship()
    prompt: Mapped[Prompt | None] = relationship()
    panel: Mapped[Panel | None] = relationship()
    created_by: Mapped[User | None] = relationship()
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
        return not self.is_closed and self.due_on < today

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

    action: Mapped[ActionRecord] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()
    # Loaded with the updates (one query for all of them): the action's page lists every file.
    files: Mapped[list[ActionEvidenceFile]] = relationship(
        back_populates="update", cascade="all, delete-orphan", order_by="ActionEvidenceFile.id", lazy="selectin"
    )

    @property
    def changed_status(self) -> bool:
        return self.status_after is not None and self.status_after != self.status_before


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
