"""An action seen through to impact: proposed to its owner, a change proposed and refused, then
agreed; completed, signed off; on the impact review date the owner is asked (once for each
date), answers with evidence, and the inspector records the impact. Old actions migrate."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import time_machine

from extensions import db
from learning.models import ActionImpact, ActionStatus
from learning.reminders import send_due_impact_requests
from notifications.models import OutboxMessage
from tests.factories import files
from tests.factories.cases import inspectorate_inspector, today
from tests.factories.learning import learning_case, make_action


def _date(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _subjects(like: str) -> list[OutboxMessage]:
    return list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.subject.like(like))))


def test_a_change_is_proposed_refused_proposed_again_and_agreed(client_for) -> None:
    case, police, _childrens, officer = learning_case()
    action = make_action(police, case=case, accepted=False, due_on=today() + timedelta(days=30))
    owner, inspector = client_for(officer), client_for(inspectorate_inspector())
    page = owner.get(f"/learning/actions/{action.id}").get_data(as_text=True)
    assert "Accept the action" in page and "Propose a change to the action" in page and "Decline the action" in page

    # Nothing changed: refused, with what was typed kept.
    response = owner.post(
        f"/learning/actions/{action.id}/propose-change",
        data={"version": str(action.version), "reason": "Our budget year", "submit": "y"},
    )
    html = response.get_data(as_text=True)
    assert "Enter the new wording or a new due date" in html and "Our budget year" in html
    later = today() + timedelta(days=120)
    response = owner.post(
        f"/learning/actions/{action.id}/propose-change",
        data={
            "version": str(action.version),
            "reason": "Our budget year",
            "proposed_due_on": _date(later),
            "submit": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (action.status, action.proposed_due_on, action.change_reason) == (
        ActionStatus.CHANGE_PROPOSED,
        later,
        "Our budget year",
    )
    assert [m.to_address for m in _subjects("%proposes a change")] == [inspectorate_inspector().email]
    assert "Our budget year" in inspector.get(f"/learning/actions/{action.id}").get_data(as_text=True)

    response = inspector.post(
        f"/learning/actions/{action.id}/refuse-change",
        data={"version": str(action.version), "reason": "The panel needs it sooner.", "submit": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (action.status, action.proposed_due_on) == (ActionStatus.PROPOSED, None)
    refused = _subjects("%change is not agreed")
    assert [m.to_address for m in refused] == [officer.email] and "The panel needs it sooner." in refused[0].body_text

    owner.post(
        f"/learning/actions/{action.id}/propose-change",
        data={
            "version": str(action.version),
            "reason": "Two months is enough",
            "proposed_wording": "Link repeat incidents in the control room.",
            "proposed_due_on": _date(today() + timedelta(days=60)),
            "submit": "y",
        },
    )
    db.session.expire_all()
    response = inspector.post(
        f"/learning/actions/{action.id}/agree-change", data={"version": str(action.version), "submit": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (action.status, action.due_on, action.what_will_change) == (
        ActionStatus.ACCEPTED,
        today() + timedelta(days=60),
        "Link repeat incidents in the control room.",
    )
    assert [u.event.value for u in action.updates] == [
        "propose_change",
        "refuse_change",
        "propose_change",
        "agree_change",
    ]
    # A step on a stale form is refused, and a step the status does not allow is not offered.
    response = inspector.post(
        f"/learning/actions/{action.id}/agree-change", data={"version": str(action.version - 1), "submit": "y"}
    )
    assert response.status_code == 302  # no longer change proposed: back to the action with a word
    assert inspector.get(f"/learning/actions/{action.id}/sign-off").status_code == 302


def test_signed_off_then_the_impact_is_asked_for_once_answered_and_recorded(client_for) -> None:
    case, police, _childrens, officer = learning_case()
    start = datetime(2026, 3, 2, 10, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        action = make_action(police, case=case)
        action.status = ActionStatus.AWAITING_SIGN_OFF
        db.session.commit()
        inspector = client_for(inspectorate_inspector())
        response = inspector.post(
            f"/learning/actions/{action.id}/sign-off",
            data={"version": str(action.version), "review_on": ["", "", ""], "submit": "y"},
        )
        assert response.status_code == 302
        db.session.expire_all()
        assert (action.status, action.impact_review_on) == (ActionStatus.SIGNED_OFF, date(2027, 3, 2))
        owner = client_for(officer)
        # Too early for the owner's impact evidence, and for recording the impact.
        assert owner.get(f"/learning/actions/{action.id}/impact-evidence").status_code == 302
        assert inspector.get(f"/learning/actions/{action.id}/impact").status_code == 302
        # The inspector brings the review forward.
        response = inspector.post(
            f"/learning/actions/{action.id}/impact-date",
            data={"version": str(action.version), "review_on": _date(date(2026, 9, 1)), "submit": "y"},
        )
        assert response.status_code == 302
        db.session.expire_all()
        assert action.impact_review_on == date(2026, 9, 1)

    def sweep(moment: datetime) -> int:
        with time_machine.travel(moment, tick=False):
            asked = send_due_impact_requests(datetime.now(UTC))
            db.session.commit()
            return asked

    assert sweep(datetime(2026, 8, 31, 10, tzinfo=UTC)) == 0
    assert sweep(datetime(2026, 9, 1, 10, tzinfo=UTC)) == 1
    assert sweep(datetime(2026, 9, 2, 10, tzinfo=UTC)) == 0  # once for each review date
    asked = _subjects("%has it made the difference intended?")
    assert [m.to_address for m in asked] == [officer.email]

    with time_machine.travel(datetime(2026, 9, 3, 10, tzinfo=UTC), tick=False):
        owner = client_for(officer)
        response = owner.post(
            f"/learning/actions/{action.id}/impact-evidence",
            data={
                "version": str(action.version),
                "reason": "Repeat incidents are now linked in every case.",
                "evidence": "Audit of 40 incidents, August.",
                "evidence_files": [(io.BytesIO(files.pdf("Audit")), "impact-audit.pdf")],
                "submit": "y",
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        assert _subjects("%impact evidence from%")[0].to_address == inspectorate_inspector().email
        inspector = client_for(inspectorate_inspector())
        html = inspector.post(
            f"/learning/actions/{action.id}/impact", data={"version": str(action.version), "submit": "y"}
        ).get_data(as_text=True)
        assert "Choose whether the action achieved the impact intended" in html
        response = inspector.post(
            f"/learning/actions/{action.id}/impact",
            data={"version": str(action.version), "impact": "partly", "reason": "Nights still lag.", "submit": "y"},
        )
        assert response.status_code == 302
        db.session.expire_all()
        assert (action.impact, action.impact_recorded_on) == (ActionImpact.PARTLY, date(2026, 9, 3))
        page = inspector.get(f"/learning/actions/{action.id}").get_data(as_text=True)
        assert "Impact: partly achieved" in page and "impact-audit.pdf" in page
        assert "Repeat incidents are now linked in every case." in page
        # Recorded: nothing more to do on it.
        assert inspector.get(f"/learning/actions/{action.id}/impact-date").status_code == 302
        assert owner.get(f"/learning/actions/{action.id}/impact-evidence").status_code == 302
