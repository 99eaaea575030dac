"""Importing references already in the register: the preview says exactly what would change,
nothing changes until confirmed, and ratings in a re-import are applied (never dropped); a
change to an issued report needs a reason and is recorded as a correction."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from html import unescape

import time_machine

from core.audit import AuditEvent
from extensions import db
from learning.rules import ReportingYear
from learning.summary.figures import year_figures
from notifications.models import OutboxMessage
from reviews.models import Assurance, Review, ReviewStatus
from tests.conftest import make_user
from tests.factories.reviews import make_region, make_review

NOW = datetime(2025, 6, 2, 11, 0, tzinfo=UTC)
HEADER = [
    "reference",
    "region",
    "offence_category",
    "received_on",
    "standard_1_rating",
    "standard_2_rating",
    "standard_3_rating",
    "standard_4_rating",
    "standard_2_feedback",
    "qa_issued_on",
]


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _preview(client, data: bytes) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    response = client.post(
        "/reviews/import", data={"file": (io.BytesIO(data), "history.csv")}, content_type="multipart/form-data"
    )
    location = response.headers["Location"]
    return location, client.get(location).get_data(as_text=True)


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1])).split())


ORIGINAL = [
    ["SFO-2024-0001", "North West Probation Region", "Murder", "2024-05-01", "2", "2", "2", "1", "", "2024-05-15"],
    ["SFO-2024-0002", "North West Probation Region", "Rape", "2024-06-03", "1", "1", "1", "1", "", "2024-06-17"],
    ["SFO-2024-0003", "Wales Probation Region", "Murder", "2024-07-01", "2", "2", "2", "2", "", "2024-07-12"],
]


def test_a_re_import_that_changes_ratings_is_previewed_then_applied_with_a_reason(client_for) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        make_region("North West Probation Region")
        wales = make_region("Wales Probation Region")
        make_user("agency_member", wales, email="reader@wales.example")
        client = client_for(make_user("inspector", email="analyst@inspectorate.test"))
        location, _page = _preview(client, _csv(ORIGINAL))
        client.post(location + "/confirm")
        assert year_figures(ReportingYear(2024), NOW.date()).overall.counts[2] == 2  # two Good

        changed = [
            # ratings corrected: Good (7) becomes Requires improvement (5), with feedback on standard 2
            [
                "SFO-2024-0001",
                "North West Probation Region",
                "Murder",
                "2024-05-01",
                "2",
                "1",
                "1",
                "1",
                "Too brief.",
                "",
            ],
            # the same as held: unchanged (a blank issue date changes nothing)
            ["SFO-2024-0002", "North West Probation Region", "Rape", "2024-06-03", "1", "1", "1", "1", "", ""],
            # moved to Wales and re-rated Outstanding
            ["SFO-2024-0003", "Wales Probation Region", "Murder", "2024-07-01", "3", "3", "3", "2", "", ""],
        ]
        changed[0][1] = "Wales Probation Region"  # and the first was Wales's all along
        location, page = _preview(client, _csv(changed))
        text = words(page)
        assert "Reviews to update 2" in text and "Already in the register, unchanged (skipped) 1" in text
        assert "Region: North West Probation Region → Wales Probation Region" in text
        assert "Standard 2 rating: Good → Requires improvement" in text
        assert "Standard 3 rating: Good → Requires improvement" in text
        assert "Standard 2 feedback: none → as in the file" in text
        assert "Standard 1 rating: Good → Outstanding" in text
        assert "Reason for the changes" in text  # issued reports: a reason is asked for
        assert "Update 2 reviews" in text
        # Nothing has changed yet.
        db.session.expire_all()
        first = db.session.scalar(db.select(Review).where(Review.reference == "SFO-2024-0001"))
        assert first.assessment.scores == [2, 2, 2, 1] and first.region.name == "North West Probation Region"

        page = client.post(location + "/confirm", data={"reason": ""}).get_data(as_text=True)
        assert "Enter the reason for the changes" in page and "<title>Error:" in page
        db.session.expire_all()
        assert db.session.scalar(db.select(Review).where(Review.reference == "SFO-2024-0001")).assessment.scores == [
            2,
            2,
            2,
            1,
        ]

        response = client.post(location + "/confirm", data={"reason": "Ratings moderated at the March panel."})
        assert response.status_code == 302
        assert "0 reviews imported. 2 reviews updated. 1 row of the file was not imported." in client.get(
            response.headers["Location"]
        ).get_data(as_text=True)
        db.session.expire_all()
        first = db.session.scalar(db.select(Review).where(Review.reference == "SFO-2024-0001"))
        assert first.assessment.scores == [2, 1, 1, 1]
        assert first.assessment.ratings[1].feedback == "Too brief."
        assert first.region.name == "Wales Probation Region"
        assert first.assessment.issued_on == date(2024, 5, 15)  # a blank cell changed nothing
        third = db.session.scalar(db.select(Review).where(Review.reference == "SFO-2024-0003"))
        assert third.assessment.scores == [3, 3, 3, 2]
        overall = year_figures(ReportingYear(2024), NOW.date()).overall.counts
        assert (overall[3], overall[2], overall[1]) == (1, 0, 2)

        corrected = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "assessment.corrected").order_by(AuditEvent.id)
        ).all()
        assert len(corrected) == 2
        assert corrected[0].details["scores_before"] == [2, 2, 2, 1]
        assert corrected[0].details["scores_after"] == [2, 1, 1, 1]
        assert corrected[0].details["reason"] == "Ratings moderated at the March panel."
        # The region moved after issue: Wales is sent the report.
        assert db.session.scalar(
            db.select(OutboxMessage.id).where(
                OutboxMessage.to_address == "reader@wales.example", OutboxMessage.template == "reviews_qa_report_moved"
            )
        )
        report = words(client.get(f"/reviews/{first.id}/qa-report").get_data(as_text=True))
        assert "History of this report" in report
        assert "standard 2 rating Good → Requires improvement" in report
        assert "Reason: Ratings moderated at the March panel." in report


def test_a_re_import_fills_in_history_on_reviews_already_held(client_for) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        region = make_region("North West Probation Region")
        held = make_review(region=region, reference="SFO-2024-0100", received_on=date(2024, 9, 2))
        assert held.status == ReviewStatus.AWAITING_SAMPLE
        client = client_for(make_user("inspector", email="analyst@inspectorate.test"))
        header = ["reference", "region", "offence_category", "received_on", "probation_extension",
                  "probation_extension_days", "summary"]  # fmt: skip
        location, page = _preview(
            client,
            _csv([["SFO-2024-0100", region.name, "Murder", "2024-09-02", "Yes", "20", ""]], header=header),
        )
        text = words(page)
        assert "Extension given to the region: not recorded → Yes" in text
        assert "Length of the region's extension: not recorded → 20 working days" in text
        # Received in a past reporting year and never sampled: left to HMPPS.
        assert "Assured by: awaiting the sample → HMPPS" in text
        assert "Reason for the changes" not in text  # no report was issued: no reason needed
        client.post(location + "/confirm")
        db.session.expire_all()
        held = db.session.get(Review, held.id)
        assert (held.probation_extension, held.probation_extension_days) == (True, 20)
        assert held.assurance == Assurance.HMPPS and held.status == ReviewStatus.HMPPS
        assert held.summary  # a blank summary cell left it as it was
