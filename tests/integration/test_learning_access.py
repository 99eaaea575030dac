"""Who may reach every learning route: the Inspectorate's inspector and admin, the owning
agency, another agency (invited to the same case), the probation region, and nobody signed
in. Another organisation's action by id is a 404, as if it did not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask.testing import FlaskClient

from agencies.models import OrganisationKind, Role
from cases.themes import LearningLevel
from learning.models import ActionRecord, ActionStatus
from learning.operations import ItemDetails, compile_item
from tests.conftest import make_user
from tests.factories.cases import inspectorate_inspector, probation_region
from tests.factories.learning import learning_case, make_action, member_of, panel_for, theme

VIEWERS = ("inspector", "admin", "owner", "other_agency", "probation", "anonymous")


@dataclass
class World:
    paths: dict[str, str]
    clients: dict[str, FlaskClient]


@pytest.fixture
def world(app, client_for) -> World:
    case, police, childrens, officer = learning_case()
    action = make_action(police, case=case, title="Police action")
    make_action(childrens, case=case, title="Children's action")
    item = compile_item(
        case, ItemDetails("Shared learning", theme("Mental health"), LearningLevel.LOCAL), inspectorate_inspector()
    )
    from extensions import db

    # An action of the police's at each step of its life, for that step's route.
    at: dict[str, ActionRecord] = {}
    for name, status in (
        ("proposed", ActionStatus.PROPOSED),
        ("change_proposed", ActionStatus.CHANGE_PROPOSED),
        ("declined", ActionStatus.DECLINED),
        ("awaiting", ActionStatus.AWAITING_SIGN_OFF),
        ("signed_off", ActionStatus.SIGNED_OFF),
    ):
        at[name] = make_action(police, case=case, title=f"Police action {name}", accepted=False)
        at[name].status = status
    at["change_proposed"].proposed_due_on = date(2027, 1, 1)
    at["change_proposed"].change_reason = "More time"
    at["signed_off"].signed_off_on = date(2026, 1, 2)
    at["signed_off"].impact_review_on = date(2026, 1, 3)  # the review is due
    db.session.commit()
    panel = panel_for([case], starts_at=datetime(2026, 2, 10, 10, tzinfo=UTC))
    people = {
        "inspector": inspectorate_inspector(),
        "admin": make_user(Role.ADMIN, email="admin@inspectorate.test"),
        "owner": officer,
        "other_agency": member_of(childrens),
        "probation": make_user(Role.AGENCY_MEMBER, probation_region(), email="sfo@probation.test"),
    }
    assert probation_region().kind == OrganisationKind.PROBATION_REGION
    clients = {name: client_for(person) for name, person in people.items()}
    clients["anonymous"] = app.test_client()
    review = case.review
    paths = {
        "tracker": "/learning/actions",
        "tracker_csv": "/learning/actions.csv",
        "action": f"/learning/actions/{action.id}",
        "edit_action": f"/learning/actions/{action.id}/edit",
        "post_update": f"/learning/actions/{action.id}/update",
        "cases": "/learning/cases",
        "case": f"/learning/cases/{case.id}",
        "compile": f"/learning/cases/{case.id}/learning/new",
        "action_for_case": f"/learning/cases/{case.id}/actions/new",
        "action_for_review": f"/learning/reviews/{review.id}/actions/new",
        "edit_item": f"/learning/items/{item.id}",
        "remove_item": f"/learning/items/{item.id}/remove",
        "panel_learning": f"/learning/panels/{panel.id}",
        "accept": f"/learning/actions/{at['proposed'].id}/accept",
        "propose_change": f"/learning/actions/{at['proposed'].id}/propose-change",
        "decline": f"/learning/actions/{at['proposed'].id}/decline",
        "agree_change": f"/learning/actions/{at['change_proposed'].id}/agree-change",
        "refuse_change": f"/learning/actions/{at['change_proposed'].id}/refuse-change",
        "reopen": f"/learning/actions/{at['declined'].id}/reopen",
        "sign_off": f"/learning/actions/{at['awaiting'].id}/sign-off",
        "return": f"/learning/actions/{at['awaiting'].id}/return",
        "impact_date": f"/learning/actions/{at['signed_off'].id}/impact-date",
        "impact_evidence": f"/learning/actions/{at['signed_off'].id}/impact-evidence",
        "impact": f"/learning/actions/{at['signed_off'].id}/impact",
        "org_actions": f"/learning/organisations/{police.id}/actions",
        "org_actions_csv": f"/learning/organisations/{police.id}/actions.csv",
        "summary": "/learning/annual-summary",
        "summary_pdf": "/learning/annual-summary.pdf",
        "summary_csv": "/learning/annual-summary.csv",
    }
    return World(paths, clients)


# Expected status for each viewer: inspector, admin, owner, other agency, probation, anonymous.
# 302 for anonymous is the sign-in redirect.
MATRIX = {
    "tracker": (200, 200, 200, 200, 200, 302),
    "tracker_csv": (200, 200, 200, 200, 200, 302),
    "action": (200, 200, 200, 404, 404, 302),
    "edit_action": (200, 200, 403, 404, 404, 302),
    "post_update": (200, 200, 200, 404, 404, 302),
    "cases": (200, 200, 403, 403, 403, 302),
    "case": (200, 200, 404, 404, 404, 302),
    "compile": (200, 200, 404, 404, 404, 302),
    "action_for_case": (200, 200, 404, 404, 404, 302),
    "action_for_review": (200, 200, 404, 404, 404, 302),
    "edit_item": (200, 200, 404, 404, 404, 302),
    "remove_item": (200, 200, 404, 404, 404, 302),
    "panel_learning": (200, 200, 404, 404, 404, 302),
    # The steps of an action's life: the owner's, the Inspectorate's, or (accept) either's.
    "accept": (200, 200, 200, 404, 404, 302),
    "propose_change": (403, 403, 200, 404, 404, 302),
    "decline": (403, 403, 200, 404, 404, 302),
    "agree_change": (200, 200, 403, 404, 404, 302),
    "refuse_change": (200, 200, 403, 404, 404, 302),
    "reopen": (200, 200, 403, 404, 404, 302),
    "sign_off": (200, 200, 403, 404, 404, 302),
    "return": (200, 200, 403, 404, 404, 302),
    "impact_date": (200, 200, 403, 404, 404, 302),
    "impact_evidence": (403, 403, 200, 404, 404, 302),
    "impact": (200, 200, 403, 404, 404, 302),
    "org_actions": (200, 200, 200, 404, 404, 302),
    "org_actions_csv": (200, 200, 200, 404, 404, 302),
    "summary": (200, 200, 403, 403, 403, 302),
    "summary_pdf": (200, 200, 403, 403, 403, 302),
    "summary_csv": (200, 200, 403, 403, 403, 302),
}


@pytest.mark.parametrize("route", MATRIX)
def test_access_matrix(world: World, route: str) -> None:
    statuses = tuple(world.clients[viewer].get(world.paths[route]).status_code for viewer in VIEWERS)
    assert statuses == MATRIX[route], dict(zip(VIEWERS, statuses, strict=True))


@pytest.mark.parametrize(
    "route",
    [
        "edit_action",
        "post_update",
        "compile",
        "action_for_case",
        "edit_item",
        "remove_item",
        "accept",
        "decline",
        "agree_change",
        "sign_off",
        "return",
        "impact_evidence",
        "impact",
    ],
)
def test_posting_is_refused_to_those_who_may_not_see_or_change(world: World, route: str) -> None:
    expected = dict(zip(VIEWERS, MATRIX[route], strict=True))
    for viewer in ("other_agency", "probation", "anonymous"):
        status = world.clients[viewer].post(world.paths[route], data={"submit": "y"}).status_code
        assert status == expected[viewer], viewer


def test_an_agency_sees_only_its_own_actions_in_the_tracker_and_its_csv(world: World) -> None:
    page = world.clients["owner"].get("/learning/actions").get_data(as_text=True)
    assert "Police action" in page and "Children&#39;s action" not in page and "Children's action" not in page
    csv_text = world.clients["owner"].get("/learning/actions.csv").get_data(as_text=True)
    assert "Police action" in csv_text and "Children's action" not in csv_text
    assert world.clients["probation"].get("/learning/actions.csv").get_data(as_text=True).count("\r\n") == 1
    everything = world.clients["inspector"].get("/learning/actions").get_data(as_text=True)
    assert "Police action" in everything and "Children&#39;s action" in everything


def test_an_unknown_id_is_a_404_for_the_inspectorate_too(world: World) -> None:
    assert world.clients["inspector"].get("/learning/actions/999999").status_code == 404
    assert world.clients["inspector"].get("/learning/cases/999999").status_code == 404


def test_case_and_panel_pages_link_to_their_learning(client_for) -> None:
    from extensions import db
    from panels.models import MultiAgencyCase, Panel
    from portal.seeding import seed_demo_data

    seed_demo_data("demo password for links")
    inspector = make_user(Role.INSPECTOR)
    case = db.session.scalars(db.select(MultiAgencyCase)).first()
    panel = db.session.scalars(db.select(Panel)).first()
    client = client_for(inspector)
    assert f"/learning/cases/{case.id}" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/learning/panels/{panel.id}" in client.get(f"/panels/{panel.id}").get_data(as_text=True)
