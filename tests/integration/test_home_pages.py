"""Each person's home page is their to-do list: what to do next, each a link to where it is
done, and "Nothing to do" in plain words when so. Each domain's list costs one query."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient

from agencies.models import OrganisationKind, Role
from cases.models import Involvement
from extensions import db
from learning.todo import DUE_SOON_DAYS
from tests.conftest import make_organisation, make_user
from tests.factories import learning as learning_factories
from tests.factories.cases import invitation_of, make_case, today
from tests.factories.panels import panel_world
from tests.integration.test_query_counts import assert_statements_do_not_grow


def _home(client: FlaskClient) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(page: str, heading: str) -> str:
    """The HTML of one section of the home page."""
    match = re.search(rf"<h2[^>]*>{re.escape(heading)}</h2>(.*?)</section>", page, re.S)
    assert match, f"no section {heading!r}"
    return match.group(1)


def _links(html: str) -> list[tuple[str, str]]:
    return [
        (text.strip(), href)
        for href, text in re.findall(r'<a class="govuk-link[^"]*" href="([^"]+)">([^<]+)</a>', html)
    ]


def test_an_agency_member_sees_its_requests_panels_and_actions(client_for) -> None:
    world = panel_world()
    health_page = _home(client_for(world.health))
    requests = _links(_section(health_page, "Requests for information"))
    # Both requests await health's involvement, each a link to the request's page.
    assert (f"Confirm whether you were involved in {world.case.reference}", f"/cases/{world.case.id}") in requests
    assert (
        f"Confirm whether you were involved in {world.other_case.reference}",
        f"/cases/{world.other_case.id}",
    ) in requests
    assert "Reply by" in _section(health_page, "Requests for information")
    panels = _links(_section(health_page, "Panels awaiting your reply"))
    assert panels[0] == (f"Reply to the invitation to {world.panel.title}", f"/panels/{world.panel.id}/reply")
    assert "Nothing to do: no open action owned by Northshire NHS Foundation Trust" in health_page
    # No menu item or section about QA reports for a health trust.
    assert "New QA reports" not in health_page and ">QA reports<" not in health_page

    # The police have submitted: no request left; their colleague (not on the panel) has no reply to give.
    colleague_page = _home(client_for(world.police_colleague))
    assert "Nothing to do: Northshire Police has no request awaiting its involvement or return." in colleague_page
    assert "Nothing to do: you have answered every invitation." in colleague_page


def test_overdue_requests_come_first_and_say_so(client_for) -> None:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    officer = make_user(Role.AGENCY_MEMBER, police)
    later = make_case([police], reply_by=today() + timedelta(days=20))
    overdue = make_case([police], reply_by=today() + timedelta(days=10))
    overdue.reply_by = today() - timedelta(days=2)  # the reply-by date passed while waiting
    db.session.commit()
    section = _section(_home(client_for(officer)), "Requests for information")
    links = _links(section)
    assert [href for _text, href in links[:2]] == [f"/cases/{overdue.id}", f"/cases/{later.id}"]
    assert section.index("Overdue") < section.index(later.reference)


def test_a_return_under_way_asks_to_be_finished(client_for) -> None:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    officer = make_user(Role.AGENCY_MEMBER, police)
    case = make_case([police])
    agency_return = invitation_of(case, police).agency_return
    agency_return.involvement = Involvement.INVOLVED
    db.session.commit()
    assert f"Write your return on {case.reference}" in _home(client_for(officer))


def test_actions_due_soon_or_overdue_show_and_later_ones_do_not(client_for) -> None:
    police = learning_factories.organisation("Northshire Police")
    officer = learning_factories.member_of(police)
    overdue = learning_factories.make_action(police, title="Link repeat incidents", due_on=today() - timedelta(days=1))
    soon = learning_factories.make_action(police, title="Train the call handlers", due_on=today() + timedelta(days=7))
    learning_factories.make_action(police, title="Review the policy", due_on=today() + timedelta(DUE_SOON_DAYS + 5))
    section = _section(_home(client_for(officer)), "Actions due")
    assert _links(section)[:2] == [
        (f"{overdue.reference}: Link repeat incidents", f"/learning/actions/{overdue.id}"),
        (f"{soon.reference}: Train the call handlers", f"/learning/actions/{soon.id}"),
    ]
    assert "Overdue" in section and "Review the policy" not in section


def test_a_region_sees_the_reports_nobody_there_has_read(client_for) -> None:
    world = panel_world()
    review = world.case.review
    client = client_for(world.probation)
    section = _section(_home(client), "New QA reports")
    assert _links(section)[0] == (f"Read the QA report on {review.reference}", f"/reviews/{review.id}/qa-report")
    # A colleague reads it: it is no longer new for anyone in the region.
    colleague = make_user(Role.AGENCY_MEMBER, world.probation.organisation)
    assert client_for(colleague).get(f"/reviews/{review.id}/qa-report").status_code == 200
    assert "Nothing to do: nobody at North West Probation Region has a new QA report to read." in _home(client)


def test_the_inspector_sees_qa_work_cases_waiting_panels_and_actions(client_for) -> None:
    world = panel_world()
    page = _home(client_for(world.inspector))
    assert ("Open the QA dashboard", "/reviews/dashboard") in _links(_section(page, "Quality assurance"))
    waiting = _section(page, "Cases waiting on agencies")
    # The police have submitted; health has not, on either case.
    assert (f"{world.case.reference}: waiting on Northshire NHS Foundation Trust", f"/cases/{world.case.id}") in _links(
        waiting
    )
    assert "Northshire Police" not in waiting
    panels = _links(_section(page, "Panels to prepare"))
    assert (f"Prepare {world.panel.title}", f"/panels/{world.panel.id}") in panels
    assert "replies awaited" in _section(page, "Panels to prepare")
    assert "Nothing to do: no open action is overdue or due in the next four weeks." in page


def test_an_inspector_with_nothing_to_do_is_told_so(client_for) -> None:
    page = _home(client_for(make_user(Role.INSPECTOR)))
    assert "Nothing to do: every agency asked about an open case has sent its return." in page
    assert "Nothing to do: no panel is in draft, coming up or waiting for its outcome." in page


def test_the_home_page_costs_the_same_whatever_the_number_of_requests(client_for, count_queries) -> None:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    officer = make_user(Role.AGENCY_MEMBER, police)
    client = client_for(officer)

    def add_rows(n: int) -> list[str]:
        shown = []
        for _ in range(n):
            case = make_case([police])
            learning_factories.make_action(police, case=None, due_on=today(), title=f"Act on {case.reference}")
            shown += [case.reference, f"Act on {case.reference}"]
        return shown

    assert_statements_do_not_grow(count_queries, lambda: _home(client), add_rows)


def test_the_inspectors_home_costs_the_same_whatever_the_number_of_cases(client_for, count_queries) -> None:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    client = client_for(make_user(Role.INSPECTOR))

    def add_rows(n: int) -> list[str]:
        return [make_case([police]).reference for _ in range(n)]

    assert_statements_do_not_grow(count_queries, lambda: _home(client), add_rows)
