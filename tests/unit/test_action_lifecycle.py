"""The action's state machine: every step from every status by everyone, allowed or refused,
checked against a table written out here by hand; the impact steps' conditions; RAG; dates."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from learning.lifecycle import (
    Actor,
    ImpactFacts,
    Rag,
    add_months,
    allowed,
    default_impact_review,
    rag,
    refusal,
    steps_open_to,
    target,
)
from learning.models import ActionEvent as E
from learning.models import ActionStatus as S

OWN, INS = Actor.OWNER, Actor.INSPECTOR

# (step, from, who) -> the status it leaves the action in. Anything not listed is refused.
ALLOWED = {
    (E.ACCEPT, S.PROPOSED, OWN): S.ACCEPTED,
    (E.ACCEPT, S.PROPOSED, INS): S.ACCEPTED,  # recorded on the owner's behalf (agreed in the room)
    (E.PROPOSE_CHANGE, S.PROPOSED, OWN): S.CHANGE_PROPOSED,
    (E.AGREE_CHANGE, S.CHANGE_PROPOSED, INS): S.ACCEPTED,
    (E.REFUSE_CHANGE, S.CHANGE_PROPOSED, INS): S.PROPOSED,
    (E.DECLINE, S.PROPOSED, OWN): S.DECLINED,
    (E.DECLINE, S.CHANGE_PROPOSED, OWN): S.DECLINED,
    (E.REOPEN, S.DECLINED, INS): S.PROPOSED,
    (E.UPDATE, S.ACCEPTED, OWN): S.IN_PROGRESS,
    (E.UPDATE, S.IN_PROGRESS, OWN): S.IN_PROGRESS,
    (E.UPDATE, S.ACCEPTED, INS): S.ACCEPTED,  # the inspector's note leaves the status alone
    (E.UPDATE, S.IN_PROGRESS, INS): S.IN_PROGRESS,
    (E.COMPLETE, S.ACCEPTED, OWN): S.AWAITING_SIGN_OFF,
    (E.COMPLETE, S.IN_PROGRESS, OWN): S.AWAITING_SIGN_OFF,
    (E.SIGN_OFF, S.AWAITING_SIGN_OFF, INS): S.SIGNED_OFF,
    (E.RETURN, S.AWAITING_SIGN_OFF, INS): S.IN_PROGRESS,
    (E.SET_IMPACT_DATE, S.SIGNED_OFF, INS): S.SIGNED_OFF,
    (E.IMPACT_EVIDENCE, S.SIGNED_OFF, OWN): S.SIGNED_OFF,
    (E.RECORD_IMPACT, S.SIGNED_OFF, INS): S.SIGNED_OFF,
}
DUE = ImpactFacts(review_due=True)
EVERY = list(itertools.product(E, S, [OWN, INS, None]))


@pytest.mark.parametrize(("event", "status", "actor"), EVERY, ids=lambda v: getattr(v, "value", str(v)))
def test_every_step_from_every_status_by_everyone(event: E, status: S, actor: Actor | None) -> None:
    expected = ALLOWED.get((event, status, actor)) if actor is not None else None
    if expected is None:
        assert refusal(event, status, actor, DUE) is not None
        assert not allowed(event, status, actor, DUE)
    else:
        assert refusal(event, status, actor, DUE) is None
        assert actor is not None and target(event, status, actor) == expected


def test_refusals_say_who_may_or_why_not() -> None:
    assert refusal(E.SIGN_OFF, S.AWAITING_SIGN_OFF, OWN) == "Only the Inspectorate can do this"
    assert refusal(E.COMPLETE, S.IN_PROGRESS, INS) == "Only the owner organisation can do this"
    assert refusal(E.SIGN_OFF, S.IN_PROGRESS, INS) == "This cannot be done to an action that is in progress"
    assert refusal(E.ACCEPT, S.PROPOSED, None) is not None


def test_the_owner_is_asked_for_impact_evidence_only_from_the_review_date() -> None:
    assert refusal(E.IMPACT_EVIDENCE, S.SIGNED_OFF, OWN, ImpactFacts()) is not None
    assert allowed(E.IMPACT_EVIDENCE, S.SIGNED_OFF, OWN, ImpactFacts(review_due=True))


def test_the_impact_is_recorded_once_the_date_has_come_or_the_owner_has_answered() -> None:
    assert not allowed(E.RECORD_IMPACT, S.SIGNED_OFF, INS, ImpactFacts())
    assert allowed(E.RECORD_IMPACT, S.SIGNED_OFF, INS, ImpactFacts(evidence_given=True))
    assert allowed(E.RECORD_IMPACT, S.SIGNED_OFF, INS, ImpactFacts(review_due=True))


@pytest.mark.parametrize("event", [E.SET_IMPACT_DATE, E.IMPACT_EVIDENCE, E.RECORD_IMPACT])
def test_nothing_changes_once_the_impact_is_recorded(event: E) -> None:
    for actor in (OWN, INS):
        assert not allowed(event, S.SIGNED_OFF, actor, ImpactFacts(recorded=True, review_due=True))


def test_the_steps_offered_follow_the_table() -> None:
    assert steps_open_to(S.PROPOSED, OWN) == [E.ACCEPT, E.PROPOSE_CHANGE, E.DECLINE]
    assert steps_open_to(S.PROPOSED, INS) == [E.ACCEPT]
    assert steps_open_to(S.CHANGE_PROPOSED, INS) == [E.AGREE_CHANGE, E.REFUSE_CHANGE]
    assert steps_open_to(S.AWAITING_SIGN_OFF, OWN) == []
    assert steps_open_to(S.AWAITING_SIGN_OFF, INS) == [E.SIGN_OFF, E.RETURN]
    assert steps_open_to(S.SIGNED_OFF, INS) == [E.SET_IMPACT_DATE]
    assert steps_open_to(S.SIGNED_OFF, None, DUE) == []


# --- dates and RAG ------------------------------------------------------------------------------


def test_the_impact_review_defaults_to_twelve_months_after_sign_off() -> None:
    assert default_impact_review(date(2026, 3, 5)) == date(2027, 3, 5)
    assert default_impact_review(date(2028, 2, 29)) == date(2029, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 2) == date(2027, 1, 30)


TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("due_in", "quiet_for", "expected"),
    [
        (-1, 0, Rag.OVERDUE),  # past its due date, however recently updated
        (0, 100, Rag.AT_RISK),  # due today and quiet for 60 days or more
        (30, 60, Rag.AT_RISK),
        (31, 200, Rag.ON_TRACK),  # not due within 30 days
        (30, 59, Rag.ON_TRACK),  # updated within 60 days
        (90, 0, Rag.ON_TRACK),
    ],
)
def test_rag(due_in: int, quiet_for: int, expected: Rag) -> None:
    due = TODAY + timedelta(days=due_in)
    assert rag(S.IN_PROGRESS, due, TODAY - timedelta(days=quiet_for), TODAY) == expected


@pytest.mark.parametrize("status", [S.AWAITING_SIGN_OFF, S.SIGNED_OFF, S.DECLINED])
def test_no_rag_for_an_action_that_is_not_open(status: S) -> None:
    assert rag(status, TODAY - timedelta(days=10), TODAY - timedelta(days=100), TODAY) is None


def test_rag_is_said_in_words_and_colour() -> None:
    assert [(r.label, r.tag_class) for r in Rag] == [
        ("On track", "govuk-tag--green"),
        ("At risk", "govuk-tag--orange"),
        ("Overdue", "govuk-tag--red"),
    ]
