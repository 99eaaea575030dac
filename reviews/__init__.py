"""SFO reviews, sampling, QA standards, assessments, QA reports and deadlines."""

from flask import Blueprint

reviews_bp = Blueprint("reviews", __name__, url_prefix="/reviews")

from reviews import models, seed, views  # noqa: E402,F401
