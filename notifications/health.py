"""Is email going out? The age of the oldest message still waiting, against a threshold
(``OUTBOX_ALERT_AFTER_MINUTES``): beyond it admins see a banner and the health check says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from core.formatting import utc_now
from extensions import db
from notifications.models import MessageStatus, OutboxMessage

DEFAULT_ALERT_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class OutboxBacklog:
    oldest_queued_at: datetime | None
    alert_after: timedelta
    now: datetime

    @property
    def waiting_for(self) -> timedelta:
        return self.now - self.oldest_queued_at if self.oldest_queued_at else timedelta(0)

    @property
    def delayed(self) -> bool:
        return self.oldest_queued_at is not None and self.waiting_for > self.alert_after

    def waiting_for_text(self) -> str:
        minutes = int(self.waiting_for.total_seconds() // 60)
        if minutes < 120:
            return f"{minutes} minute{'s' if minutes != 1 else ''}"
        return f"{minutes // 60} hours"


def outbox_backlog(now: datetime | None = None) -> OutboxBacklog:
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.created_at_utc)).where(OutboxMessage.status == MessageStatus.QUEUED)
    )
    minutes = current_app.config.get("OUTBOX_ALERT_AFTER_MINUTES")
    alert_after = timedelta(minutes=float(minutes)) if minutes else DEFAULT_ALERT_AFTER
    return OutboxBacklog(oldest_queued_at=oldest, alert_after=alert_after, now=now or utc_now())
