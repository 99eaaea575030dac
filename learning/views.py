"""Views of the learning blueprint."""

from learning import learning_bp  # noqa: F401
