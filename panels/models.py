"""Models of the panels package: multi-agency cases (case_models) and panels (panel_models)."""

from panels.case_models import *  # noqa: F401,F403
from panels.panel_models import *  # noqa: F401,F403
