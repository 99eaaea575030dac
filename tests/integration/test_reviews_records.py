"""Issued QA reports are records: after issue a review's date received and region change only
with a reason, shown on the review's timeline and in the report's history (page and PDF); a
change of region tells both regions through the outbox; once the year's figures are published
they do not change at all. An inspector can record a report issued outside the portal with its
real (earlier) date and a reason. A report whose deadline was extended shows both dates."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from html import unescape

import pypdf
import time_machine

from agencies.models import Role
from core.audit import AuditEvent
from extensions import db
from learning.rules import ReportingYear
from learning.summary.figures import year_figures
from notifications.models import OutboxMessage
from reviews import operations
from reviews.models import AssessmentStage, Review
from tests.conftest import make_user
from tests.factories.renders import download
from tests.factories.reviews import assign, issue, make_region, make_review, rate

NOW = datetime(2025, 6, 2, 11, 0, tzinfo=UTC)  # a Monday in the 2025/26 reporting year


def words(html: str) -> str:
    main = html.split("<main", 1)[1]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def pdf_words(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _edit(client, review: Review, **changes: object):  # type: ignore[no-untyped-def]
    data = {
        "version": review.version,
        "region_id": review.region_id,
        "offence_category_id": review.offence_category_id,
        "received_on": [str(review.received_on.day), str(review.received_on.month), str(review.received_on.year)],
        "summary": review.summary,
        "probation_extension": "unknown",
    }
    data.update(changes)  # type: ignore[arg-type]
    return client.post(f"/reviews/{review.id}/edit", data=data)


def _completed(region_name: str, received_on: date, inspector) -> Review:  # type: ignore[no-untyped-def]
    review = make_review(region=make_region(region_name), received_on=received_on)
    rate(assign(review, inspector), [2, 2, 1, 1])
    return review


def test_a_change_after_issue_needs_a_reason_tells_both_regions_and_stops_once_published(client_for) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.test")
        admin = make_user(Role.ADMIN, email="admin@inspectorate.test")
        north = make_region("North West Probation Region")
        north.contact_email = "sfo.team@northwest.example"
        wales = make_region("Wales Probation Region")
        north_reader = make_user(Role.AGENCY_MEMBER, north, email="reader@northwest.example")
        wales_reader = make_user(Role.AGENCY_MEMBER, wales, email="reader@wales.example")
        # Received in 2024/25, issued on 10 March 2025 (recorded now, after the event): late,
        # 15 working days from 3 February being 24 February.
        review = _completed("North West Probation Region", date(2025, 2, 3), inspector)
        operations.issue_report(
            review.assessment,
            version=review.assessment.version,
            actor=inspector,
            issued_on=date(2025, 3, 10),
            reason="Sent by email before the portal was in use",
        )
        db.session.commit()
        assert review.issued_on_time is False
        db.session.query(OutboxMessage).delete()
        db.session.commit()

        client = client_for(inspector)
        # The date received was typed wrongly: correcting it needs a reason.
        page = _edit(client, review, received_on=["24", "2", "2025"]).get_data(as_text=True)
        assert "<title>Error:" in page
        assert "Enter the reason for changing the date received after the QA report was issued" in page
        assert 'value="24"' in page  # what was typed is kept
        db.session.refresh(review)
        assert review.received_on == date(2025, 2, 3)

        response = _edit(
            client, review, received_on=["24", "2", "2025"], reason="The region's covering email gives 24 February."
        )
        assert response.status_code == 302
        db.session.refresh(review)
        assert review.received_on == date(2025, 2, 24)
        assert review.issued_on_time is True  # the timeliness follows the corrected record
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "review.corrected"))
        assert event.details["reason"] == "The region's covering email gives 24 February."
        assert event.details["changes"]["date received"] == {"before": "2025-02-03", "after": "2025-02-24"}
        assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0  # same region: nobody told

        timeline = words(client.get(f"/reviews/{review.id}").get_data(as_text=True))
        assert "Changed after the QA report was issued" in timeline
        assert "date received 3 February 2025 → 24 February 2025" in timeline
        assert "Reason: The region's covering email gives 24 February." in timeline

        # The region was wrong too: both regions are told, through the outbox.
        response = _edit(client, review, region_id=wales.id, reason="The offence was in Wales.")
        assert response.status_code == 302
        assert "Both regions have been told" in client.get(response.headers["Location"]).get_data(as_text=True)
        messages = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert {m.to_address for m in messages} == {
            "reader@northwest.example",
            "sfo.team@northwest.example",
            "reader@wales.example",
        }
        assert {m.template for m in messages} == {"reviews_qa_report_moved"}
        to_north = next(m for m in messages if m.to_address == "reader@northwest.example")
        assert "You can no longer read this report" in to_north.body_text and "/qa-report" not in to_north.body_text
        to_wales = next(m for m in messages if m.to_address == "reader@wales.example")
        assert f"/reviews/{review.id}/qa-report" in to_wales.body_text and review.reference in to_wales.subject
        assert client_for(north_reader).get(f"/reviews/{review.id}/qa-report").status_code == 404
        report = client_for(wales_reader).get(f"/reviews/{review.id}/qa-report")
        assert report.status_code == 200
        history = words(report.get_data(as_text=True))
        assert "History of this report" in history
        assert "Sent by email before the portal was in use" in history
        assert "region North West Probation Region → Wales Probation Region" in history
        assert "Reason: The offence was in Wales." in history
        pdf = pdf_words(download(client_for(wales_reader), f"/reviews/{review.id}/qa-report.pdf").data)
        assert "History of this report" in pdf and "The offence was in Wales." in pdf

        # The admin publishes 2024/25: its figures no longer change.
        assert client_for(admin).post("/reviews/reporting-years/2024/publish").status_code == 302
        db.session.refresh(review)
        page = _edit(client, review, region_id=north.id, reason="Back again").get_data(as_text=True)
        assert "<title>Error:" in page
        assert f"The figures for 2024 to 2025 are published, so the region of {review.reference} cannot change" in (
            unescape(page)
        )
        page = _edit(client, review, received_on=["25", "2", "2025"], reason="Another day").get_data(as_text=True)
        assert "The figures for 2024 to 2025 are published" in unescape(page)
        db.session.refresh(review)
        assert (review.region_id, review.received_on) == (wales.id, date(2025, 2, 24))
        # What decides no figure may still change, without a reason.
        assert _edit(client, review, summary="A clearer summary.").status_code == 302
        db.session.refresh(review)
        assert review.summary == "A clearer summary."


def test_a_report_issued_outside_the_portal_is_recorded_with_its_date_and_a_reason(client_for) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.test")
        region = make_region("North West Probation Region")
        make_user(Role.AGENCY_MEMBER, region, email="reader@northwest.example")
        review = _completed("North West Probation Region", date(2025, 3, 3), inspector)
        client = client_for(inspector)
        form = client.get(f"/reviews/{review.id}/issue").get_data(as_text=True)
        assert "Date the report was issued (optional)" in form

        def post(**data: object):  # type: ignore[no-untyped-def]
            return client.post(f"/reviews/{review.id}/issue", data={"version": review.assessment.version, **data})

        page = post(issued_on=["20", "3", "2025"]).get_data(as_text=True)
        assert "Enter the reason the report is recorded as issued on an earlier date" in page
        assert "<title>Error:" in page
        assert "must be today or in the past" in post(issued_on=["3", "6", "2025"], reason="x").get_data(as_text=True)
        assert "must be the same as or after the date the review was received" in post(
            issued_on=["28", "2", "2025"], reason="x"
        ).get_data(as_text=True)
        assert "must be a real date" in post(issued_on=["31", "2", "2025"], reason="x").get_data(as_text=True)
        db.session.refresh(review.assessment)
        assert review.assessment.stage == AssessmentStage.COMPLETE

        response = post(issued_on=["20", "3", "2025"], reason="Sent by email in March; catching up the portal.")
        assert response.status_code == 302
        assert "QA report issued as sent on 20 March 2025" in client.get(response.headers["Location"]).get_data(
            as_text=True
        )
        db.session.refresh(review.assessment)
        assert review.assessment.issued_on == date(2025, 3, 20)
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "qa_report.issued"))
        assert event.details["backdated"] is True
        assert event.details["reason"] == "Sent by email in March; catching up the portal."
        assert event.actor_email == "inspector@inspectorate.test"
        email = db.session.scalar(db.select(OutboxMessage))
        assert "It was sent on 20 March 2025 outside the portal" in email.body_text
        # It counts in the year of its real date, 2024/25, not this one.
        assert year_figures(ReportingYear(2024), NOW.date()).assured == 1
        assert year_figures(ReportingYear(2025), NOW.date()).assured == 0

        # Once 2024/25 is published, nothing more can be issued into it.
        admin = make_user(Role.ADMIN, email="admin@inspectorate.test")
        client_for(admin).post("/reviews/reporting-years/2024/publish")
        other = _completed("North West Probation Region", date(2025, 3, 4), inspector)
        page = client.post(
            f"/reviews/{other.id}/issue",
            data={"version": other.assessment.version, "issued_on": ["21", "3", "2025"], "reason": "Late entry"},
        ).get_data(as_text=True)
        assert "The figures for 2024 to 2025 are published" in unescape(page)
        # Issued today, it counts in this year, which is open.
        assert client.post(f"/reviews/{other.id}/issue", data={"version": other.assessment.version}).status_code == 302


def test_a_report_whose_deadline_was_extended_shows_both_dates_and_the_reason(client_for) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 6, 15, 11, 0, tzinfo=UTC), tick=False):
        inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.test")
        review = make_review(region=make_region("Wales Probation Region"), received_on=date(2026, 5, 1))
        assert review.due_on == date(2026, 5, 26)
        operations.extend_deadline(
            review, new_due_on=date(2026, 6, 9), reason="The review was resubmitted with new evidence.", actor=inspector
        )
        db.session.commit()
        issue(rate(assign(review, inspector), [2, 2, 2, 2]))
        client = client_for(inspector)
        page = words(client.get(f"/reviews/{review.id}/qa-report").get_data(as_text=True))
        expected = (
            "QA report due (15 working days) 26 May 2026 Deadline extended to 9 June 2026. "
            "Reason: The review was resubmitted with new evidence."
        )
        assert expected in page
        pdf = pdf_words(download(client, f"/reviews/{review.id}/qa-report.pdf").data)
        assert "26 May 2026" in pdf and "9 June 2026" in pdf
        assert "The review was resubmitted with new evidence." in pdf
        # Without an extension, one date: the 15 working days.
        plain = make_review(region=make_region("Wales Probation Region"), received_on=date(2026, 5, 5))
        issue(rate(assign(plain, inspector), [2, 2, 2, 2]))
        page = words(client.get(f"/reviews/{plain.id}/qa-report").get_data(as_text=True))
        assert "QA report due (15 working days) 27 May 2026 QA report issued" in page
        assert "Deadline extended" not in page


def test_a_sample_cannot_be_drawn_over_a_published_year(client_for) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.test")
        admin = make_user(Role.ADMIN, email="admin@inspectorate.test")
        make_review(region=make_region("Wales Probation Region"), received_on=date(2025, 3, 20))
        client_for(admin).post("/reviews/reporting-years/2024/publish")
        page = client_for(inspector).post(
            "/reviews/samples/new",
            data={
                "period_start": ["1", "3", "2025"],
                "period_end": ["31", "3", "2025"],
                "share_percent": "20",
                "confirmed": "yes",
            },
        )
        assert "The figures for 2024 to 2025 are published, so which of the reviews received in it were sampled" in (
            unescape(page.get_data(as_text=True))
        )
        assert (
            db.session.scalar(db.select(db.func.count()).select_from(Review).where(Review.status == "awaiting_sample"))
            == 1
        )


def test_the_timeline_names_people_by_name(client_for, inspector) -> None:
    from core import audit

    review = make_review()
    audit.record("review.updated", review, "Details changed", actor=inspector)
    db.session.commit()
    page = client_for(inspector).get(f"/reviews/{review.id}").get_data(as_text=True)
    assert f"by {inspector.full_name}" in page and f"by {inspector.email}" not in page
