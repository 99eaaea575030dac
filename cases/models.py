"""Multi-agency cases: a review the Inspectorate flagged, the agencies asked to look at it,
each agency's return (its findings, chronology and learning points), and the retention
setting for the identifying details shared with them.

The identifying details (name, date of birth, other identifiers) are the only personal data
the portal holds about the person on probation. They are shown to the invited agencies and
the Inspectorate only (each view audited) and erased after the retention period, leaving
the review's reference.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    cast,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from agencies.models import Organisation, User
from cases.themes import LearningLevel, LearningTheme
from core.audit import READ_PREFIX, AuditEvent
from core.db import TimestampMixin, UTCDateTime, VersionedMixin, enum_column
from core.formatting import utc_now
from extensions import Base
from reviews.models import OffenceCategory, Review

DEFAULT_RETENTION_MONTHS = 12

# The read audit (``audit.record_read``) of someone in the invited organisation opening the
# request, whose object is the invitation: the first one is the request's read receipt.
REQUEST_READ = "case_request"


class MultiAgencyCase(VersionedMixin, TimestampMixin, Base):
    """A review flagged for multi-agency learning; at most one case per review."""

    __tablename__ = "multi_agency_cases"
    __table_args__ = (
        Index("ix_multi_agency_cases_created_at_utc", "created_at_utc"),
    )  # the annual summary counts by year

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), unique=True, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    reply_by: Mapped[date] = mapped_column(Date, nullable=False, index=True)

    # Identifying details: erased (set to None) by the retention command.
    person_name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    other_identifiers: Mapped[str | None] = mapped_column(Text)
    identifiers_erased_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The rest of what the agencies are told; kept for the learning record.
    supervision_started_on: Mapped[date | None] = mapped_column(Date)
    supervision_ended_on: Mapped[date | None] = mapped_column(Date)
    offence_on: Mapped[date | None] = mapped_column(Date)
    offence_category_id: Mapped[int] = mapped_column(ForeignKey("offence_categories.id"), nullable=False, index=True)
    partner_summary: Mapped[str] = mapped_column(Text, nullable=False, default="")

    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Set by the inspector when the case's work is over; the retention period runs from it.
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    review: Mapped[Review] = relationship(lazy="joined")
    offence_category: Mapped[OffenceCategory] = relationship(lazy="joined")
    flagged_by: Mapped[User | None] = relationship(foreign_keys=[flagged_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    invitations: Mapped[list[CaseInvitation]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseInvitation.id"
    )

    @property
    def reference(self) -> str:
        return self.review.reference

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    @property
    def identifiers_erased(self) -> bool:
        return self.identifiers_erased_at_utc is not None

    @property
    def active_invitations(self) -> list[CaseInvitation]:
        return [invitation for invitation in self.invitations if invitation.is_active]

    def invitation_for(self, organisation_id: int) -> CaseInvitation | None:
        return next((i for i in self.invitations if i.organisation_id == organisation_id), None)

    def __repr__(self) -> str:
        return f"<MultiAgencyCase {self.id} review={self.review_id}>"


class CaseInvitation(TimestampMixin, Base):
    """One organisation asked to look at one case. Withdrawing keeps the row (and its return)
    but removes the organisation's access at once; inviting it again restores both."""

    __tablename__ = "case_invitations"
    __table_args__ = (UniqueConstraint("case_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("multi_agency_cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    invited_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utc_now, index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # When someone in the organisation first opened the request ("opened" status): derived from
    # the read audit, so looking at a request (a GET) changes no case data.
    first_opened_at_utc: Mapped[datetime | None] = column_property(
        select(func.min(AuditEvent.occurred_at_utc))
        .where(
            AuditEvent.action == READ_PREFIX + REQUEST_READ,
            AuditEvent.object_type == "CaseInvitation",
            AuditEvent.object_id == cast(id, String),
        )
        .correlate_except(AuditEvent)
        .scalar_subquery()
    )
    withdrawn_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    # Sent markers: each automatic reminder goes once per reply-by date (cleared when it moves).
    due_soon_reminder_sent_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_reminder_sent_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_manual_reminder_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[MultiAgencyCase] = relationship(back_populates="invitations")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    agency_return: Mapped[AgencyReturn] = relationship(
        back_populates="invitation", uselist=False, cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at_utc is None

    def __repr__(self) -> str:
        return f"<CaseInvitation {self.id} case={self.case_id} organisation={self.organisation_id}>"


class CaseSettings(TimestampMixin, Base):
    """Settings the admin edits for every case: one row."""

    __tablename__ = "case_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Identifying details are erased this many months after the case closes.
    retention_months: Mapped[int] = mapped_column(Integer, nullable=False, default=DEFAULT_RETENTION_MONTHS)
    # Whether the documents agencies attached to their returns are deleted with the identifiers.
    erase_documents: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    updated_by: Mapped[User | None] = relationship()


# --- agency returns ----------------------------------------------------------------------
# An agency's return, modelled on the individual management reports (IMRs) of statutory
# reviews: involvement, author, records, chronology, analysis, learning. One return per
# invitation, created with it. Any member of the invited organisation saves drafts; the
# return is submitted once and then locked until the Inspectorate reopens it.


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


class AgencyReturn(VersionedMixin, TimestampMixin, Base):
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
        return [
            UnderpinningReason(value)
            for value in self.underpinning_reasons or []
            if value in UnderpinningReason._value2member_map_
        ]

    def __repr__(self) -> str:
        return f"<AgencyReturn {self.id} invitation={self.invitation_id} {self.status}>"


class ReturnChronologyEntry(Base):
    """A significant contact: date, what happened, and why it matters. Drafts may be partial."""

    __tablename__ = "return_chronology_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        ForeignKey("agency_returns.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(nullable=False, default=0)
    happened_on: Mapped[date | None] = mapped_column(Date)
    what_happened: Mapped[str] = mapped_column(Text, nullable=False, default="")
    significance: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The agency's own flag: this contact matters most (it stands out in the merged chronology).
    significant: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    agency_return: Mapped[AgencyReturn] = relationship(back_populates="chronology")

    def as_form_data(self) -> dict[str, Any]:
        return {
            "happened_on": self.happened_on,
            "what_happened": self.what_happened,
            "significance": self.significance,
            "significant": ["yes"] if self.significant else [],
        }


class ReturnLearningPoint(Base):
    """A learning point with the theme it is filed under and the level it must be acted on."""

    __tablename__ = "return_learning_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        ForeignKey("agency_returns.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(nullable=False, default=0)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("learning_themes.id"), index=True)
    level: Mapped[LearningLevel | None] = mapped_column(enum_column(LearningLevel))

    agency_return: Mapped[AgencyReturn] = relationship(back_populates="learning_points")
    theme: Mapped[LearningTheme | None] = relationship(lazy="joined")

    def as_form_data(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "theme_id": self.theme_id or "",
            "level": self.level.value if self.level else "",
        }
