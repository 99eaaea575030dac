"""An agency's return on a multi-agency case, modelled on the individual management reports
(IMRs) of statutory reviews: involvement, author, records, chronology, analysis, learning.

One return per invitation, created with it. Any member of the invited organisation saves
drafts; the return is submitted once and then locked until the Inspectorate reopens it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencies.models import User, enum_column
from core.db import TimestampMixin, UTCDateTime, VersionedMixin
from extensions import db
from learning.models import LearningLevel, LearningTheme

if TYPE_CHECKING:
    from panels.case_models import CaseInvitation

__all__ = [
    "AgencyReturn",
    "Involvement",
    "ReturnChronologyEntry",
    "ReturnLearningPoint",
    "ReturnStatus",
    "UnderpinningReason",
]


class ReturnStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Involvement(enum.StrEnum):
    INVOLVED = "involved"
    NOT_INVOLVED = "not_involved"
    STILL_CHECKING = "still_checking"

    @property
    def label(self) -> str:
        return {
            "involved": "Involved",
            "not_involved": "Not involved",
            "still_checking": "Still checking records",
        }[self.value]

    @property
    def is_confirmed(self) -> bool:
        return self != Involvement.STILL_CHECKING


class UnderpinningReason(enum.StrEnum):
    """Why things happened as they did (the 'underpinning reasons' of an IMR's analysis)."""

    WORKLOAD = "workload"
    SUPERVISION = "supervision"
    POLICY = "policy"
    TRAINING = "training"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "workload": "Workload",
            "supervision": "Supervision and management oversight",
            "policy": "Policy or procedure",
            "training": "Training",
            "other": "Other",
        }[self.value]


class AgencyReturn(VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "agency_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("case_invitations.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    status: Mapped[ReturnStatus] = mapped_column(
        enum_column(ReturnStatus), nullable=False, default=ReturnStatus.DRAFT, index=True
    )

    # Involvement: the first thing the agency verifies.
    involvement: Mapped[Involvement | None] = mapped_column(enum_column(Involvement))
    involvement_confirmed_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_started_on: Mapped[date | None] = mapped_column(Date)
    contact_ended_on: Mapped[date | None] = mapped_column(Date)
    involvement_nature: Mapped[str] = mapped_column(Text, nullable=False, default="")

    # Who wrote the return, and whether they were themselves involved (an IMR author should not be).
    author_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    author_role: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    author_involved: Mapped[bool | None] = mapped_column(Boolean)

    records_reviewed: Mapped[str] = mapped_column(Text, nullable=False, default="")
    records_secured_on: Mapped[date | None] = mapped_column(Date)

    what_went_well: Mapped[str] = mapped_column(Text, nullable=False, default="")
    missed_opportunities: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # UnderpinningReason values, in the order of the enum.
    underpinning_reasons: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    underpinning_detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    good_practice: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recommendations: Mapped[str] = mapped_column(Text, nullable=False, default="")

    # The first save of the findings makes the return a "draft" on the case page.
    findings_saved_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_saved_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    submitted_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reopened_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    invitation: Mapped[CaseInvitation] = relationship(back_populates="agency_return")
    chronology: Mapped[list[ReturnChronologyEntry]] = relationship(
        back_populates="agency_return", cascade="all, delete-orphan", order_by="ReturnChronologyEntry.position"
    )
    learning_points: Mapped[list[ReturnLearningPoint]] = relationship(
        back_populates="agency_return", cascade="all, delete-orphan", order_by="ReturnLearningPoint.position"
    )
    last_saved_by: Mapped[User | None] = relationship(foreign_keys=[last_saved_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reopened_by: Mapped[User | None] = relationship(foreign_keys=[reopened_by_id])

    @property
    def is_submitted(self) -> bool:
        return self.status == ReturnStatus.SUBMITTED

    @property
    def involvement_confirmed(self) -> bool:
        return self.involvement is not None and self.involvement.is_confirmed

    @property
    def reasons(self) -> list[UnderpinningReason]:
        return [UnderpinningReason(value) for value in self.underpinning_reasons or []
                if value in UnderpinningReason._value2member_map_]

    def __repr__(self) -> str:
        return f"<AgencyReturn {self.id} invitation={self.invitation_id} {self.status}>"


class ReturnChronologyEntry(db.Model):
    """A significant contact: date, what happened, and why it matters. Drafts may be partial."""

    __tablename__ = "return_chronology_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("agency_returns.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    position: Mapped[int] = mapped_column(nullable=False, default=0)
    happened_on: Mapped[date | None] = mapped_column(Date)
    what_happened: Mapped[str] = mapped_column(Text, nullable=False, default="")
    significance: Mapped[str] = mapped_column(Text, nullable=False, default="")

    agency_return: Mapped[AgencyReturn] = relationship(back_populates="chronology")

    def as_form_data(self) -> dict[str, Any]:
        return {"happened_on": self.happened_on, "what_happened": self.what_happened,
                "significance": self.significance}


class ReturnLearningPoint(db.Model):
    """A learning point with the theme it is filed under and the level it must be acted on."""

    __tablename__ = "return_learning_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("agency_returns.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    position: Mapped[int] = mapped_column(nullable=False, default=0)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("learning_themes.id"), index=True)
    level: Mapped[LearningLevel | None] = mapped_column(enum_column(LearningLevel))

    agency_return: Mapped[AgencyReturn] = relationship(back_populates="learning_points")
    theme: Mapped[LearningTheme | None] = relationship(lazy="joined")

    def as_form_data(self) -> dict[str, Any]:
        return {"description": self.description, "theme_id": self.theme_id or "",
                "level": self.level.value if self.level else ""}
