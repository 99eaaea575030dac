"""The outbox: every email is a row written in the same transaction as the change behind it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Protocol

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import TimestampMixin, UTCDateTime, enum_column
from core.formatting import utc_now
from extensions import Base


class Recipient(Protocol):
    """What the outbox needs of a person (``agencies.models.User``, a layer above, fills it)."""

    id: int
    email: str
    full_name: str
    active: bool


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # gave up after the retry limit; shown to admins, can be retried by hand
    # Not sent on purpose: the recipient's account was deactivated before the worker reached it,
    # so someone who has left an agency gets nothing more about its cases. Kept, never dropped.
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def tag_class(self) -> str:
        return _STATUS_TAGS[self]


_STATUS_LABELS = {
    MessageStatus.QUEUED: "Queued",
    MessageStatus.SENT: "Sent",
    MessageStatus.FAILED: "Failed",
    MessageStatus.CANCELLED: "Not sent",
}
_STATUS_TAGS = {
    MessageStatus.QUEUED: "govuk-tag--blue",
    MessageStatus.SENT: "govuk-tag--green",
    MessageStatus.FAILED: "govuk-tag--red",
    MessageStatus.CANCELLED: "govuk-tag--grey",
}


class OutboxMessage(TimestampMixin, Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # One recipient per message: no shared To: lists that would show one agency another's addresses.
    to_address: Mapped[str] = mapped_column(String(320), nullable=False)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body_text: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    template: Mapped[str] = mapped_column(String(100), nullable=False)
    # The object the message is about, for the admin view and the audit trail.
    concerning_type: Mapped[str | None] = mapped_column(String(60))
    concerning_id: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus), nullable=False, default=MessageStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utc_now)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A worker's lease on the row while it sends outside any transaction. Another worker may
    # take the row only once the lease has run out (the first worker crashed or hung).
    claimed_until_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    # Fixed at the first attempt and reused on every retry, so a message delivered twice
    # (a worker crashed after the server accepted it) can be recognised as the same message.
    message_id_header: Mapped[str | None] = mapped_column(String(255))

    # By name: the people model lives in ``agencies``, which builds on this package.
    recipient: Mapped[Recipient | None] = relationship("User")
    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )

    @property
    def can_retry(self) -> bool:
        """Failed, or still queued after a failed attempt (an admin fixed the cause and wants it now)."""
        return self.status == MessageStatus.FAILED or (self.status == MessageStatus.QUEUED and self.attempts > 0)


class OutboxAttachment(Base):
    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), nullable=False, index=True
    )
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    # Full MIME type including parameters, e.g. 'text/calendar; method=REQUEST'.
    content_type: Mapped[str] = mapped_column(String(200), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    # Inline: one of the message's alternatives beside the text and HTML bodies (the
    # text/calendar part of an invitation, RFC 6047), not a file to save.
    inline: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")
