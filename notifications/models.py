"""The outbox: every email is a row written in the same transaction as the change behind it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencies.models import enum_column
from core.db import TimestampMixin, UTCDateTime
from core.formatting import utc_now
from extensions import db


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # gave up after the retry limit; shown to admins, can be retried by hand


class OutboxMessage(TimestampMixin, db.Model):
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
    sent_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )


class OutboxAttachment(db.Model):
    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), nullable=False, index=True
    )
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    # Full MIME type including parameters, e.g. 'text/calendar; method=REQUEST'.
    content_type: Mapped[str] = mapped_column(String(200), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")
