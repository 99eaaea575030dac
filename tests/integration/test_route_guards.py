"""Walk every registered route: each must be guarded by the access module, and every route
that takes an object id must load that object through an access finder (404 for the unseen)."""

from __future__ import annotations

from flask import Flask

from agencies.access import guarded_arguments, is_guarded

# Flask's own static route serves committed files only.
EXEMPT = {"static"}


def test_every_route_is_guarded(app: Flask) -> None:
    unguarded = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in EXEMPT and not is_guarded(app.view_functions[rule.endpoint])
    ]
    assert unguarded == []


def test_every_object_id_in_a_url_is_loaded_through_the_access_module(app: Flask) -> None:
    problems = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        id_arguments = {arg for arg in rule.arguments if arg == "id" or arg.endswith("_id")}
        missing = id_arguments - guarded_arguments(view)
        if missing:
            problems.append(f"{rule.rule}: {sorted(missing)}")
    assert problems == []


def test_the_walker_catches_an_unguarded_route(app: Flask) -> None:
    """The check above must be able to fail: a route added without a guard is reported."""
    from flask import Blueprint

    probe = Flask("probe")
    bp = Blueprint("probe", __name__)

    @bp.get("/things/<int:thing_id>")
    def show_thing(thing_id: int) -> str:
        return "leak"

    probe.register_blueprint(bp)
    rule = next(r for r in probe.url_map.iter_rules() if r.endpoint == "probe.show_thing")
    view = probe.view_functions[rule.endpoint]
    assert not is_guarded(view)
    assert guarded_arguments(view) == set()
