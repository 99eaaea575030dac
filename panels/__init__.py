"""Multi-agency cases and invitations, learning panels, calendar invites and panel packs."""

from flask import Blueprint

panels_bp = Blueprint("panels", __name__, url_prefix="/panels")

from panels import models, seed, views  # noqa: E402,F401
from panels import panel_seed  # noqa: E402,F401  (after the case seeder: the demo panel needs the demo case)
from panels.case_commands import cases_cli  # noqa: E402


@panels_bp.record_once
def _register_commands(state) -> None:  # type: ignore[no-untyped-def]
    state.app.cli.add_command(cases_cli)
