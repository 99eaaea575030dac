"""The query-count guard: a page's SQL statement count must not grow with the rows it shows.

Each list page is rendered with N rows and again with 3N (all on the first page), counting
the statements of the second, warm request each time; any growth is an N+1 (a lazy load per
row). To guard a new page, add one ``Listing`` to ``LISTINGS``: its path, who views it, and a
function that adds ``n`` rows and returns a text per row that the page must show (so the
test cannot pass on a page that shows nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from agencies.models import OrganisationKind, Role, User
from core import audit
from extensions import db
from tests.conftest import make_organisation, make_user

AddRows = Callable[[int], list[str]]


def statements_for(count_queries, fetch: Callable[[], str]) -> tuple[int, str]:
    """(statements, page text) for a warm ``fetch``: the first call fills caches, the second counts."""
    fetch()
    db.session.expire_all()  # nothing the test loaded may stand in for a query the page makes
    with count_queries() as counter:
        text = fetch()
    return counter.count, text


def assert_statements_do_not_grow(
    count_queries,
    fetch: Callable[[], str],
    add_rows: AddRows,
    n: int = 4,
) -> int:
    """Fail if rendering 3n rows takes more statements than rendering n. Returns the count."""
    shown = add_rows(n)
    db.session.commit()
    few, text = statements_for(count_queries, fetch)
    missing = [row for row in shown if row not in text]
    assert not missing, f"the page does not show the rows it was given: {missing}"
    shown += add_rows(2 * n)
    db.session.commit()
    many, text = statements_for(count_queries, fetch)
    missing = [row for row in shown if row not in text]
    assert not missing, f"the page does not show all {3 * n} rows on its first page: {missing}"
    assert many == few, f"{few} statements with {n} rows but {many} with {3 * n}: a query per row (N+1)"
    return few


# --- the pages guarded ---------------------------------------------------------------------


def _people(n: int) -> list[str]:
    """People in different organisations, so a lazy load of each one's organisation would show."""
    names = []
    for _ in range(n):
        organisation = make_organisation(OrganisationKind.HEALTH)
        person = make_user(Role.AGENCY_MEMBER, organisation, full_name=f"Listed {organisation.name}")
        names.append(person.full_name)
    return names


def _audit_events(n: int) -> list[str]:
    """Events by different people about different objects."""
    summaries = []
    for _ in range(n):
        actor = make_user(Role.INSPECTOR)
        summary = f"Looked at the record of {actor.email}"
        audit.record("person.viewed", actor, summary, actor=actor)
        summaries.append(summary)
    return summaries


def _organisations(n: int) -> list[str]:
    return [make_organisation(OrganisationKind.POLICE).name for _ in range(n)]


@dataclass(frozen=True)
class Listing:
    path: str
    viewer: Role
    add_rows: AddRows


LISTINGS: dict[str, Listing] = {
    "people": Listing("/admin/people", Role.ADMIN, _people),
    "audit trail": Listing("/admin/audit", Role.ADMIN, _audit_events),
    "organisations": Listing("/admin/organisations", Role.ADMIN, _organisations),
}


@pytest.mark.parametrize("name", LISTINGS)
def test_list_page_statements_do_not_grow_with_rows(name: str, client_for, count_queries) -> None:
    listing = LISTINGS[name]
    client: FlaskClient = client_for(make_user(listing.viewer))

    def fetch() -> str:
        response = client.get(listing.path)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert_statements_do_not_grow(count_queries, fetch, listing.add_rows)


def test_the_guard_catches_a_query_per_row(count_queries) -> None:
    """A 'page' that loads each row's organisation separately must fail the guard."""

    def naive_page() -> str:
        people = db.session.scalars(db.select(User).where(User.full_name.like("Listed %"))).all()
        lines = []
        for person in people:
            organisation_name = db.session.execute(
                db.text("SELECT name FROM organisations WHERE id = :id"), {"id": person.organisation_id}
            ).scalar()
            lines.append(f"{person.full_name} ({organisation_name})")
        return "\n".join(lines)

    with pytest.raises(AssertionError, match="a query per row"):
        assert_statements_do_not_grow(count_queries, naive_page, _people)


def test_the_guard_refuses_a_page_that_shows_nothing(count_queries) -> None:
    with pytest.raises(AssertionError, match="does not show the rows"):
        assert_statements_do_not_grow(count_queries, lambda: "", _people)


def test_a_reviews_actions_do_not_cost_a_query_each(client_for, count_queries) -> None:
    """The review page lists the actions answering its QA ratings, each naming its prompt."""
    from learning.operations import ActionDetails, create_action
    from tests.factories import learning as factories

    review = factories.assessed_review()
    assessment = review.assessment
    prompts = iter(
        [
            (standard, prompt)
            for standard in assessment.standards_version.standards
            for question in standard.key_questions
            for prompt in question.prompts[:1]
        ]
    )
    inspector = make_user(Role.INSPECTOR)
    police = factories.organisation("Query Count Police")

    def add_actions(n: int) -> list[str]:
        titles = []
        for _ in range(n):
            standard, prompt = next(prompts)  # each from another key question
            title = f"Answer prompt {prompt.label}"
            create_action(
                ActionDetails(
                    title=title,
                    what_will_change="Referrals within a day.",
                    owner=police,
                    level=factories.LearningLevel.LOCAL,
                    theme=factories.theme("Information sharing"),
                    due_on=factories.today(),
                    evidence_measure="An audit.",
                    assessment=assessment,
                    standard=standard,
                    prompt=prompt,
                ),
                inspector,
            )
            titles.append(title)
        return titles

    client = client_for(inspector)

    def fetch() -> str:
        response = client.get(f"/reviews/{review.id}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert_statements_do_not_grow(count_queries, fetch, add_actions, n=2)
