"""Records in a real browser: a report issued outside the portal last year is corrected with a
reason (and refused without one); the admin marks that year published from the annual summary;
after that the same correction is refused. Every page, and every error state, is checked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from agencies.models import Role
from extensions import db
from learning.rules import ReportingYear
from reviews import operations
from tests.conftest import make_user
from tests.e2e.harness import check_page, fill_date, follow, open_from_menu, sign_in, sign_out, submit
from tests.factories.cases import today
from tests.factories.reviews import assign, make_region, make_review, rate

pytestmark = pytest.mark.e2e


def test_an_issued_report_is_corrected_with_a_reason_then_its_year_is_published(page: Page) -> None:
    inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.example", full_name="Ian Inspector")
    make_user(Role.ADMIN, email="admin@inspectorate.example", full_name="Ada Admin")
    start_year = ReportingYear.containing(today()).start_year - 2  # a year long ended
    received = date(start_year, 6, 2)
    review = make_review(region=make_region("North West Probation Region"), received_on=received)
    rate(assign(review, inspector), [2, 2, 1, 1])
    operations.issue_report(
        review.assessment,
        version=review.assessment.version,
        actor=inspector,
        issued_on=received + timedelta(days=30),
        reason="Sent by email before the portal was in use",
    )
    db.session.commit()
    reference = review.reference

    sign_in(page, "inspector@inspectorate.example")
    page.goto(f"/reviews/{review.id}/edit")
    check_page(page, f"Change {reference}")
    fill_date(page, "Date the review was received", received - timedelta(days=1))
    submit(
        page,
        "Save review",
        "Enter the reason for changing the date received after the QA report was issued",
        title=f"Change {reference}",
    )
    page.get_by_label("Reason for the change").fill("The covering email shows it arrived a day earlier.")
    submit(page, "Save review", title=reference)
    timeline = page.get_by_role("main")
    expect(timeline).to_contain_text("Changed after the QA report was issued")
    expect(timeline).to_contain_text("The covering email shows it arrived a day earlier.")
    follow(page, page.get_by_role("link", name="View the QA report"), f"QA report on {reference}")
    expect(page.get_by_role("table", name="History of this report")).to_contain_text("arrived a day earlier")
    sign_out(page)

    sign_in(page, "admin@inspectorate.example")
    open_from_menu(
        page,
        "Annual summary",
        f"Annual summary {ReportingYear.containing(today()).label}",
    )
    follow(page, page.get_by_role("link", name="Mark a reporting year as published"), "Published reporting years")
    label = f"April {start_year} to March {start_year + 1}"
    page.get_by_role("button", name=f"Mark as published {label}").click()
    check_page(page, "Published reporting years")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("is published")
    expect(page.get_by_role("row", name=label)).to_contain_text("Published")
    sign_out(page)

    sign_in(page, "inspector@inspectorate.example")
    page.goto(f"/reviews/{review.id}/edit")
    check_page(page, f"Change {reference}")
    fill_date(page, "Date the review was received", received)
    page.get_by_label("Reason for the change").fill("Back to the first date.")
    message = (
        f"The figures for {start_year} to {start_year + 1} are published, so the date received of {reference} "
        "cannot change. An admin can reopen the year if the published figures must be corrected."
    )
    submit(page, "Save review", message, title=f"Change {reference}")
