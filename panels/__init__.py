"""Panels blueprint."""

from flask import Blueprint

panels_bp = Blueprint("panels", __name__, url_prefix="/panels")
