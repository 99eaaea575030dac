"""Multi-agency cases: a review the Inspectorate flagged, the agencies asked to look at it,
and the retention setting for the identifying details shared with them.

The identifying details (name, date of birth, other identifiers) are the only personal data
the portal holds about the person on probation. They are shown to the invited agencies and
the Inspectorate only (each view audited) and erased after the retention period, leaving
the review's reference.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencies.models import Organisation, User
from core.db import TimestampMixin, UTCDateTime, VersionedMixin
from core.formatting import utc_now
from extensions import db
from reviews.models import OffenceCategory, Review

if TYPE_CHECKING:
    from agencies.return_models import AgencyReturn

__all__ = ["DEFAULT_RETENTION_MONTHS", "CaseInvitation", "CaseSettings", "MultiAgencyCase"]

DEFAULT_RETENTION_MONTHS = 12


class MultiAgencyCase(VersionedMixin, TimestampMixin, db.Model):
    """A review flagged for multi-agency learning; at most one case per review."""

    __tablename__ = "multi_agency_cases"
    __table_args__ = (Index("ix_multi_agency_cases_created_at_utc", "created_at_utc"),)  # the annual summary counts by year

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


class CaseInvitation(TimestampMixin, db.Model):
    """One organisation asked to look at one case. Withdrawing keeps the row (and its return)
    but removes the organisation's access at once; inviting it again restores both."""

    __tablename__ = "case_invitations"
    __table_args__ = (UniqueConstraint("case_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("multi_agency_cases.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    invited_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utc_now, index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # When someone in the organisation first opened the request ("opened" status).
    first_opened_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
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


class CaseSettings(TimestampMixin, db.Model):
    """Settings the admin edits for every case: one row."""

    __tablename__ = "case_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Identifying details are erased this many months after the case closes.
    retention_months: Mapped[int] = mapped_column(Integer, nullable=False, default=DEFAULT_RETENTION_MONTHS)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    updated_by: Mapped[User | None] = relationship()


# The agency return maps onto CaseInvitation: import it so the mapper and metadata see it.
import agencies.return_models  # noqa: E402,F401
