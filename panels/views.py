"""Views of the panels blueprint: each module registers its routes on ``panels_bp``."""

from panels import case_views, panels_bp  # noqa: F401
from panels import panel_views  # noqa: F401
