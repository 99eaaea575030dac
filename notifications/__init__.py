"""Email: the outbox, its templates, reminders and the sending worker."""

from flask import Blueprint

notifications_bp = Blueprint("notifications", __name__, url_prefix="/admin/messages")

from notifications import models, views  # noqa: E402,F401
