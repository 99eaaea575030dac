"""Lists count only so far past the page shown: the cost of a page never grows with the table."""

from __future__ import annotations

import pytest

from core import pagination
from extensions import db
from reviews.models import Review
from tests.factories.reviews import make_review


@pytest.fixture
def six_reviews(app):
    for number in range(6):
        make_review(reference=f"SFO-2024-{number + 1:04d}")


@pytest.mark.parametrize(("page", "total_text", "pages"), [(1, "more than 3", 2), (2, "more than 5", 3), (3, "6", 3)])
def test_the_count_stops_a_little_past_the_page(app, six_reviews, monkeypatch, page, total_text, pages) -> None:
    monkeypatch.setattr(pagination, "COUNT_AHEAD", 3)
    with app.test_request_context(f"/reviews/?page={page}"):
        result = pagination.paginate(db.select(Review).order_by(Review.reference), per_page=2)
        assert [r.reference for r in result.items] == [f"SFO-2024-{n:04d}" for n in (2 * page - 1, 2 * page)]
        assert result.total_text == total_text
        assert result.pages == pages


def test_the_register_says_more_than_when_it_stops_counting(client_for, inspector, monkeypatch) -> None:
    monkeypatch.setattr(pagination, "COUNT_AHEAD", 30)
    for number in range(31):
        make_review(reference=f"SFO-2024-{number + 1:04d}", commit=False)
    db.session.commit()
    page = client_for(inspector).get("/reviews/").get_data(as_text=True)
    assert "More than 30 reviews in the register" in page
    assert "Showing 1 to 25 of more than 30" in page
