"""The learning agreed in a panel's minutes becomes shared learning when the minutes are approved:
one item per agenda item with learning agreed, on that item's case, compiled at the panel, filed
under the theme and level the minutes give and linked to the minutes item it came from, once.
Approval is refused (nothing changed) while any learning agreed lacks its theme or level. An
action answering such learning shows the trail: QA rating, findings, minutes, decision, action."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.formatting import london_today
from extensions import db
from learning.models import LearningItem
from learning.operations import ActionDetails, compile_agreed_learning, create_action
from panels.minutes import minutes_of
from panels.models import MinutesStatus, PanelDecision
from tests.conftest import sign_in_as
from tests.factories.learning import theme
from tests.factories.panels import PanelWorld, panel_world

FIRST_LEARNING = "Link repeat incidents at one address before grading risk."
SECOND_LEARNING = "Health must be told of every domestic incident where a patient lives."


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _items() -> list[LearningItem]:
    return list(db.session.scalars(select(LearningItem).order_by(LearningItem.id)))


def _write_and_circulate(world: PanelWorld, inspector: FlaskClient, *, second_level: str | None) -> dict[str, str]:
    panel = world.panel
    first, second = panel.agenda[0], panel.agenda[1]
    data = {
        "version": "0",
        f"discussion_{first.id}": "The police described both call-outs.",
        f"findings_{first.id}": "Repeat incidents were not linked.",
        f"learning_{first.id}": FIRST_LEARNING,
        f"theme_{first.id}": str(theme("Domestic abuse").id),
        f"level_{first.id}": "local",
        f"discussion_{second.id}": "Health had no contact.",
        f"learning_{second.id}": SECOND_LEARNING,
        f"theme_{second.id}": str(theme("Information sharing").id),
        "any_other_business": "",
    }
    if second_level:
        data[f"level_{second.id}"] = second_level
    assert inspector.post(f"/panels/{panel.id}/minutes/edit", data=data).status_code == 302
    response = inspector.post(
        f"/panels/{panel.id}/decisions/add",
        data={
            "agenda_item_id": str(first.id),
            "decision": "The police will link repeat incidents before grading.",
            "decided_by": "The panel",
            "agreeing": [str(world.police.organisation_id)],
        },
    )
    assert response.status_code == 302
    day = london_today() + timedelta(days=7)
    response = inspector.post(
        f"/panels/{panel.id}/minutes/circulate",
        data={"version": str(minutes_of(panel).version), "comments_by": [str(day.day), str(day.month), str(day.year)]},
    )
    assert response.status_code == 302
    return data


def test_approving_the_minutes_makes_each_items_learning_agreed_shared_learning_once(app: Flask) -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    first, second = panel.agenda[0], panel.agenda[1]
    with time_machine.travel(panel.starts_at_utc + timedelta(hours=3)):
        inspector = sign_in_as(app.test_client(), world.inspector)
        form = inspector.get(f"/panels/{panel.id}/minutes/edit").get_data(as_text=True)
        assert f"Theme of this learning (item 1, case {first.case.reference})" in form
        assert f"Level of this learning (item 2, case {second.case.reference})" in form
        data = _write_and_circulate(world, inspector, second_level=None)

        # Item 2's learning has a theme but no level: approval is refused, naming it; nothing changes.
        version = str(minutes_of(panel).version)
        refused = inspector.post(f"/panels/{panel.id}/minutes/approve", data={"version": version})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 200
        assert "<title>Error: Approve the minutes" in html and "The minutes have not been approved" in html
        assert f"Choose the level of the learning agreed at item 2 (case {second.case.reference})" in html
        assert "item 1" not in html.split("There is a problem")[1].split("</ul>")[0]
        db.session.expire_all()
        minutes = minutes_of(panel)
        assert (minutes.status, minutes.approved_at_utc, str(minutes.version)) == (
            MinutesStatus.CIRCULATED,
            None,
            version,
        )
        assert _items() == [] and "panel.minutes_approved" not in audit_actions()

        # The convenor files it (the form shows what was chosen) and approves.
        edit = {**data, "version": version, f"level_{second.id}": "multi_agency"}
        assert inspector.post(f"/panels/{panel.id}/minutes/edit", data=edit).status_code == 302
        page = inspector.get(f"/panels/{panel.id}/minutes/edit").get_data(as_text=True)
        assert 'value="multi_agency" checked' in page.replace('checked=""', "checked") or (
            'checked value="multi_agency"' in page
        )
        response = inspector.post(
            f"/panels/{panel.id}/minutes/approve",
            data={"version": str(minutes_of(panel).version)},
            follow_redirects=True,
        )
        assert "2 pieces of shared learning compiled from the learning agreed" in response.get_data(as_text=True)

        db.session.expire_all()
        minutes = minutes_of(panel)
        assert minutes.status == MinutesStatus.APPROVED
        items = _items()
        assert [
            (i.case_id, i.description, i.panel_id, i.minutes_item_id, i.theme.name, i.level.value, i.compiled_by_id)
            for i in items
        ] == [
            (
                first.case_id,
                FIRST_LEARNING,
                panel.id,
                minutes.item_for(first.id).id,
                "Domestic abuse",
                "local",
                world.inspector.id,
            ),
            (
                second.case_id,
                SECOND_LEARNING,
                panel.id,
                minutes.item_for(second.id).id,
                "Information sharing",
                "multi_agency",
                world.inspector.id,
            ),
        ]
        assert audit_actions().count("learning_item.compiled") == 2
        assert items[0].sources == []

        # Never twice: approving again is refused (they are locked); compiling again makes nothing.
        again = inspector.post(f"/panels/{panel.id}/minutes/approve", data={"version": str(minutes.version)})
        assert again.status_code == 302
        assert compile_agreed_learning(minutes, world.inspector) == 0
        db.session.commit()
        assert db.session.scalar(select(func.count(LearningItem.id))) == 2

        # The case's learning page names where it was agreed, linking to the minutes item.
        page = inspector.get(f"/learning/cases/{first.case_id}").get_data(as_text=True)
        assert f"Agreed at {panel.title} (minutes, item 1)" in page
        assert f'href="/panels/{panel.id}/minutes#item-1"' in page
        page = inspector.get(f"/learning/cases/{second.case_id}").get_data(as_text=True)
        assert f"Agreed at {panel.title} (minutes, item 2)" in page

        # The item is edited like any other; the minutes stay as approved, and the link stays.
        item = items[0]
        form = inspector.get(f"/learning/items/{item.id}").get_data(as_text=True)
        assert f"Agreed at {panel.title} (minutes, item 1): the learning agreed was" in form
        response = inspector.post(
            f"/learning/items/{item.id}",
            data={
                "version": str(item.version),
                "description": "Link every earlier incident at the address before grading risk.",
                "theme_id": str(item.theme_id),
                "level": "regional",
                "panel_id": str(panel.id),
            },
        )
        assert response.status_code == 302
        db.session.expire_all()
        item = db.session.get(LearningItem, item.id)
        assert (item.description, item.level.value, item.minutes_item_id) == (
            "Link every earlier incident at the address before grading risk.",
            "regional",
            minutes_of(panel).item_for(first.id).id,
        )
        minutes = minutes_of(panel)
        assert minutes.status == MinutesStatus.APPROVED and minutes.item_for(first.id).learning_agreed == FIRST_LEARNING
        assert inspector.get(f"/panels/{panel.id}/minutes/edit").status_code == 302  # still locked

        # An action answering that learning: its trail runs QA rating → findings → minutes →
        # decision → the action, the minutes step read from the learning's minutes item.
        decision = db.session.scalar(select(PanelDecision))
        case = first.case
        assessment = case.review.assessment
        action = create_action(
            ActionDetails(
                title="Link repeat incidents",
                what_will_change="The control room will check earlier incidents.",
                owner=world.police_org,
                level=item.level,
                theme=item.theme,
                due_on=london_today() + timedelta(days=60),
                evidence_measure="A dip sample.",
                case=case,
                learning_items=[item],
                assessment=assessment,
                standard=assessment.standards_version.standards[0],
                decision=decision,
            ),
            world.inspector,
        )
        db.session.commit()
        for client in (inspector, sign_in_as(app.test_client(), world.police)):
            page = client.get(f"/learning/actions/{action.id}").get_data(as_text=True)
            trail = page.split("Where it came from")[1].split("The learning it answers")[0]
            steps = ["QA assessment", "Standard whose rating it addresses", "Panel minutes", "Panel decision"]
            positions = [trail.index(step) for step in steps]
            assert positions == sorted(positions), positions
            assert f"<strong>Learning agreed:</strong> {FIRST_LEARNING}" in trail
            assert f'href="/panels/{panel.id}/minutes#item-1"' in trail
            assert f"Read the minutes of {panel.title}, item 1 (approved)" in trail
        # The owner's colleague, not at the panel, sees the action but not the minutes step.
        outsider_page = sign_in_as(app.test_client(), world.police_colleague).get(f"/learning/actions/{action.id}")
        assert outsider_page.status_code == 200 and "Panel minutes" not in outsider_page.get_data(as_text=True)


def test_minutes_without_learning_agreed_compile_nothing(app: Flask) -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    first = panel.agenda[0]
    with time_machine.travel(panel.starts_at_utc + timedelta(hours=3)):
        inspector = sign_in_as(app.test_client(), world.inspector)
        # A theme chosen with no learning written needs no level, and makes no learning.
        data = {"version": "0", f"discussion_{first.id}": "Discussed.", f"theme_{first.id}": str(theme("MAPPA").id)}
        assert inspector.post(f"/panels/{panel.id}/minutes/edit", data=data).status_code == 302
        day = london_today() + timedelta(days=7)
        inspector.post(
            f"/panels/{panel.id}/minutes/circulate",
            data={
                "version": str(minutes_of(panel).version),
                "comments_by": [str(day.day), str(day.month), str(day.year)],
            },
        )
        response = inspector.post(
            f"/panels/{panel.id}/minutes/approve", data={"version": str(minutes_of(panel).version)}
        )
        assert response.status_code == 302
        db.session.expire_all()
        assert minutes_of(panel).status == MinutesStatus.APPROVED and _items() == []


def test_a_hostile_theme_or_level_is_a_form_error(app: Flask) -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    first = panel.agenda[0]
    with time_machine.travel(panel.starts_at_utc + timedelta(hours=3)):
        inspector = sign_in_as(app.test_client(), world.inspector)
        for field, value in ((f"theme_{first.id}", "99999999999"), (f"level_{first.id}", "global")):
            response = inspector.post(
                f"/panels/{panel.id}/minutes/edit",
                data={"version": "0", f"learning_{first.id}": "Something learned.", field: value},
            )
            assert response.status_code == 200 and "Something learned." in response.get_data(as_text=True)
        assert minutes_of(panel) is None


def test_a_cancelled_panels_minutes_are_not_approved_with_learning_agreed(app: Flask) -> None:
    """The learning cannot be compiled at a cancelled panel: approval is refused, nothing changed."""
    from panels.operations import cancel_panel

    world = panel_world(schedule=True)
    panel = world.panel
    with time_machine.travel(panel.starts_at_utc + timedelta(hours=3)):
        inspector = sign_in_as(app.test_client(), world.inspector)
        _write_and_circulate(world, inspector, second_level="national")
        cancel_panel(panel, "Called off", panel.version, world.inspector)
        db.session.commit()
        version = str(minutes_of(panel).version)
        refused = inspector.post(f"/panels/{panel.id}/minutes/approve", data={"version": version})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 200
        assert "was cancelled: the learning agreed in its minutes cannot become shared learning" in html
        db.session.expire_all()
        minutes = minutes_of(panel)
        assert (minutes.status, minutes.approved_at_utc) == (MinutesStatus.CIRCULATED, None)
        assert _items() == [] and "panel.minutes_approved" not in audit_actions()
