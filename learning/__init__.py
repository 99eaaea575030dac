"""Shared learning, action records and the annual summary."""

from typing import Any

from flask import Blueprint


class _LearningBlueprint(Blueprint):
    """Loads the action-record and annual-summary views when the app registers it.

    Those views build on the cases, returns and reviews models, and ``agencies.return_models``
    imports ``learning.models`` (for themes and levels): importing them from this file would
    make an import cycle whenever a return is imported before this package. By the time the
    app registers its blueprints every package has loaded, so they attach their routes here,
    before Flask closes the blueprint to new ones.
    """

    def register(self, app: Any, options: dict[str, Any]) -> None:
        from learning import action_views, demo_seed, reminders, summary_views  # noqa: F401

        super().register(app, options)


learning_bp = _LearningBlueprint("learning", __name__, url_prefix="/learning")

from learning import models, seed, views  # noqa: E402,F401
