"""Views of the panels blueprint."""

from panels import panels_bp  # noqa: F401
