"""Who may see the outbox: admins only (messages hold case references and sign-in links)."""

from __future__ import annotations

from agencies import access
from agencies.models import User
from extensions import db
from notifications.models import OutboxMessage


def may_manage_messages(user: User) -> bool:
    return access.is_admin(user)


def message_for_admin(user: User, message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id) if may_manage_messages(user) else None
