"""What the merged chronology keeps beyond the agencies' own rows.

- ``ChronologyAddedRow``: a contact the Inspectorate adds, typically probation's own contacts
  taken from the SFO review (probation is not asked for a return: the review is its account).
- ``ChronologyDecision``: the inspector's call on two rows that may record one event: linked
  as one event, or marked distinct. Deleting it undoes the call. Each side names a return's
  row or an added row; the database deletes the decision with either row (a reopened return
  saved again has new rows, so the old call no longer applies).
- ``CasePerson``: the anonymisation map: the victims and children (and other names of the
  subject) recorded for the case; the anonymised view replaces each by its role. The names are
  erased with the case's other identifying details; the roles stay.
- ``ChronologyImport``: an agency's spreadsheet, read and kept between its preview and the
  agency's confirmation (the confirmation re-checks these rows, never a re-post).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencies.models import Organisation, User
from cases.chronology.rules import ADDED_ROW, RETURN_ROW, PersonRole, row_key
from cases.models import AgencyReturn, MultiAgencyCase
from core.db import TimestampMixin, UTCDateTime, VersionedMixin, enum_column
from core.formatting import utc_now
from extensions import Base

SFO_REVIEW_SOURCE = "The SFO review"


class ChronologyAddedRow(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "chronology_added_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("multi_agency_cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # Whose contact it was (the probation region of the review, unless the inspector says otherwise).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    happened_on: Mapped[date] = mapped_column(Date, nullable=False)
    what_happened: Mapped[str] = mapped_column(Text, nullable=False)
    significance: Mapped[str] = mapped_column(Text, nullable=False, default="")
    significant: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    source: Mapped[str] = mapped_column(String(200), nullable=False, default=SFO_REVIEW_SOURCE)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    case: Mapped[MultiAgencyCase] = relationship()
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    added_by: Mapped[User | None] = relationship()

    @property
    def key(self) -> str:
        return row_key(ADDED_ROW, self.id)


class ChronologyDecision(TimestampMixin, Base):
    __tablename__ = "chronology_decisions"
    __table_args__ = (
        UniqueConstraint("case_id", "pair_key"),
        CheckConstraint("(first_entry_id IS NULL) <> (first_added_id IS NULL)", name="one_first_row"),
        CheckConstraint("(second_entry_id IS NULL) <> (second_added_id IS NULL)", name="one_second_row"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("multi_agency_cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    pair_key: Mapped[str] = mapped_column(String(50), nullable=False)
    first_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("return_chronology_entries.id", ondelete="CASCADE"), index=True
    )
    first_added_id: Mapped[int | None] = mapped_column(
        ForeignKey("chronology_added_rows.id", ondelete="CASCADE"), index=True
    )
    second_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("return_chronology_entries.id", ondelete="CASCADE"), index=True
    )
    second_added_id: Mapped[int | None] = mapped_column(
        ForeignKey("chronology_added_rows.id", ondelete="CASCADE"), index=True
    )
    same_event: Mapped[bool] = mapped_column(Boolean, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    decided_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utc_now)

    decided_by: Mapped[User | None] = relationship()

    @property
    def first_key(self) -> str:
        if self.first_entry_id is not None:
            return row_key(RETURN_ROW, self.first_entry_id)
        return row_key(ADDED_ROW, self.first_added_id or 0)

    @property
    def second_key(self) -> str:
        if self.second_entry_id is not None:
            return row_key(RETURN_ROW, self.second_entry_id)
        return row_key(ADDED_ROW, self.second_added_id or 0)

    def set_rows(self, first: tuple[str, int], second: tuple[str, int]) -> None:
        for side, (kind, row_id) in (("first", first), ("second", second)):
            setattr(self, f"{side}_entry_id", row_id if kind == RETURN_ROW else None)
            setattr(self, f"{side}_added_id", row_id if kind == ADDED_ROW else None)


class CasePerson(TimestampMixin, Base):
    __tablename__ = "case_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("multi_agency_cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[PersonRole] = mapped_column(enum_column(PersonRole), nullable=False)
    # Erased (None) with the case's identifying details; the role, and so the label, stays.
    name: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    case: Mapped[MultiAgencyCase] = relationship()


class ChronologyImport(TimestampMixin, Base):
    __tablename__ = "chronology_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        ForeignKey("agency_returns.id", ondelete="CASCADE"), nullable=False, index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    # The sheet as text cells: {"header": [...], "rows": [[line number, [cells...]], ...]}.
    content: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    imported_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    agency_return: Mapped[AgencyReturn] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
