"""Multi-agency cases and invitations, learning panels, calendar invites and panel packs."""

from flask import Blueprint

panels_bp = Blueprint("panels", __name__, url_prefix="/panels")

from panels import models, views  # noqa: E402,F401
