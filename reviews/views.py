"""Views of the reviews blueprint."""

from reviews import reviews_bp  # noqa: F401
