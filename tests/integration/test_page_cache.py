"""The page cache (core/cache.py): a repeat view runs no page queries; any change to the data,
another person, another day or another query string renders afresh; reads do not invalidate;
and nothing per-response (CSRF token, CSP nonce) is ever kept."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import time_machine
from sqlalchemy import event, text, update

from agencies.models import Role
from core import audit
from core.cache import CSRF_HOLE, NONCE_HOLE, DataGeneration
from extensions import db
from reviews.models import Review
from tests.conftest import make_user
from tests.factories.reviews import make_review

REGISTER = "/reviews/"


def _references(client, path: str = REGISTER) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _generation() -> int:
    return db.session.scalar(db.select(DataGeneration.value))


@contextmanager
def _statements() -> Iterator[list[str]]:
    """The SQL run inside the block (unlike ``count_queries``, leaves the page cache alone)."""
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_a_repeat_view_runs_only_the_session_and_generation_queries(client_for, inspector) -> None:
    make_review(reference="SFO-2024-0001")
    client = client_for(inspector)
    with _statements() as cold:
        first = _references(client)
    with _statements() as warm:
        second = _references(client)
    assert "SFO-2024-0001" in first
    assert second == first.replace(_nonce(first), _nonce(second))  # the same page, with a fresh nonce
    assert len(warm) == 2 < len(cold), warm  # the signed-in person, then the data generation
    assert "data_generation" in warm[1]


def _nonce(page: str) -> str:
    return page.split('nonce="', 1)[1].split('"', 1)[0]


def test_any_change_shows_at_once(client_for, inspector) -> None:
    review = make_review(reference="SFO-2024-0001", summary="First summary")
    client = client_for(inspector)
    assert "SFO-2024-0002" not in _references(client)
    before = _generation()
    make_review(reference="SFO-2024-0002")
    assert _generation() > before
    assert "SFO-2024-0002" in _references(client)

    # A bulk UPDATE through the session counts as a change too.
    db.session.execute(update(Review).where(Review.id == review.id).values(reference="SFO-2024-0099"))
    db.session.commit()
    assert "SFO-2024-0099" in _references(client)


def test_a_rolled_back_change_leaves_the_generation_alone(app) -> None:
    before = _generation()
    make_review(reference="SFO-2024-0003", commit=False)
    db.session.flush()
    db.session.rollback()
    assert _generation() == before


def test_reading_is_not_a_change(app) -> None:
    review = make_review()
    before = _generation()
    with app.test_request_context():
        audit.record_read(review, "case_identifiers")
        db.session.commit()
        assert _generation() == before
        # ... except the reads a page shows: the review page counts the region's readings.
        audit.record("read.qa_report", review, "Read the QA report")
        db.session.commit()
        assert _generation() == before + 1
        audit.record("review.updated", review, "Changed a review")
        db.session.commit()
    assert _generation() == before + 2


def test_each_person_query_string_and_day_has_its_own_copy(client_for, inspector) -> None:
    make_review(reference="SFO-2024-0001")
    other = make_user(Role.INSPECTOR, email="other.inspector@test.example", full_name="Olive Other")
    mine = _references(client_for(inspector))
    theirs = _references(client_for(other))
    assert "Olive Other" in theirs and "Olive Other" not in mine
    filtered = _references(client_for(inspector), REGISTER + "?reference=nothing-like-it")
    assert "SFO-2024-0001" not in filtered
    with time_machine.travel(date(2030, 1, 2)):
        later = _references(client_for(inspector), "/reviews/dashboard")
    today = _references(client_for(inspector), "/reviews/dashboard")
    assert later != today


def test_each_response_gets_its_own_csrf_token_and_nonce(client_for, inspector, app) -> None:
    make_review(reference="SFO-2024-0001")
    client = client_for(inspector)
    _references(client)
    kept = [page for page in app.extensions["page_cache"]._entries.values() if "SFO-2024-0001" in page]
    assert len(kept) == 1 and CSRF_HOLE in kept[0] and NONCE_HOLE in kept[0]
    assert 'value="' + CSRF_HOLE in kept[0] and 'nonce="' + NONCE_HOLE in kept[0]
    page = _references(client)  # from the cache
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert CSRF_HOLE not in page and NONCE_HOLE not in page
    response = client.get(REGISTER)
    assert f"'nonce-{_nonce(response.get_data(as_text=True))}'" in response.headers["Content-Security-Policy"]
    # The token put back is this session's own: signing out with it works.
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_pages_with_a_message_to_show_are_not_kept(client_for, inspector, app) -> None:
    make_review(reference="SFO-2024-0001")
    client = client_for(inspector)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved once")]
    assert "Saved once" in _references(client)
    assert "Saved once" not in _references(client)  # shown once, never replayed from the cache


def test_the_audit_trail_shows_new_reads_at_once(client_for, admin, app) -> None:
    review = make_review()
    client = client_for(admin)
    assert "Looked at the report" not in _references(client, "/admin/audit")
    with app.test_request_context():
        audit.record_read(review, "qa_report", "Looked at the report")
        db.session.commit()
    assert "Looked at the report" in _references(client, "/admin/audit")


def test_the_access_check_runs_before_the_cache(client_for, app) -> None:
    admin = make_user(Role.ADMIN, email="cached.admin@test.example")
    client = client_for(admin)
    assert client.get("/admin/people").status_code == 200
    # A change made behind the session's back (no new generation): the cached page is still
    # there, but the person may no longer see it.
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE users SET role = 'inspector' WHERE id = :id"), {"id": admin.id})
    db.session.expire_all()  # as a new request's session would
    assert client.get("/admin/people").status_code == 403
