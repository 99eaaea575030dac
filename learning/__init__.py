"""Learning blueprint."""

from flask import Blueprint

learning_bp = Blueprint("learning", __name__, url_prefix="/learning")
