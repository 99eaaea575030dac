"""Drawing a sample from the register: the record, the coverage table, HMPPS marking, reproducibility."""

from __future__ import annotations

import re
from datetime import date, timedelta

from core.audit import AuditEvent
from extensions import db
from reviews import operations
from reviews.models import Assurance, Review, SampleDraw
from tests.factories.reviews import make_region, make_review

CATEGORIES = ["Murder", "Rape", "Manslaughter", "Arson endangering life", "Terrorism"]


def _population(size: int = 40, regions: int = 4, start: date = date(2024, 4, 1)) -> list[Review]:
    places = [make_region(f"Region {n} Probation Region") for n in range(regions)]
    return [
        make_review(
            region=places[n % regions],
            offence_category=CATEGORIES[n % len(CATEGORIES)],
            received_on=start + timedelta(days=n),
            commit=False,
        )
        for n in range(size)
    ]


def _form(start: date, end: date, **extra: object) -> dict[str, object]:
    return {
        "period_start": [str(start.day), str(start.month), str(start.year)],
        "period_end": [str(end.day), str(end.month), str(end.year)],
        "share_percent": "20",
        "confirmed": "yes",  # the check page's answer (test_a_draw_is_checked_before_it_is_made)
        **extra,
    }


def test_an_inspector_draws_a_recorded_stratified_sample(client_for, inspector) -> None:
    reviews = _population()
    rare = make_review(
        region=make_region("Wales Probation Region"),
        offence_category="Kidnapping or false imprisonment",
        received_on=date(2024, 4, 20),
        commit=False,
    )
    outside = make_review(received_on=date(2024, 8, 1), commit=False)
    db.session.commit()
    client = client_for(inspector)
    response = client.post(
        "/reviews/samples/new", data=_form(date(2024, 4, 1), date(2024, 6, 30), seed="4242", note="Quarter 1")
    )
    assert response.status_code == 302
    draw = db.session.scalar(db.select(SampleDraw))
    assert response.headers["Location"].endswith(f"/reviews/samples/{draw.id}")
    assert (draw.seed, draw.share_percent, draw.population_size, draw.note) == (4242, 20, 41, "Quarter 1")
    assert draw.drawn_by == inspector and draw.period_start == date(2024, 4, 1)
    picked = [e for e in draw.entries if e.selected]
    assert len(picked) == draw.sample_size >= 9  # 20% of 41, rounded up
    assert all(e.explanation for e in picked)
    assert {e.review_id for e in draw.entries} == {r.id for r in reviews} | {rare.id}
    # The rare region and category are covered, by the one review that has them.
    assert rare.assurance == Assurance.INSPECTORATE
    assert "the region Wales Probation Region" in rare.sample_entry.explanation
    # Everyone else in the population is marked for HMPPS; outside the period nothing changes.
    for review in reviews:
        db.session.refresh(review)
        assert review.assurance == (Assurance.INSPECTORATE if review.sample_entry.selected else Assurance.HMPPS)
    assert outside.assurance == Assurance.AWAITING_SAMPLE and outside.sample_entry is None
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "sample.drawn"))
    assert event.details["seed"] == 4242 and len(event.details["population"]) == 41

    page = client.get(f"/reviews/samples/{draw.id}").get_data(as_text=True)
    assert "Coverage" in page and "Not covered" not in page
    assert page.count("Covered") >= 10  # 5 regions + 6 categories
    assert re.search(r"Wales Probation Region</td>\s*<td[^>]*>1</td>\s*<td[^>]*>1</td>", page)
    assert "Marked for HMPPS assurance" in page
    review_page = client.get(f"/reviews/{rare.id}").get_data(as_text=True)
    assert "Sampled for Inspectorate QA" in review_page


def test_the_same_population_and_seed_give_the_same_sample() -> None:
    _population()
    db.session.commit()
    first = operations.draw_sample(
        period_start=date(2024, 4, 1), period_end=date(2024, 6, 30), share_percent=20, seed=99, note="", actor=None
    )
    chosen = {e.review_id for e in first.entries if e.selected}
    db.session.rollback()  # the same population again, untouched
    second = operations.draw_sample(
        period_start=date(2024, 4, 1), period_end=date(2024, 6, 30), share_percent=20, seed=99, note="", actor=None
    )
    assert {e.review_id for e in second.entries if e.selected} == chosen
    db.session.rollback()
    third = operations.draw_sample(
        period_start=date(2024, 4, 1), period_end=date(2024, 6, 30), share_percent=20, seed=100, note="", actor=None
    )
    assert {e.review_id for e in third.entries if e.selected} != chosen


def test_a_review_is_only_ever_in_one_draw(client_for, inspector) -> None:
    _population(size=10)
    db.session.commit()
    client = client_for(inspector)
    client.post("/reviews/samples/new", data=_form(date(2024, 4, 1), date(2024, 4, 30)))
    page = client.post("/reviews/samples/new", data=_form(date(2024, 4, 1), date(2024, 4, 30))).get_data(as_text=True)
    assert "No reviews received between 1 April 2024 and 30 April 2024 are awaiting a sample" in page
    assert db.session.scalar(db.select(db.func.count(SampleDraw.id))) == 1


def test_the_draw_form_explains_its_mistakes(client_for, inspector) -> None:
    client = client_for(inspector)
    page = client.post(
        "/reviews/samples/new",
        data={
            "period_start": ["1", "13", "2024"],
            "period_end": ["", "", ""],
            "share_percent": "20.5",
            "seed": "-3",
        },
    ).get_data(as_text=True)
    for message in (
        "Start of the period must be a real date",
        "Enter the end of the period",
        "The share must be a whole number from 1 to 100",
        "The seed must be a whole number from 0 to",
    ):
        assert message in page, message
    page = client.post(
        "/reviews/samples/new", data=_form(date(2024, 6, 1), date(2024, 5, 1), share_percent="0")
    ).get_data(as_text=True)
    assert "The share must be a whole number from 1 to 100" in page
    page = client.post("/reviews/samples/new", data=_form(date(2024, 6, 1), date(2024, 5, 1))).get_data(as_text=True)
    assert "The end of the period must be the same as or after its start" in page
    assert db.session.scalar(db.select(db.func.count(SampleDraw.id))) == 0


def test_the_draw_list_shows_what_awaits_a_sample(client_for, inspector) -> None:
    _population(size=3)
    db.session.commit()
    client = client_for(inspector)
    assert "3 reviews are awaiting a sample draw" in client.get("/reviews/samples").get_data(as_text=True)
    client.post("/reviews/samples/new", data=_form(date(2024, 4, 1), date(2024, 4, 30), seed="7"))
    page = client.get("/reviews/samples").get_data(as_text=True)
    assert "0 reviews are awaiting" in page and ">7<" in page


def test_a_draw_is_checked_before_it_is_made(client_for, inspector) -> None:
    _population(size=6)
    db.session.commit()
    client = client_for(inspector)
    answers = {**_form(date(2024, 4, 1), date(2024, 6, 30), note="Quarter 1"), "confirmed": ""}
    check = client.post("/reviews/samples/new", data=answers)
    page = check.get_data(as_text=True)
    assert check.status_code == 200 and "Check the sample before you draw it" in page
    assert "A draw cannot be undone" in page and "Quarter 1" in page
    assert db.session.scalar(db.select(db.func.count(SampleDraw.id))) == 0, "checking draws nothing"
    # The check page posts the same answers back, confirmed.
    posted = dict(re.findall(r'<input type="hidden" name="(?!csrf_token)([a-z_]+)" value="([^"]*)">', page))
    assert posted["confirmed"] == "yes" and posted["note"] == "Quarter 1"
    days = re.findall(r'<input type="hidden" name="period_start" value="(\d+)">', page)
    assert days == ["1", "4", "2024"]
    assert client.post("/reviews/samples/new", data={**answers, "confirmed": "yes"}).status_code == 302
    assert db.session.scalar(db.select(db.func.count(SampleDraw.id))) == 1
