"""Learning panels: the meeting, its agenda of multi-agency cases, the people invited, their
replies, and the secret calendar feed each person can subscribe to.

Times are stored in UTC (``starts_at_utc``, ``ends_at_utc``) and shown in Europe/London.
``uid`` and ``sequence`` are what calendar clients match on: the UID never changes, and the
sequence goes up with every change they must apply (a new time or place, a cancellation, an
attendee removed), so an update replaces the old entry instead of adding another.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import date, datetime, time

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencies.models import Organisation, User, enum_column
from cases.chronology.rules import ChronologyView
from cases.documents.models import ReturnDocument
from cases.models import MultiAgencyCase
from cases.themes import LearningLevel, LearningTheme
from core.db import TimestampMixin, UTCDateTime, VersionedMixin
from extensions import Base, db

__all__ = [
    "Attendance",
    "AttendeeRole",
    "CalendarFeedToken",
    "MinutesComment",
    "MinutesStatus",
    "Panel",
    "PanelAgendaItem",
    "PanelAttendee",
    "PanelDecision",
    "PanelGuest",
    "PanelMinutes",
    "PanelMinutesItem",
    "PanelPackAnnex",
    "PanelStatus",
    "PanelWalkIn",
    "Reply",
]


class PanelStatus(enum.StrEnum):
    DRAFT = "draft"  # being prepared: nobody has been invited yet
    SCHEDULED = "scheduled"  # invitations sent
    HELD = "held"  # the inspector recorded that it took place
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "scheduled": "Scheduled", "held": "Held", "cancelled": "Cancelled"}[self.value]

    @property
    def tag_class(self) -> str:
        return {
            "draft": "govuk-tag--grey",
            "scheduled": "govuk-tag--blue",
            "held": "govuk-tag--green",
            "cancelled": "govuk-tag--red",
        }[self.value]


class AttendeeRole(enum.StrEnum):
    CHAIR = "chair"
    MEMBER = "member"
    OBSERVER = "observer"
    NOTE_TAKER = "note_taker"

    @property
    def label(self) -> str:
        return {"chair": "Chair", "member": "Member", "observer": "Observer", "note_taker": "Note-taker"}[self.value]

    @property
    def ical_role(self) -> str:
        """RFC 5545 ROLE. Observers may come (optional); a note-taker records the panel but does
        not take part in it (for information)."""
        return {
            "chair": "CHAIR",
            "member": "REQ-PARTICIPANT",
            "observer": "OPT-PARTICIPANT",
            "note_taker": "NON-PARTICIPANT",
        }[self.value]


class Reply(enum.StrEnum):
    ACCEPTED = "accepted"
    TENTATIVE = "tentative"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {"accepted": "Accepted", "tentative": "Tentative", "declined": "Declined"}[self.value]

    @property
    def tag_class(self) -> str:
        return {"accepted": "govuk-tag--green", "tentative": "govuk-tag--yellow", "declined": "govuk-tag--red"}[
            self.value
        ]

    @property
    def partstat(self) -> str:
        return {"accepted": "ACCEPTED", "tentative": "TENTATIVE", "declined": "DECLINED"}[self.value]


class Attendance(enum.StrEnum):
    """What the attendance register says of an invitee."""

    PRESENT = "present"
    APOLOGIES = "apologies"
    DEPUTY = "deputy"  # represented by a named deputy from their organisation
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return {
            "present": "Present",
            "apologies": "Sent apologies",
            "deputy": "Represented by a deputy",
            "absent": "Absent",
        }[self.value]

    @property
    def represented(self) -> bool:
        """Their organisation had someone in the room: them, or their deputy."""
        return self in (Attendance.PRESENT, Attendance.DEPUTY)


class Panel(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "panels"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The iCalendar UID: set once when the panel is created, never changed.
    uid: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    starts_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    ends_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    place: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    video_link: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    status: Mapped[PanelStatus] = mapped_column(
        enum_column(PanelStatus), nullable=False, default=PanelStatus.DRAFT, index=True
    )
    # The iCalendar SEQUENCE: raised with each change that calendar clients must apply.
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The convening inspector: the ORGANIZER of the calendar event.
    convened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    scheduled_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancellation_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # After the panel: notes, and when it was marked held.
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    held_recorded_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)

    convened_by: Mapped[User | None] = relationship(lazy="joined")
    agenda: Mapped[list[PanelAgendaItem]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelAgendaItem.position"
    )
    attendees: Mapped[list[PanelAttendee]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelAttendee.id"
    )
    guests: Mapped[list[PanelGuest]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelGuest.id"
    )
    walk_ins: Mapped[list[PanelWalkIn]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelWalkIn.id"
    )
    decisions: Mapped[list[PanelDecision]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelDecision.id"
    )

    @property
    def chair(self) -> PanelAttendee | None:
        return next((a for a in self.attendees if a.role == AttendeeRole.CHAIR), None)

    @property
    def is_draft(self) -> bool:
        return self.status == PanelStatus.DRAFT

    @property
    def is_scheduled(self) -> bool:
        return self.status == PanelStatus.SCHEDULED

    @property
    def is_cancelled(self) -> bool:
        return self.status == PanelStatus.CANCELLED

    @property
    def is_held(self) -> bool:
        return self.status == PanelStatus.HELD

    @property
    def details_editable(self) -> bool:
        """Title, time, place, agenda and attendees change until the panel is held or cancelled."""
        return self.status in (PanelStatus.DRAFT, PanelStatus.SCHEDULED)

    def has_started(self, now: datetime) -> bool:
        return self.starts_at_utc <= now

    def attendee_for(self, user_id: int) -> PanelAttendee | None:
        return next((a for a in self.attendees if a.user_id == user_id), None)

    @property
    def reference(self) -> str:
        """How files and emails name the panel: 'panel-12'."""
        return f"panel-{self.id}"

    def __repr__(self) -> str:
        return f"<Panel {self.id} {self.status}>"


class PanelAgendaItem(Base):
    """A multi-agency case on a panel's agenda, in order, with an optional London time."""

    __tablename__ = "panel_agenda_items"
    __table_args__ = (UniqueConstraint("panel_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), nullable=False, index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("multi_agency_cases.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Wall-clock time in London on the panel's day (kept as a time, so a moved panel keeps it).
    start_time: Mapped[time | None] = mapped_column(Time)

    panel: Mapped[Panel] = relationship(back_populates="agenda")
    case: Mapped[MultiAgencyCase] = relationship(lazy="joined")


class PanelAttendee(TimestampMixin, Base):
    """A person invited to a panel, with their role and reply."""

    __tablename__ = "panel_attendees"
    __table_args__ = (UniqueConstraint("panel_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[AttendeeRole] = mapped_column(enum_column(AttendeeRole), nullable=False, default=AttendeeRole.MEMBER)
    reply: Mapped[Reply | None] = mapped_column(enum_column(Reply))
    replied_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What they wrote with the reply (the reply page's box, or a calendar reply's COMMENT).
    reply_comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # When they were first sent the invitation, and last sent it or an update (reminders are
    # not sent to someone who has just been told).
    invited_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sent markers: the panel start each reminder went out for. A moved panel has a new start,
    # so both reminders are due again for it; each goes once per start.
    week_reminder_for_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    day_reminder_for_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The attendance register, recorded at or after the panel: None until then; a deputy is named.
    attendance: Mapped[Attendance | None] = mapped_column(enum_column(Attendance))
    deputy_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # Which view of the merged chronology their pack carries; None: the default for their
    # organisation (named for the Inspectorate, anonymised for agencies).
    chronology_view: Mapped[ChronologyView | None] = mapped_column(enum_column(ChronologyView))
    # A deputy's row: the invitee (of the same organisation) who declined and nominated them.
    # The link lives and dies with the deputy's invitation; it does not change their access,
    # which comes, as anyone's, from being on the list.
    deputy_for_id: Mapped[int | None] = mapped_column(ForeignKey("panel_attendees.id", ondelete="SET NULL"), index=True)

    panel: Mapped[Panel] = relationship(back_populates="attendees")
    user: Mapped[User] = relationship(lazy="joined")

    # Read from the panel's own (already loaded) attendee list, never a query per row.
    @property
    def deputy_for(self) -> PanelAttendee | None:
        """The invitee this person deputises for, while both are on the list."""
        if self.deputy_for_id is None:
            return None
        return next((a for a in self.panel.attendees if a.id == self.deputy_for_id), None)

    @property
    def deputies(self) -> list[PanelAttendee]:
        """The people this invitee nominated as deputies who are still on the list."""
        return [a for a in self.panel.attendees if a.deputy_for_id is not None and a.deputy_for_id == self.id]

    @property
    def deputy_note(self) -> str:
        """What the invitee list and the register say of a nomination, on either side of it."""
        notes = []
        if deputies := self.deputies:
            names = " and ".join(d.user.full_name for d in deputies)
            kind = "deputy" if len(deputies) == 1 else "deputies"
            declined = self.reply == Reply.DECLINED
            notes.append(f"Declined; nominated {names} as {kind}" if declined else f"Nominated {names} as {kind}")
        if (principal := self.deputy_for) is not None:
            notes.append(f"Deputy for {principal.user.full_name}")
        return ". ".join(notes)

    @property
    def partstat(self) -> str:
        return self.reply.partstat if self.reply else "NEEDS-ACTION"

    @property
    def attended(self) -> bool | None:
        """Whether they came themselves (None until the register is taken)."""
        return None if self.attendance is None else self.attendance == Attendance.PRESENT

    @property
    def attendance_text(self) -> str:
        if self.attendance is None:
            return ""
        if self.attendance == Attendance.DEPUTY and self.deputy_name:
            return f"Represented by {self.deputy_name} (deputy)"
        return self.attendance.label

    @property
    def was_invited(self) -> bool:
        return self.invited_at_utc is not None

    @property
    def pack_view(self) -> ChronologyView:
        if self.chronology_view is not None:
            return self.chronology_view
        return ChronologyView.NAMED if self.user.is_inspectorate else ChronologyView.ANONYMISED


class PanelGuest(TimestampMixin, Base):
    """Someone invited by name and email who has no account (an independent chair, a specialist).
    They get the invitation, updates and cancellation with the calendar file, and nothing else:
    never the pack, never any page of the portal."""

    __tablename__ = "panel_guests"
    __table_args__ = (UniqueConstraint("panel_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), nullable=False, index=True)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    role: Mapped[AttendeeRole] = mapped_column(enum_column(AttendeeRole), nullable=False, default=AttendeeRole.MEMBER)
    invited_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    panel: Mapped[Panel] = relationship(back_populates="guests")

    @property
    def was_invited(self) -> bool:
        return self.invited_at_utc is not None


class PanelWalkIn(TimestampMixin, Base):
    """Someone who came to the panel without being invited (a deputy nobody named in advance,
    a colleague): their name and the organisation they came from. They have no account here."""

    __tablename__ = "panel_walk_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), nullable=False, index=True)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    panel: Mapped[Panel] = relationship(back_populates="walk_ins")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class MinutesStatus(enum.StrEnum):
    """Draft (being written), circulated to attendees as draft minutes for comments, approved (locked)."""

    DRAFT = "draft"
    CIRCULATED = "circulated"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "circulated": "Draft: circulated for comments", "approved": "Approved"}[self.value]

    @property
    def tag_class(self) -> str:
        return {"draft": "govuk-tag--grey", "circulated": "govuk-tag--yellow", "approved": "govuk-tag--green"}[
            self.value
        ]


class PanelMinutes(VersionedMixin, TimestampMixin, Base):
    """The panel's minutes: for each agenda item the discussion, key findings and learning agreed,
    and any other business. Written by the convenor or the panel's note-taker; circulated to the
    attendees for comments by a date; approved (then locked) by an inspector."""

    __tablename__ = "panel_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), nullable=False, unique=True, index=True
    )
    status: Mapped[MinutesStatus] = mapped_column(
        enum_column(MinutesStatus), nullable=False, default=MinutesStatus.DRAFT
    )
    any_other_business: Mapped[str] = mapped_column(Text, nullable=False, default="")
    comments_by: Mapped[date | None] = mapped_column(Date)
    last_saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    circulated_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    panel: Mapped[Panel] = relationship()
    last_saved_by: Mapped[User | None] = relationship(foreign_keys=[last_saved_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    items: Mapped[list[PanelMinutesItem]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", order_by="PanelMinutesItem.id"
    )
    comments: Mapped[list[MinutesComment]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", order_by="MinutesComment.id"
    )

    def item_for(self, agenda_item_id: int) -> PanelMinutesItem | None:
        return next((item for item in self.items if item.agenda_item_id == agenda_item_id), None)


class PanelMinutesItem(Base):
    """The minutes of one agenda item."""

    __tablename__ = "panel_minutes_items"
    __table_args__ = (UniqueConstraint("minutes_id", "agenda_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        ForeignKey("panel_minutes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("panel_agenda_items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    discussion: Mapped[str] = mapped_column(Text, nullable=False, default="")
    key_findings: Mapped[str] = mapped_column(Text, nullable=False, default="")
    learning_agreed: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The theme and level of the learning agreed: at approval it becomes a piece of shared
    # learning for the agenda item's case (``MINUTES_APPROVED_HANDLERS``), filed under them.
    learning_theme_id: Mapped[int | None] = mapped_column(ForeignKey("learning_themes.id"), index=True)
    learning_level: Mapped[LearningLevel | None] = mapped_column(enum_column(LearningLevel))

    minutes: Mapped[PanelMinutes] = relationship(back_populates="items")
    agenda_item: Mapped[PanelAgendaItem] = relationship(lazy="joined")
    learning_theme: Mapped[LearningTheme | None] = relationship(lazy="joined")

    @property
    def number(self) -> int:
        """The agenda item's number on the panel's agenda (1 for the first), as the minutes show it."""
        agenda = self.agenda_item.panel.agenda
        return next((n for n, item in enumerate(agenda, start=1) if item.id == self.agenda_item_id), 0)


class MinutesComment(Base):
    """An attendee's comment on the circulated draft minutes (seen by the Inspectorate)."""

    __tablename__ = "panel_minutes_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        ForeignKey("panel_minutes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    author_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    author_organisation: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    text: Mapped[str] = mapped_column(Text, nullable=False)
    posted_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    minutes: Mapped[PanelMinutes] = relationship(back_populates="comments")


panel_decision_agencies = Table(
    "panel_decision_agencies",
    db.metadata,
    Column("decision_id", ForeignKey("panel_decisions.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class PanelDecision(TimestampMixin, Base):
    """A decision of the panel: what was decided, by whom, with which agencies' agreement,
    about which agenda item (and so which case; none for any other business). Actions link to
    the decision they carry out, so an action's trail runs through the panel's record."""

    __tablename__ = "panel_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), nullable=False, index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("panel_agenda_items.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(Text, nullable=False)
    decided_by: Mapped[str] = mapped_column(String(200), nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    panel: Mapped[Panel] = relationship(back_populates="decisions")
    agenda_item: Mapped[PanelAgendaItem | None] = relationship(lazy="joined")
    agreeing: Mapped[list[Organisation]] = relationship(
        secondary=panel_decision_agencies, order_by="Organisation.name", lazy="selectin"
    )

    @property
    def case_id(self) -> int | None:
        return self.agenda_item.case_id if self.agenda_item else None

    @property
    def reference(self) -> str:
        return f"DEC-{self.id:04d}"

    @property
    def label(self) -> str:
        text = self.decision if len(self.decision) <= 80 else self.decision[:78].rstrip() + "…"
        return f"{self.reference}: {text}"


class PanelPackAnnex(TimestampMixin, Base):
    """A PDF document on a submitted return that the inspector appends to the panel's packs.

    Each recipient's pack carries the annexes of the cases they may see."""

    __tablename__ = "panel_pack_annexes"
    __table_args__ = (UniqueConstraint("panel_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), nullable=False, index=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("return_documents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    panel: Mapped[Panel] = relationship()
    document: Mapped[ReturnDocument] = relationship(lazy="joined")


class CalendarFeedToken(TimestampMixin, Base):
    """A person's secret calendar feed address. Only the SHA-256 of the token is stored, so the
    address is shown once, when it is made; revoking it makes every later use a 404."""

    __tablename__ = "calendar_feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    revoked_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def active(self) -> bool:
        return self.revoked_at_utc is None
