"""The action tracker: filters (owner, status, level, theme, overdue), sorting, pages, the CSV
download, and a statement count that does not grow with the rows shown."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from agencies.models import OrganisationKind, Role
from cases.themes import LearningLevel
from extensions import db
from learning.models import ActionStatus
from learning.tracker import CSV_COLUMNS
from tests.conftest import make_organisation, make_user
from tests.factories.cases import inspectorate_inspector, today
from tests.factories.learning import learning_case, make_action, member_of, organisation, theme
from tests.integration.test_query_counts import assert_statements_do_not_grow


def titles(page: str) -> list[str]:
    return re.findall(r'href="/learning/actions/\d+">([^<]+)</a>', page)


def _seed() -> None:
    police = organisation("Northshire Police")
    childrens = organisation("Northshire Children's Services", OrganisationKind.CHILDRENS_SERVICES)
    make_action(police, title="Alpha overdue", due_on=today() - timedelta(days=3), level=LearningLevel.LOCAL)
    make_action(
        police,
        title="Bravo completed late",
        due_on=today() - timedelta(days=9),
        level=LearningLevel.REGIONAL,
        theme_name="Mental health",
    ).status = ActionStatus.SIGNED_OFF
    make_action(
        childrens,
        title="Charlie later",
        due_on=today() + timedelta(days=40),
        level=LearningLevel.MULTI_AGENCY,
        theme_name="Child safeguarding",
    )
    db.session.commit()


def test_filters_and_sorting(client_for) -> None:
    _seed()
    client = client_for(inspectorate_inspector())
    police = organisation("Northshire Police")

    def shown(query: str) -> list[str]:
        response = client.get(f"/learning/actions?{query}")
        assert response.status_code == 200
        return titles(response.get_data(as_text=True))

    assert shown("") == ["Bravo completed late", "Alpha overdue", "Charlie later"]  # due date, earliest first
    assert shown("sort=due&direction=desc") == ["Charlie later", "Alpha overdue", "Bravo completed late"]
    assert shown("sort=title&direction=asc") == ["Alpha overdue", "Bravo completed late", "Charlie later"]
    assert shown(f"owner={police.id}") == ["Bravo completed late", "Alpha overdue"]
    assert shown("status=signed_off") == ["Bravo completed late"]
    assert shown("level=multi_agency") == ["Charlie later"]
    assert shown(f"theme={theme('Mental health').id}") == ["Bravo completed late"]
    assert shown("overdue=1") == ["Alpha overdue"]  # a completed action is never overdue
    assert shown(f"overdue=1&owner={police.id}&level=local") == ["Alpha overdue"]
    # Owners are found by part of their name: a list of every organisation would be too long.
    assert shown("owner_name=SHIRE%20POL") == ["Bravo completed late", "Alpha overdue"]
    assert shown("owner_name=children") == ["Charlie later"]
    assert "<strong>Owner:</strong> Northshire Police" in client.get(f"/learning/actions?owner={police.id}").get_data(
        as_text=True
    )

    page = client.get("/learning/actions?status=nonsense&owner=x1&sort=<script>").get_data(as_text=True)
    assert "The status filter was not understood and has been ignored" in page
    assert "The owner filter was not understood" in page
    assert titles(page) == ["Bravo completed late", "Alpha overdue", "Charlie later"]
    assert "<script>" not in page.split("<main")[1]


def test_the_tracker_pages_25_at_a_time(client_for) -> None:
    police = organisation("Northshire Police")
    for number in range(27):
        make_action(police, title=f"Action {number:02d}", due_on=today() + timedelta(days=number))
    client = client_for(inspectorate_inspector())
    first = client.get("/learning/actions").get_data(as_text=True)
    assert len(titles(first)) == 25 and "Showing 1 to 25 of 27" in first
    second = client.get("/learning/actions?page=2").get_data(as_text=True)
    assert titles(second) == ["Action 25", "Action 26"]


def test_the_csv_has_every_matching_action_and_its_columns(client_for) -> None:
    case, police, _childrens, officer = learning_case()
    make_action(police, case=case, title="Linked to standard 2", standard_number=2)
    _seed()
    response = client_for(inspectorate_inspector()).get(f"/learning/actions.csv?owner={police.id}&sort=title")
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert list(rows[0].keys()) == CSV_COLUMNS
    assert [row["Action"] for row in rows] == ["Alpha overdue", "Bravo completed late", "Linked to standard 2"]
    linked = rows[2]
    assert linked["Owner"] == "Northshire Police"
    assert linked["Case reference"] == case.reference
    assert linked["Standard"].startswith("Standard 2: ")
    assert linked["Rating"] == "Requires improvement"  # the factory's scores are 2, 1, 2, 1
    assert rows[0]["Overdue"] == "Yes" and rows[1]["Overdue"] == "No"
    assert rows[1]["Status"] == "Signed off"
    assert (rows[0]["On track, at risk or overdue"], rows[1]["On track, at risk or overdue"]) == ("Overdue", "")


def test_the_tracker_statement_count_does_not_grow_with_rows(client_for, count_queries) -> None:
    client = client_for(make_user(Role.INSPECTOR, email="counting@inspectorate.test"))

    def add_rows(n: int) -> list[str]:
        made = []
        for _ in range(n):
            owner = make_organisation(OrganisationKind.HEALTH)
            case, _police, _childrens, _officer = learning_case() if not made else (None, None, None, None)
            action = make_action(owner, case=case, standard_number=1 if case else None)
            made.append(action.title)
        return made

    def fetch() -> str:
        response = client.get("/learning/actions")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert_statements_do_not_grow(count_queries, fetch, add_rows, n=4)


def test_an_organisation_sees_its_actions_by_status_with_what_is_due_next_and_downloads_them(client_for) -> None:
    _seed()
    police = organisation("Northshire Police")
    proposed = make_action(police, title="Delta proposed", due_on=today() + timedelta(days=10), accepted=False)
    client = client_for(member_of(police))
    page = client.get(f"/learning/organisations/{police.id}/actions").get_data(as_text=True)
    # Grouped by status, in the order of an action's life; due next lists the open ones, soonest first.
    assert page.index("Proposed (1)") < page.index("Accepted (1)") < page.index("Signed off (1)")
    due_next = page[page.index("Due next") : page.index("Proposed (1)")]
    assert due_next.index("Alpha overdue") < due_next.index("Delta proposed") and "Bravo" not in due_next
    assert "Charlie later" not in page  # the children's services' action
    response = client.get(f"/learning/organisations/{police.id}/actions.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    by_title = {row["Action"]: row for row in rows}
    assert set(by_title) == {"Alpha overdue", "Bravo completed late", "Delta proposed"}
    assert by_title["Alpha overdue"]["On track, at risk or overdue"] == "Overdue"
    assert by_title["Alpha overdue"]["Days until due (negative: overdue)"] == "-3"
    assert by_title["Delta proposed"]["Status"] == "Proposed" and by_title["Delta proposed"]["Due date"] == (
        proposed.due_on.isoformat()
    )
