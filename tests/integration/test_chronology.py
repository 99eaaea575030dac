"""The merged chronology of a case, through the pages: rows, order, agencies, counts, filters,
possible duplicates and the inspector's links (recorded, audited, undone), gaps, significant
rows, named and anonymised views, the CSV, rows from the SFO review, and its query count."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from agencies.models import Role
from cases.chronology.models import CasePerson, ChronologyAddedRow, ChronologyDecision
from cases.chronology.rules import PersonRole
from core.audit import AuditEvent
from extensions import db
from tests.conftest import make_user
from tests.factories.chronology import OverlapWorld, overlap_world
from tests.integration.test_query_counts import assert_statements_do_not_grow


@pytest.fixture
def world() -> OverlapWorld:
    return overlap_world()


def page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def chronology_table(html: str) -> str:
    return html.split('id="chronology"', 1)[1]


def audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_the_case_page_links_to_the_merged_chronology(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    for person in (world.inspector, world.police_member):
        html = page(client_for(person), f"/cases/{world.case.id}")
        assert f'href="/cases/{world.case.id}/chronology"' in html and "Merged chronology" in html


def test_every_submitted_row_in_date_order_naming_its_agency(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    html = page(client_for(world.inspector), f"/cases/{world.case.id}/chronology")
    table = chronology_table(html)
    order = [
        "5 January 2025",
        "10 March 2025",
        "11 March 2025",
        "2 June 2025",
        "1 December 2025",
    ]
    positions = [table.index(day) for day in order]
    assert positions == sorted(positions)
    assert "Northshire Police" in table and "Northshire Children&#39;s Services" in table
    # The health trust's draft never appears, and is not counted.
    assert "DRAFT health contact" not in html
    assert "Northshire NHS Trust" not in table
    # Rows per agency.
    counts = html.split("Contacts by agency", 1)[1].split("</table>", 1)[0]
    assert re.search(r"Northshire Police</th>\s*<td[^>]*>3</td>", counts)
    assert re.search(r"Children&#39;s Services</th>\s*<td[^>]*>2</td>", counts)


def test_filters_by_agency_and_date_work_without_javascript(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.inspector)
    url = f"/cases/{world.case.id}/chronology"
    police_only = chronology_table(page(client, f"{url}?agency={world.police.id}"))
    assert "5 January 2025" in police_only and "1 December 2025" not in police_only
    in_march = chronology_table(page(client, f"{url}?start=1&start=3&start=2025&end=31&end=3&end=2025"))
    assert "10 March 2025" in in_march and "11 March 2025" in in_march
    assert "5 January 2025" not in in_march and "2 June 2025" not in in_march
    # A 'to' before the 'from' is a GOV.UK error, and what was typed stays.
    response = client.get(f"{url}?start=1&start=4&start=2025&end=1&end=3&end=2025")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html and "<title>Error:" in html
    assert "must be the same as or after" in html and 'value="2025"' in html


def test_possible_duplicates_are_marked_and_the_inspector_links_them(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.inspector)
    url = f"/cases/{world.case.id}/chronology"
    html = page(client, url)
    assert "Possibly the same event as" in html
    first = re.search(r'name="first" value="(\w+)"', html)
    second = re.search(r'name="second" value="(\w+)"', html)
    assert first and second
    response = client.post(
        f"{url}/decisions", data={"first": first.group(1), "second": second.group(1), "decision": "same"}
    )
    assert response.status_code == 302
    decision = db.session.scalar(db.select(ChronologyDecision))
    assert decision is not None and decision.same_event and decision.decided_by_id == world.inspector.id
    assert audits("chronology.rows_linked")
    linked = chronology_table(page(client, url))
    assert "Linked as one event" in linked and "10 March 2025 to 11 March 2025" in linked
    assert "Possibly the same event as" not in linked
    # Deciding the same pair again is refused with a message, not a 500.
    again = client.post(
        f"{url}/decisions", data={"first": first.group(1), "second": second.group(1), "decision": "distinct"}
    )
    assert again.status_code == 302
    assert db.session.scalar(db.select(db.func.count(ChronologyDecision.id))) == 1
    # Undone: possibly the same event again, and the undo is audited.
    assert client.post(f"/cases/chronology/decisions/{decision.id}/undo").status_code == 302
    assert db.session.scalar(db.select(db.func.count(ChronologyDecision.id))) == 0
    assert audits("chronology.decision_undone")
    assert "Possibly the same event as" in page(client, url)
    # Kept distinct: no longer asked about, not linked.
    client.post(f"{url}/decisions", data={"first": first.group(1), "second": second.group(1), "decision": "distinct"})
    html = page(client, url)
    assert "Possibly the same event as" not in html and "Linked as one event" not in chronology_table(html)
    assert audits("chronology.rows_kept_distinct")


def test_agencies_cannot_decide_about_rows(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    response = client_for(world.police_member).post(
        f"/cases/{world.case.id}/chronology/decisions", data={"first": "r1", "second": "r2", "decision": "same"}
    )
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count(ChronologyDecision.id))) == 0


def test_gaps_longer_than_the_setting_are_shown(app, client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.inspector)
    table = chronology_table(page(client, f"/cases/{world.case.id}/chronology"))
    assert "no contact from any agency for 5 months and 29 days, from 2 June 2025 to 1 December 2025" in table
    app.config["CHRONOLOGY_GAP_MONTHS"] = 6
    try:
        table = chronology_table(page(client, f"/cases/{world.case.id}/chronology"))
        assert "no contact from any agency" not in table
    finally:
        app.config["CHRONOLOGY_GAP_MONTHS"] = 3


def test_significant_rows_stand_out(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    table = chronology_table(page(client_for(world.inspector), f"/cases/{world.case.id}/chronology"))
    row = table.split("10 March 2025", 1)[1].split("</tr>", 1)[0]
    assert "govuk-!-font-weight-bold" in row and ">Significant</strong>" in row


def test_names_are_replaced_by_roles_unless_the_named_view_is_asked_for(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.inspector)
    form = {"role": "victim", "name": "Alice Smith"}
    assert client.post(f"/cases/{world.case.id}/people", data=form).status_code == 302
    client.post(f"/cases/{world.case.id}/people", data={"role": "child", "name": "Ben Smith"})
    assert db.session.scalar(db.select(db.func.count(CasePerson.id))) == 2
    assert [e.details for e in audits("case.person_named")][0] == {"role": "victim", "person_id": 1}
    anonymised = chronology_table(page(client, f"/cases/{world.case.id}/chronology"))
    assert "the subject shouting at Victim 1" in anonymised and "Child A was at home" in anonymised
    assert "Jordan" not in anonymised and "Alice" not in anonymised and "Ben" not in anonymised
    reads_before = len(audits("read.case_chronology_named"))
    named = chronology_table(page(client, f"/cases/{world.case.id}/chronology/named"))
    assert "Jordan Testperson shouting at Alice Smith" in named
    assert len(audits("read.case_chronology_named")) == reads_before + 1
    # Audited on every view, not only the first (never answered from the page cache).
    page(client, f"/cases/{world.case.id}/chronology/named")
    assert len(audits("read.case_chronology_named")) == reads_before + 2


def test_the_csv_holds_the_same_rows_formula_safe_with_dates_and_numbers_as_data(
    client_for, world: OverlapWorld
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.inspector)
    response = client.get(f"/cases/{world.case.id}/chronology.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Event", "Date", "Agency", "What happened"]
    assert [row[1] for row in body] == ["2025-01-05", "2025-03-10", "2025-03-11", "2025-06-02", "2025-12-01"]
    assert [row[0] for row in body] == ["1", "2", "3", "4", "5"]
    injected = next(row for row in body if "HYPERLINK" in row[3])
    assert injected[3].startswith("'=")
    assert "Jordan" not in response.get_data(as_text=True)  # the anonymised CSV
    assert audits("read.case_chronology")
    named = client.get(f"/cases/{world.case.id}/chronology/named.csv").get_data(as_text=True)
    assert "Jordan Testperson" in named and audits("read.case_chronology_named")
    filtered = client.get(f"/cases/{world.case.id}/chronology.csv?agency={world.council.id}").get_data(as_text=True)
    assert filtered.count("\r\n") == 3  # the header and the council's two rows


def test_the_inspector_adds_changes_and_removes_rows_from_the_sfo_review(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.inspector)
    empty = client.post(f"/cases/{world.case.id}/chronology/rows/new", data={})
    assert empty.status_code == 200 and "Enter the date of the contact" in empty.get_data(as_text=True)
    form = {
        "happened_on": ["9", "3", "2025"],
        "what_happened": "Supervision appointment: domestic abuse not discussed.",
        "significance": "",
        "significant": "y",
        "source": "The SFO review",
    }
    assert client.post(f"/cases/{world.case.id}/chronology/rows/new", data=form).status_code == 302
    row = db.session.scalar(db.select(ChronologyAddedRow))
    assert row is not None and row.significant and row.organisation_id == world.case.review.region_id
    table = chronology_table(page(client, f"/cases/{world.case.id}/chronology"))
    assert "Supervision appointment" in table and "(the sfo review)" in table.lower()
    # The probation row is within a day of the police visit: possibly the same event.
    assert table.count("Possibly the same event as") >= 2
    form["what_happened"] = "Supervision appointment."
    form["version"] = str(row.version)
    assert client.post(f"/cases/chronology/rows/{row.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert row.what_happened == "Supervision appointment."
    assert client.post(f"/cases/chronology/rows/{row.id}/remove").status_code == 302
    assert db.session.scalar(db.select(ChronologyAddedRow)) is None
    assert [
        e.action for e in db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.like("chronology.row_%")))
    ] == [
        "chronology.row_added",
        "chronology.row_changed",
        "chronology.row_removed",
    ]


def test_the_page_costs_the_same_queries_with_more_rows(client_for, count_queries) -> None:  # type: ignore[no-untyped-def]
    from cases.returns.operations import ChronologyRow
    from tests.factories.chronology import write_chronology

    world = overlap_world()
    inspector = make_user(Role.INSPECTOR)
    client = client_for(inspector)
    returns = [world.police_return, world.council_return]
    counter = iter(range(1, 1000))

    def add_rows(n: int) -> list[str]:
        texts = []
        for agency_return in returns:
            from cases.returns.operations import reopen_return

            reopen_return(agency_return, "More rows", inspector)
            db.session.flush()
            rows = [ChronologyRow(e.happened_on, e.what_happened, e.significance) for e in agency_return.chronology]
            for _ in range(n):
                number = next(counter)
                text = f"Contact text {number:03d}"
                rows.append(ChronologyRow(date(2024, 1 + number % 12, 1 + number % 27), text, ""))
                texts.append(text)
            member = world.police_member if agency_return is world.police_return else world.council_member
            write_chronology(agency_return, member, rows, submit=True)
        return texts

    def fetch() -> str:
        return page(client, f"/cases/{world.case.id}/chronology")

    assert_statements_do_not_grow(count_queries, fetch, add_rows, n=4)


def test_people_of_the_anonymisation_map_are_recorded_by_the_inspector_only(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    police = client_for(world.police_member)
    assert police.get(f"/cases/{world.case.id}/people").status_code == 403
    assert police.post(f"/cases/{world.case.id}/people", data={"role": "victim", "name": "X"}).status_code == 403
    inspector = client_for(world.inspector)
    empty = inspector.post(f"/cases/{world.case.id}/people", data={})
    assert "Select who this is" in empty.get_data(as_text=True)
    inspector.post(f"/cases/{world.case.id}/people", data={"role": "victim", "name": "Alice Smith"})
    person = db.session.scalar(db.select(CasePerson))
    assert person is not None and person.role == PersonRole.VICTIM
    assert "Alice Smith" in page(inspector, f"/cases/{world.case.id}/people")
    assert audits("read.case_people")
    assert inspector.post(f"/cases/people/{person.id}/remove").status_code == 302
    assert db.session.scalar(db.select(CasePerson)) is None
