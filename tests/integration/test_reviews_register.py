"""The review register: the list (filters, sorting, paging, query count), a review's page,
adding and changing reviews, extensions, and offence categories."""

from __future__ import annotations

import re
from datetime import date, timedelta

import time_machine

from core.audit import AuditEvent
from extensions import db
from reviews.models import Assurance, OffenceCategory, Review
from tests.factories.reviews import assign, category, issued_review, make_region, make_review, rate


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _references(html: str) -> list[str]:
    return re.findall(r">(SFO-\d{4}-\d{4})</a>", html)


def test_inspector_adds_a_review_and_gets_the_next_reference(client_for, inspector) -> None:
    region = make_region("Wales Probation Region")
    make_review(region=region, received_on=date(2024, 3, 1), reference="SFO-2024-0041")
    response = client_for(inspector).post(
        "/reviews/new",
        data={
            "region_id": region.id,
            "offence_category_id": category("Rape").id,
            "received_on": ["17", "12", "2021"],
            "offence_on": ["2", "9", "2021"],
            "charged_on": ["5", "9", "2021"],
            "author_role": "Senior Probation Officer",
            "summary": "A review of supervision.",
        },
    )
    assert response.status_code == 302
    review = db.session.scalar(db.select(Review).where(Review.received_on == date(2021, 12, 17)))
    assert review.reference == "SFO-2021-0001"
    assert review.due_on == review.target_due_on == date(2022, 1, 12)  # 15 working days, Christmas 2021
    assert review.assurance == Assurance.AWAITING_SAMPLE
    event = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "review.created", AuditEvent.object_id == str(review.id))
    )
    assert event.object_type == "Review" and event.actor_email == inspector.email

    page = _page(client_for(inspector).get(f"/reviews/{review.id}"))
    assert "SFO-2021-0001" in page and "Wales Probation Region" in page and "12 January 2022" in page
    assert "Added to the register" in page  # the timeline
    assert "moj-timeline" in page

    # The year's numbering continues from the highest reference already used.
    client_for(inspector).post(
        "/reviews/new",
        data={
            "region_id": region.id,
            "offence_category_id": category("Rape").id,
            "received_on": ["1", "6", "2024"],
            "summary": "Another.",
        },
    )
    assert (
        db.session.scalar(db.select(Review.reference).where(Review.received_on == date(2024, 6, 1))) == "SFO-2024-0042"
    )


def test_the_review_form_explains_every_mistake_and_keeps_what_was_typed(client_for, inspector) -> None:
    region = make_region("Wales Probation Region")
    page = _page(
        client_for(inspector).post(
            "/reviews/new",
            data={
                "reference": "ABC-1",
                "region_id": region.id,
                "offence_category_id": "0",
                "received_on": ["31", "2", "2024"],
                "offence_on": ["", "3", "2024"],
                "charged_on": ["1", "1", "24"],
                "author_role": "Head of <script>alert(1)</script>",
                "summary": "",
            },
        )
    )
    assert page.count("govuk-error-summary") >= 1 and "<title>Error: Add a review" in page
    for message in (
        "Enter a reference like SFO-2024-0012",
        "Select the offence category",
        "Date received must be a real date",
        "Date of the offence must include a day",
        "Year must include 4 numbers",
        "Enter a short summary of the review",
    ):
        assert message in page, message
    assert "<script>alert(1)</script>" not in page
    assert "Head of &lt;script&gt;" in page  # what was typed comes back, escaped
    assert 'value="31"' in page and 'value="ABC-1"' in page
    assert db.session.scalar(db.select(db.func.count(Review.id))) == 0


def test_dates_that_cannot_all_be_true_are_refused(client_for, inspector) -> None:
    region = make_region("Wales Probation Region")
    future = date.today() + timedelta(days=30)
    page = _page(
        client_for(inspector).post(
            "/reviews/new",
            data={
                "region_id": region.id,
                "offence_category_id": category().id,
                "received_on": [str(future.day), str(future.month), str(future.year)],
                "offence_on": ["5", "5", "2023"],
                "charged_on": ["1", "5", "2023"],
                "summary": "x",
            },
        )
    )
    assert "Date received must be today or in the past" in page
    assert "Date of charge must be the same as or after the date of the offence" in page


def test_a_duplicate_reference_is_refused(client_for, inspector) -> None:
    review = make_review(reference="SFO-2024-0007")
    page = _page(
        client_for(inspector).post(
            "/reviews/new",
            data={
                "reference": "sfo-2024-0007",
                "region_id": review.region_id,
                "offence_category_id": category().id,
                "received_on": ["1", "5", "2024"],
                "summary": "x",
            },
        )
    )
    assert "Reference SFO-2024-0007 is already in the register" in page


def test_a_region_must_be_a_probation_region(client_for, inspector) -> None:
    from agencies.models import OrganisationKind
    from tests.conftest import make_organisation

    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    db.session.commit()
    page = _page(
        client_for(inspector).post(
            "/reviews/new",
            data={
                "region_id": police.id,
                "offence_category_id": category().id,
                "received_on": ["1", "5", "2024"],
                "summary": "x",
            },
        )
    )
    assert "Select the probation region" in page and "Not a valid choice" not in page
    page = _page(
        client_for(inspector).post(
            "/reviews/new",
            data={
                "region_id": "abc",
                "offence_category_id": "<script>",
                "received_on": ["1", "5", "2024"],
                "summary": "x",
            },
        )
    )
    assert "Select the probation region" in page and "Select the offence category" in page
    assert "could not coerce" not in page
    assert db.session.scalar(db.select(db.func.count(Review.id))) == 0


def test_editing_a_review_is_audited_and_moves_the_due_date(client_for, inspector) -> None:
    review = make_review(received_on=date(2022, 4, 14))
    assert review.due_on == date(2022, 5, 10)  # Easter 2022
    client = client_for(inspector)
    form = _page(client.get(f"/reviews/{review.id}/edit"))
    assert 'name="reference"' not in form  # the reference never changes
    response = client.post(
        f"/reviews/{review.id}/edit",
        data={
            "version": review.version,
            "region_id": review.region_id,
            "offence_category_id": category("Arson endangering life").id,
            "received_on": ["29", "2", "2024"],
            "summary": "Corrected summary",
        },
    )
    assert response.status_code == 302
    db.session.refresh(review)
    assert review.offence_category.name == "Arson endangering life"
    assert review.due_on == date(2024, 3, 21)  # leap day
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "review.updated"))
    assert event.details["changes"]["offence category"] == {"before": "Murder", "after": "Arson endangering life"}


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(client_for, inspector) -> None:
    review = make_review()
    opened_at = review.version
    client_for(inspector).post(
        f"/reviews/{review.id}/edit",
        data={
            "version": opened_at,
            "region_id": review.region_id,
            "offence_category_id": review.offence_category_id,
            "received_on": ["1", "5", "2024"],
            "summary": "First person's summary",
        },
    )
    page = _page(
        client_for(inspector).post(
            f"/reviews/{review.id}/edit",
            data={
                "version": opened_at,
                "region_id": review.region_id,
                "offence_category_id": review.offence_category_id,
                "received_on": ["1", "5", "2024"],
                "summary": "Second person's summary",
            },
        )
    )
    assert "Your changes have not been saved" in page and "<title>Error:" in page
    assert "Second person&#39;s summary" in page or "Second person's summary" in page
    db.session.refresh(review)
    assert review.summary == "First person's summary"


def test_an_extension_needs_a_reason_and_a_later_date_and_is_audited(client_for, inspector) -> None:
    review = make_review(received_on=date(2024, 5, 1))
    client = client_for(inspector)
    page = _page(
        client.post(
            f"/reviews/{review.id}/extend",
            data={"version": review.version, "new_due_on": ["1", "5", "2024"], "reason": ""},
        )
    )
    assert "Enter the reason for the extension" in page
    page = _page(
        client.post(
            f"/reviews/{review.id}/extend",
            data={"version": review.version, "new_due_on": ["1", "5", "2024"], "reason": "Resubmitted"},
        )
    )
    assert "The new due date must be after the current one, 23 May 2024" in page
    response = client.post(
        f"/reviews/{review.id}/extend",
        data={
            "version": review.version,
            "new_due_on": ["5", "6", "2024"],
            "reason": "The region resubmitted the review",
        },
    )
    assert response.status_code == 302
    db.session.refresh(review)
    # 15 working days from 1 May 2024 skip the early May bank holiday (Monday 6 May).
    assert review.due_on == date(2024, 6, 5) and review.target_due_on == date(2024, 5, 23)
    assert review.extensions[0].reason == "The region resubmitted the review"
    assert review.extensions[0].previous_due_on == date(2024, 5, 23)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "review.deadline_extended"))
    assert event.details == {
        "previous_due_on": "2024-05-23",
        "new_due_on": "2024-06-05",
        "reason": "The region resubmitted the review",
    }
    page = _page(client.get(f"/reviews/{review.id}"))
    assert "Deadline extended" in page and "The region resubmitted the review" in page


@time_machine.travel(date(2024, 6, 12), tick=False)
def test_the_list_filters_by_region_category_status_and_due(client_for, inspector) -> None:
    north = make_region("North West Probation Region")
    wales = make_region("Wales Probation Region")
    overdue = make_review(region=north, received_on=date(2024, 4, 2), reference="SFO-2024-0001")  # due 24 April
    this_week = make_review(
        region=wales, offence_category="Rape", received_on=date(2024, 5, 23), reference="SFO-2024-0002"
    )  # due 14 June 2024
    hmpps = make_review(
        region=wales, received_on=date(2024, 4, 2), reference="SFO-2024-0003", assurance=Assurance.HMPPS
    )
    done = issued_review(region=north, received_on=date(2024, 4, 3), reference="SFO-2024-0004")
    client = client_for(inspector)

    def listed(query: str) -> set[str]:
        return set(_references(_page(client.get("/reviews/?" + query))))

    assert listed("") == {"SFO-2024-0001", "SFO-2024-0002", "SFO-2024-0003", "SFO-2024-0004"}
    assert listed(f"region={wales.id}") == {"SFO-2024-0002", "SFO-2024-0003"}
    assert listed(f"category={category('Rape').id}") == {"SFO-2024-0002"}
    assert listed("status=hmpps") == {"SFO-2024-0003"}
    assert listed("status=issued") == {"SFO-2024-0004"}
    assert listed("status=awaiting_sample") == {"SFO-2024-0001", "SFO-2024-0002"}
    assert listed("due=overdue") == {"SFO-2024-0001"}
    assert listed("due=this_week") == {"SFO-2024-0002"}
    assert listed("reference=0003") == {"SFO-2024-0003"}
    assert listed(f"region={north.id}&due=overdue") == {"SFO-2024-0001"}
    del overdue, this_week, hmpps, done


def test_the_list_sorts_both_ways(client_for, inspector) -> None:
    make_review(received_on=date(2024, 1, 5), reference="SFO-2024-0003", region=make_region("A Probation Region"))
    make_review(received_on=date(2024, 3, 5), reference="SFO-2024-0001", region=make_region("C Probation Region"))
    make_review(received_on=date(2024, 2, 5), reference="SFO-2024-0002", region=make_region("B Probation Region"))
    client = client_for(inspector)
    assert _references(_page(client.get("/reviews/"))) == ["SFO-2024-0001", "SFO-2024-0002", "SFO-2024-0003"]
    assert _references(_page(client.get("/reviews/?sort=received&direction=asc"))) == [
        "SFO-2024-0003",
        "SFO-2024-0002",
        "SFO-2024-0001",
    ]
    assert _references(_page(client.get("/reviews/?sort=reference&direction=asc"))) == [
        "SFO-2024-0001",
        "SFO-2024-0002",
        "SFO-2024-0003",
    ]
    page = _page(client.get("/reviews/?sort=region&direction=desc"))
    assert _references(page) == ["SFO-2024-0001", "SFO-2024-0002", "SFO-2024-0003"]
    assert 'aria-sort="descending"' in page


def test_hostile_query_strings_are_ignored_not_errors(client_for, inspector) -> None:
    make_review()
    client = client_for(inspector)
    for query in (
        "region=abc",
        "status=<script>",
        "due=%0d%0a",
        "sort=password&direction=sideways",
        "page=-4",
        "reference=%25%25%25",
        "region=99999999999999999999",
        "category=1%200",
    ):
        page = _page(client.get("/reviews/?" + query))
        assert "<script>" not in page.split("</head>", 1)[1].replace('<script type="module"', "")


def test_the_list_pages_and_its_query_count_does_not_grow_with_rows(client_for, inspector, count_queries) -> None:
    client = client_for(inspector)
    regions = [make_region(f"Region {n} Probation Region") for n in range(3)]
    for n in range(3):
        review = make_review(region=regions[n % 3], received_on=date(2024, 1, 1) + timedelta(days=n))
        rate(assign(review), [2, 2, 1, None], complete=False)
    client.get("/reviews/")  # warm up
    db.session.expire_all()  # nothing already loaded may hide a query
    with count_queries() as few:
        _page(client.get("/reviews/"))
    for n in range(30):
        review = make_review(
            region=regions[n % 3],
            received_on=date(2023, 1, 1) + timedelta(days=n),
            offence_category=["Murder", "Rape", "Manslaughter"][n % 3],
        )
        if n % 2:
            rate(assign(review), [3, 2, 2, 1])
    db.session.expire_all()
    with count_queries() as many:
        page = _page(client.get("/reviews/"))
    assert many.count <= few.count, (few.statements, many.statements)
    assert len(_references(page)) == 25 and "Showing 1 to 25 of 33" in page
    assert len(_references(_page(client.get("/reviews/?page=2")))) == 8


def test_admin_edits_the_offence_categories(client_for, admin, inspector) -> None:
    client = client_for(admin)
    page = _page(client.get("/reviews/offence-categories"))
    for name in (
        "Murder",
        "Attempted murder",
        "Manslaughter",
        "Other offence causing death",
        "Rape",
        "Sexual offence against a child under 13",
        "Other serious sexual offence",
        "Serious violence",
        "Arson endangering life",
        "Kidnapping or false imprisonment",
        "Terrorism",
    ):
        assert name in page
    assert client.post("/reviews/offence-categories/new", data={"name": "Stalking"}).status_code == 302
    assert "already exists" in _page(client.post("/reviews/offence-categories/new", data={"name": "stalking"}))
    terrorism = category("Terrorism")
    assert (
        client.post(
            f"/reviews/offence-categories/{terrorism.id}", data={"name": "Terrorism offence", "active": "no"}
        ).status_code
        == 302
    )
    db.session.refresh(terrorism)
    assert terrorism.name == "Terrorism offence" and not terrorism.active
    # A closed category is not offered for new reviews, but the list still reads it.
    form = _page(client_for(inspector).get("/reviews/new"))
    assert "Stalking" in form and "Terrorism offence" not in form
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "offence_category.updated")).details[
        "before"
    ] == {"name": "Terrorism", "active": True}
    assert db.session.scalar(db.select(db.func.count(OffenceCategory.id))) == 12


def test_the_offence_category_seeder_leaves_an_edited_list_alone() -> None:
    from reviews.seed import seed_offence_categories

    murder = category("Murder")
    murder.name = "Murder (renamed)"
    db.session.commit()
    seed_offence_categories()
    assert db.session.scalar(db.select(OffenceCategory).where(OffenceCategory.name == "Murder")) is None


def test_a_reference_taken_in_the_same_moment_is_a_message_not_a_crash(client_for, inspector, monkeypatch) -> None:
    from reviews import operations

    review = make_review(reference="SFO-2024-0007")
    # As if the other person's review was saved between our check and our commit.
    monkeypatch.setattr(operations, "reference_taken", lambda *_a, **_k: False)
    page = _page(
        client_for(inspector).post(
            "/reviews/new",
            data={
                "reference": "SFO-2024-0007",
                "region_id": review.region_id,
                "offence_category_id": category().id,
                "received_on": ["1", "5", "2024"],
                "summary": "Typed summary",
            },
        )
    )
    assert "Someone added a review with this reference at the same moment" in page
    assert "Typed summary" in page
    assert db.session.scalar(db.select(db.func.count(Review.id))) == 1
