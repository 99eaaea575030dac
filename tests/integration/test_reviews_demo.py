"""The demo reviews: about 40 over the last 18 months, in every state, the same on every run."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine

from agencies.models import User
from agencies.seed import seed_demo_organisations_and_people
from extensions import db
from reviews.models import (
    Assessment,
    PromptAnswer,
    Review,
    ReviewExtension,
    ReviewStatus,
    SampleDraw,
    SampleDrawEntry,
    StandardRating,
)
from reviews.seed import seed_demo_reviews

TODAY = date(2025, 3, 12)


def _snapshot() -> list[tuple[object, ...]]:
    reviews = db.session.scalars(db.select(Review).order_by(Review.reference)).all()
    return [
        (
            r.reference,
            r.region.name,
            r.offence_category.name,
            r.received_on,
            r.status,
            r.due_on,
            r.assessment.scores if r.assessment else None,
            r.assessment.issued_on if r.assessment else None,
        )
        for r in reviews
    ]


def _remove_demo_reviews() -> None:
    for model in (PromptAnswer, StandardRating, Assessment, ReviewExtension, SampleDrawEntry, SampleDraw, Review):
        db.session.execute(db.delete(model))
    db.session.commit()


@time_machine.travel(TODAY, tick=False)
def test_the_demo_has_reviews_in_every_state_and_is_idempotent_and_deterministic(client_for) -> None:
    seed_demo_organisations_and_people("demo password for tests")
    created = seed_demo_reviews()
    db.session.commit()
    reviews = db.session.scalars(db.select(Review)).all()
    assert 35 <= len(reviews) <= 45
    assert all(re.fullmatch(r"SFO-\d{4}-\d{4}", r.reference) for r in reviews)
    assert min(r.received_on for r in reviews) >= TODAY - timedelta(days=548)
    assert len({r.region_id for r in reviews}) >= 5 and len({r.offence_category_id for r in reviews}) >= 6
    statuses = {r.status for r in reviews}
    assert statuses == set(ReviewStatus), statuses
    issued = [r for r in reviews if r.status == ReviewStatus.ISSUED]
    assert any(r.issued_on_time for r in issued) and any(r.issued_on_time is False for r in issued)
    assert any(r.extensions for r in issued)
    assert any(r.is_overdue(TODAY) for r in reviews)
    assert db.session.scalar(db.select(db.func.count(SampleDraw.id))) == 2

    # The probation demo account reads its region's reports.
    probation = db.session.scalar(db.select(User).where(User.email == "probation@probation.example"))
    mine = [r for r in issued if r.region_id == probation.organisation_id]
    assert mine
    client = client_for(probation)
    assert mine[0].reference in client.get("/reviews/reports").get_data(as_text=True)
    assert client.get(f"/reviews/{mine[0].id}/qa-report").status_code == 200

    # The inspector's pages hold it all without error.
    inspector = db.session.scalar(db.select(User).where(User.email == "inspector@inspectorate.example"))
    staff = client_for(inspector)
    for path in [
        "/reviews/dashboard",
        "/reviews/",
        "/reviews/samples",
        f"/reviews/samples/{reviews[0].sample_entry.draw_id}",
    ] + [f"/reviews/{r.id}" for r in reviews]:
        assert staff.get(path).status_code == 200, path
    page = staff.get(f"/reviews/{issued[0].id}").get_data(as_text=True)
    assert "Sampled for Inspectorate QA" in page and "QA report issued" in page
    # A complete demo assessment reads as complete on its task list: every standard done.
    complete = next(r for r in reviews if r.status == ReviewStatus.COMPLETE)
    tasks = staff.get(f"/reviews/{complete.id}/assessment").get_data(as_text=True)
    assert "You have completed 4 of 4 sections" in tasks and "In progress" not in tasks

    snapshot = _snapshot()
    assert seed_demo_reviews() == []  # idempotent
    db.session.commit()
    assert _snapshot() == snapshot

    _remove_demo_reviews()
    assert seed_demo_reviews()  # the same again from nothing
    db.session.commit()
    assert _snapshot() == snapshot
    assert created


@pytest.mark.parametrize("today", [date(2024, 12, 24), date(2026, 1, 2), date(2026, 11, 26)])
def test_every_state_is_there_whatever_the_day(today: date) -> None:
    with time_machine.travel(today, tick=False):
        seed_demo_organisations_and_people("demo password for tests")
        seed_demo_reviews()
        db.session.commit()
        assert {r.status for r in db.session.scalars(db.select(Review))} == set(ReviewStatus)


def test_the_demo_leaves_a_register_without_the_demo_organisations_alone() -> None:
    assert seed_demo_reviews() == []
    assert db.session.scalar(db.select(db.func.count(Review.id))) == 0
