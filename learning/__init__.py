"""Shared learning, action records and the annual summary."""

from flask import Blueprint

learning_bp = Blueprint("learning", __name__, url_prefix="/learning")

from learning import models, views  # noqa: E402,F401
