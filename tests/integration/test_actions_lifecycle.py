"""An action's life: recorded by the inspector from a case's learning and a QA rating, updated
and completed by its owner with evidence, refused when stale, reopened only by the
Inspectorate; and its link back to the rating survives a new version of the standards."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from cases.themes import LearningLevel
from core.audit import AuditEvent
from extensions import db
from learning import tracker as tracker_module
from learning.models import ActionRecord, ActionStatus, LearningItem
from learning.operations import ItemDetails, Refused, compile_item
from notifications.models import OutboxMessage
from panels.models import PanelStatus
from reviews.operations import copy_standards_version, publish_standards_version, update_standard_wording
from tests.conftest import make_user
from tests.factories.cases import inspectorate_inspector, today
from tests.factories.learning import learning_case, make_action, member_of, panel_for, theme


def _date(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def tags(page: str) -> list[str]:
    return re.findall(r'class="govuk-tag[^"]*">\s*([^<]+?)\s*<', page)


def _action_form(owner_id: int, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Link repeat incidents before grading",
        "what_will_change": "The control room checks earlier incidents at the address.",
        "owner_id": str(owner_id),
        "level": "local",
        "theme_id": str(theme("Domestic abuse").id),
        "due_on": _date(today() + timedelta(days=60)),
        "evidence_measure": "A dip sample of 30 incidents.",
        "standard_id": "0",
        "prompt_id": "0",
        "submit": "y",
    }
    data.update(overrides)
    return data


def test_the_inspector_compiles_learning_and_records_an_action_linked_to_it_and_to_the_rating(client_for) -> None:
    case, police, _childrens, _officer = learning_case()
    inspector = inspectorate_inspector()
    client = client_for(inspector)
    page = client.get(f"/learning/cases/{case.id}").get_data(as_text=True)
    assert "Repeat incidents at one address must be linked." in page
    points = case.invitation_for(police.id).agency_return.learning_points

    # Merge both of the police's points into one item, edited, with a theme and level.
    form = client.get(f"/learning/cases/{case.id}/learning/new?point={points[0].id}&point={points[1].id}")
    assert "Repeat incidents at one address must be linked.\n\nTell children" in form.get_data(as_text=True)
    response = client.post(
        f"/learning/cases/{case.id}/learning/new",
        data={
            "sources": [str(points[0].id), str(points[1].id)],
            "description": "Link repeat incidents and tell children's services.",
            "theme_id": str(theme("Domestic abuse").id),
            "level": "multi_agency",
            "submit": "y",
        },
    )
    assert response.status_code == 302
    item = db.session.scalar(db.select(LearningItem))
    assert [p.id for p in item.sources] == [points[0].id, points[1].id]
    assert item.origin == "Merged from 2 learning points"

    assessment = case.review.assessment
    standard = assessment.standards_version.standards[1]
    prompt = standard.prompts[0]
    response = client.post(
        f"/learning/cases/{case.id}/actions/new",
        data=_action_form(
            police.id, learning_item_ids=[str(item.id)], standard_id=str(standard.id), prompt_id=str(prompt.id)
        ),
    )
    assert response.status_code == 302
    action = db.session.scalar(db.select(ActionRecord))
    assert response.headers["Location"].endswith(f"/learning/actions/{action.id}")
    assert (action.owner_id, action.status, action.assessment_id, action.standard_id, action.prompt_id) == (
        police.id,
        ActionStatus.PROPOSED,
        assessment.id,
        standard.id,
        prompt.id,
    )
    assert action.learning_items == [item]
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "action.created")) is not None

    # The owner's members are told; the assessment side lists the action.
    emails = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.template == "learning_action")).all()
    assert [m.subject for m in emails] == [
        f"OFFICIAL-SENSITIVE: New action {action.reference} for Northshire Police: "
        "please accept it, propose a change or decline it"
    ]
    review_page = client.get(f"/learning/actions/{action.id}").get_data(as_text=True)
    assert standard.heading in review_page and prompt.label in review_page
    from flask import render_template_string

    with client.application.test_request_context():
        from flask_login import login_user

        login_user(inspector)
        listed = render_template_string('{% include "learning/_actions_for_assessment.html" %}', review=case.review)
    assert action.reference in listed and standard.heading in listed
    # ... and the review's own page includes that list.
    review_page = client.get(f"/reviews/{case.review.id}").get_data(as_text=True)
    assert "Actions answering this QA" in review_page and action.reference in review_page


def test_a_prompt_from_another_standard_is_refused_and_the_form_keeps_what_was_typed(client_for) -> None:
    case, police, _childrens, _officer = learning_case()
    standards = case.review.assessment.standards_version.standards
    client = client_for(inspectorate_inspector())
    response = client.post(
        f"/learning/cases/{case.id}/actions/new",
        data=_action_form(
            police.id,
            title="Keep this title",
            standard_id=str(standards[0].id),
            prompt_id=str(standards[2].prompts[0].id),
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>Error: Record an action for case {case.reference}" in page
    assert f"Choose a prompt from {standards[0].heading}, or no prompt" in page
    assert 'value="Keep this title"' in page
    assert db.session.scalar(db.select(ActionRecord)) is None


def test_bad_input_gets_an_error_summary_not_a_500(client_for) -> None:
    case, police, _childrens, _officer = learning_case()
    client = client_for(inspectorate_inspector())
    data = _action_form(
        police.id,
        title="<script>alert(1)</script>\r\nX" * 30,
        due_on=["31", "2", "2025"],
        theme_id="99999",
        level="galactic",
        learning_item_ids=["x"],
    )
    data["owner_id"] = "abc"
    response = client.post(f"/learning/cases/{case.id}/actions/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "<script>alert(1)</script>" not in page
    assert "Due date must be a real date" in page
    assert db.session.scalar(db.select(ActionRecord)) is None


def test_the_owner_records_progress_and_completes_the_action_with_evidence(client_for) -> None:
    case, police, _childrens, officer = learning_case()
    action = make_action(police, case=case, standard_number=2)
    client = client_for(officer)

    response = client.post(
        f"/learning/actions/{action.id}/update",
        data={
            "version": str(action.version),
            "status": "in_progress",
            "progress": "Procedure rewritten.",
            "submit": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert action.status == ActionStatus.IN_PROGRESS

    # Completing without evidence: refused, with what was typed kept.
    response = client.post(
        f"/learning/actions/{action.id}/update",
        data={
            "version": str(action.version),
            "status": "awaiting_sign_off",
            "progress": "All staff trained.",
            "submit": "y",
        },
    )
    page = response.get_data(as_text=True)
    assert "Enter the evidence that the action is complete" in page
    assert "All staff trained." in page
    db.session.expire_all()
    assert action.status == ActionStatus.IN_PROGRESS

    response = client.post(
        f"/learning/actions/{action.id}/update",
        data={
            "version": str(action.version),
            "status": "awaiting_sign_off",
            "progress": "All staff trained.",
            "evidence": "Dip sample: 30 of 30 incidents linked.",
            "submit": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    # The owner's word alone does not complete it: it awaits the Inspectorate's sign-off.
    assert (action.status, action.completed_on) == (ActionStatus.AWAITING_SIGN_OFF, today())
    page = client.get(f"/learning/actions/{action.id}").get_data(as_text=True)
    assert "Dip sample: 30 of 30 incidents linked." in page
    assert "Awaiting sign-off" in tags(page)
    # The inspector who recorded it is told.
    closed = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.subject.like("%completed by%")))
    assert closed.to_address == inspectorate_inspector().email
    assert "awaiting sign-off" in closed.subject

    # The owner can no longer post, nor sign it off; the inspector returns it with a reason, emailed.
    assert client.get(f"/learning/actions/{action.id}/update").status_code == 302
    assert client.get(f"/learning/actions/{action.id}/sign-off").status_code == 403
    inspector_client = client_for(inspectorate_inspector())
    response = inspector_client.post(
        f"/learning/actions/{action.id}/return", data={"version": str(action.version), "submit": "y"}
    )
    assert "Enter the reason the action is returned" in response.get_data(as_text=True)
    response = inspector_client.post(
        f"/learning/actions/{action.id}/return",
        data={"version": str(action.version), "reason": "The dip sample must cover night shifts.", "submit": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (action.status, action.completed_on) == (ActionStatus.IN_PROGRESS, None)
    returned = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.subject.like("%is returned to%")))
    assert returned.to_address == officer.email
    assert "The dip sample must cover night shifts." in returned.body_text

    # Completed again, then signed off: the impact review defaults to a year on.
    client.post(
        f"/learning/actions/{action.id}/update",
        data={
            "version": str(action.version),
            "status": "awaiting_sign_off",
            "progress": "Night shifts sampled.",
            "evidence": "30 of 30 again, nights included.",
            "submit": "y",
        },
    )
    db.session.expire_all()
    form = inspector_client.get(f"/learning/actions/{action.id}/sign-off").get_data(as_text=True)
    review_on = today().replace(year=today().year + 1) if (today().month, today().day) != (2, 29) else None
    if review_on is not None:
        assert f'value="{review_on.year}"' in form
    response = inspector_client.post(
        f"/learning/actions/{action.id}/sign-off",
        data={"version": str(action.version), "review_on": _date(today() + timedelta(days=200)), "submit": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (action.status, action.signed_off_on, action.signed_off_by) == (
        ActionStatus.SIGNED_OFF,
        today(),
        inspectorate_inspector(),
    )
    assert action.impact_review_on == today() + timedelta(days=200)
    assert [u.event.value for u in action.updates] == [
        "accept",
        "update",
        "complete",
        "return",
        "complete",
        "sign_off",
    ]
    assert [u.status_after for u in action.updates][-3:] == [
        ActionStatus.IN_PROGRESS,
        ActionStatus.AWAITING_SIGN_OFF,
        ActionStatus.SIGNED_OFF,
    ]


def test_the_owner_can_decline_an_action_with_a_reason(client_for) -> None:
    case, police, _childrens, officer = learning_case()
    action = make_action(police, case=case, accepted=False)
    client = client_for(officer)
    # A proposed action takes no progress until it is accepted.
    assert client.get(f"/learning/actions/{action.id}/update").status_code == 302
    response = client.post(
        f"/learning/actions/{action.id}/decline",
        data={"version": str(action.version), "reason": "This is the health trust's responsibility.", "submit": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert action.status == ActionStatus.DECLINED
    assert action.not_accepted_reason == "This is the health trust's responsibility."
    declined = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.subject.like("%declined by%")))
    assert declined.to_address == inspectorate_inspector().email
    # Only the Inspectorate proposes it again.
    assert client.get(f"/learning/actions/{action.id}/reopen").status_code == 403


def test_a_stale_update_is_refused_and_what_was_typed_comes_back(client_for) -> None:
    case, police, _childrens, officer = learning_case()
    colleague = member_of(police)
    action = make_action(police, case=case)
    opened_version = action.version
    client_for(colleague).post(
        f"/learning/actions/{action.id}/update",
        data={
            "version": str(opened_version),
            "status": "in_progress",
            "progress": "Colleague's update.",
            "submit": "y",
        },
    )
    response = client_for(officer).post(
        f"/learning/actions/{action.id}/update",
        data={"version": str(opened_version), "status": "in_progress", "progress": "My own words.", "submit": "y"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your changes have not been saved" in page
    assert "My own words." in page
    assert "<title>Error:" in page
    db.session.expire_all()
    assert [u.progress for u in action.updates][1:] == ["Colleague's update."]


def test_a_stale_edit_of_the_action_is_refused(client_for) -> None:
    case, police, _childrens, _officer = learning_case()
    action = make_action(police, case=case, title="Original title")
    opened = action.version
    client = client_for(inspectorate_inspector())
    first = client.post(
        f"/learning/actions/{action.id}/edit", data=_action_form(police.id, version=str(opened), title="First change")
    )
    assert first.status_code == 302
    second = client.post(
        f"/learning/actions/{action.id}/edit", data=_action_form(police.id, version=str(opened), title="Second change")
    )
    assert "Your changes have not been saved" in second.get_data(as_text=True)
    assert 'value="Second change"' in second.get_data(as_text=True)
    db.session.expire_all()
    assert action.title == "First change"


def test_the_link_to_the_standard_survives_a_new_version_of_the_standards(client_for) -> None:
    case, police, _childrens, _officer = learning_case()
    assessment = case.review.assessment
    old_version = assessment.standards_version
    old_standard = old_version.standards[1]
    old_heading, old_score = old_standard.heading, assessment.rating_for(old_standard).score
    action = make_action(police, case=case, standard_number=2)

    admin = make_user("admin", email="standards.admin@inspectorate.test")
    revised = copy_standards_version(old_version, "2027 revision", admin)
    update_standard_wording(revised.standards[1], title="A reworded standard", statement="New words.")
    publish_standards_version(revised)
    db.session.commit()

    db.session.expire_all()
    assert action.standard_id == old_standard.id
    assert action.standard.heading == old_heading
    assert action.standard.version_id == old_version.id
    assert action.rating.score == old_score
    page = client_for(inspectorate_inspector()).get(f"/learning/actions/{action.id}").get_data(as_text=True)
    assert old_heading in page and "A reworded standard" not in page
    assert old_version.name in page


def test_learning_with_actions_cannot_be_removed(client_for) -> None:
    case, police, _childrens, _officer = learning_case()
    item = compile_item(
        case, ItemDetails("Our own learning.", theme("Mental health"), LearningLevel.NATIONAL), inspectorate_inspector()
    )
    db.session.commit()
    action = make_action(police, case=case)
    action.learning_items = [item]
    db.session.commit()
    response = client_for(inspectorate_inspector()).post(f"/learning/items/{item.id}/remove", data={"submit": "y"})
    assert "This learning has actions" in response.get_data(as_text=True)
    assert db.session.get(LearningItem, item.id) is not None


def test_learning_and_actions_record_the_panel_they_were_agreed_at(client_for, monkeypatch) -> None:

    case, police, _childrens, _officer = learning_case()
    earlier = panel_for([case], starts_at=datetime(2026, 1, 10, 10, tzinfo=UTC), title="January panel")
    held = panel_for([case], starts_at=datetime(2026, 2, 10, 10, tzinfo=UTC), title="February panel")
    panel_for(
        [case], starts_at=datetime(2026, 3, 10, 10, tzinfo=UTC), title="Called-off panel", status=PanelStatus.CANCELLED
    )
    elsewhere = panel_for([], starts_at=datetime(2026, 2, 11, 10, tzinfo=UTC), title="Another panel")
    client = client_for(inspectorate_inspector())

    # The latest held panel is offered first; a cancelled one is not offered at all.
    form = client.get(f"/learning/cases/{case.id}/learning/new").get_data(as_text=True)
    assert re.search(rf'<option (selected value="{held.id}"|value="{held.id}" selected)>February panel', form)
    assert "Called-off panel" not in form and "Another panel" not in form
    with pytest.raises(Refused):
        compile_item(
            case,
            ItemDetails("Learning", theme("Mental health"), LearningLevel.LOCAL, panel=elsewhere),
            inspectorate_inspector(),
        )
    db.session.rollback()

    response = client.post(
        f"/learning/cases/{case.id}/learning/new",
        data={
            "description": "Learning agreed in January.",
            "theme_id": str(theme("Mental health").id),
            "level": "local",
            "panel_id": str(earlier.id),
            "submit": "y",
        },
    )
    assert response.status_code == 302
    item = db.session.scalar(db.select(LearningItem))
    assert item.panel == earlier

    # An action started from that learning starts at its panel.
    form = client.get(f"/learning/cases/{case.id}/actions/new?item={item.id}").get_data(as_text=True)
    assert re.search(rf'<option (selected value="{earlier.id}"|value="{earlier.id}" selected)>January panel', form)
    response = client.post(
        f"/learning/cases/{case.id}/actions/new",
        data=_action_form(police.id, learning_item_ids=[str(item.id)], panel_id=str(earlier.id)),
    )
    assert response.status_code == 302
    action = db.session.scalar(db.select(ActionRecord))
    assert action.panel == earlier
    page = client.get(f"/learning/actions/{action.id}").get_data(as_text=True)
    assert "Agreed at" in page and "January panel" in page

    assert action.reference in client.get(f"/learning/actions?panel={earlier.id}").get_data(as_text=True)
    assert action.reference not in client.get(f"/learning/actions?panel={held.id}").get_data(as_text=True)
    # The tracker's panel filter offers the latest panels with actions, and keeps one chosen from a link.
    tracker = client.get("/learning/actions").get_data(as_text=True)
    assert ">January panel, " in tracker and ">February panel, " not in tracker  # no actions there
    monkeypatch.setattr(tracker_module, "PANELS_OFFERED", 0)
    assert ">January panel, " not in client.get("/learning/actions?sort=title").get_data(as_text=True)
    chosen = client.get(f"/learning/actions?panel={earlier.id}").get_data(as_text=True)
    assert re.search(rf'<option (selected value="{earlier.id}"|value="{earlier.id}" selected)>January panel', chosen)
    panel_page = client.get(f"/learning/panels/{earlier.id}").get_data(as_text=True)
    assert case.reference in panel_page and "Learning agreed in January." in panel_page
    assert action.reference in panel_page
