"""Email: the outbox, its templates, reminders and the sending worker."""

from flask import Blueprint

# cli_group: the worker is ``flask notifications send``.
notifications_bp = Blueprint("notifications", __name__, url_prefix="/admin/messages", cli_group="notifications")

from notifications import cli, models, views  # noqa: E402,F401
