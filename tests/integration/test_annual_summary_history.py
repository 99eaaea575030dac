"""The annual report's own figures on the page and in the CSV: each share rounded on its own
(3 of 8 is 38% wherever it appears) with a note under every table; shares of fewer than five
flagged, not shown; a footnote on a row assured more than received; extensions given to
probation by region with the spread of their lengths; and the QA themes, the prompts most
often answered "No" or "Partly"."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
import time_machine

from agencies.models import OrganisationKind
from extensions import db
from reviews.models import Answer, KeyQuestion, Prompt, Standard
from reviews.standards import current_version
from tests.factories.cases import inspectorate_inspector
from tests.factories.learning import assess, make_review, organisation
from tests.factories.reviews import assign, issue, rate

NOW = datetime(2026, 2, 2, 11, 0, tzinfo=UTC)  # in the 2025/26 reporting year

GOOD, RI, INADEQUATE = (2, 2, 2, 2), (1, 1, 1, 1), (0, 0, 1, 1)


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1])).split())


def prompt(label: str) -> Prompt:
    question, letter = label.split()
    found = db.session.scalar(
        db.select(Prompt)
        .join(KeyQuestion, Prompt.key_question_id == KeyQuestion.id)
        .join(Standard, KeyQuestion.standard_id == Standard.id)
        .where(Standard.version_id == current_version().id, KeyQuestion.number == question, Prompt.letter == letter)
    )
    assert found is not None
    return found


@pytest.fixture
def year():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        north = organisation("North West Probation Region", OrganisationKind.PROBATION_REGION)
        wales = organisation("Wales Probation Region", OrganisationKind.PROBATION_REGION)
        london = organisation("London Probation Region", OrganisationKind.PROBATION_REGION)
        yorkshire = organisation("Yorkshire Probation Region", OrganisationKind.PROBATION_REGION)
        # North West: 8 assured, 3 Good, 3 Requires improvement, 2 Inadequate; 6 of the 7 whose
        # timeline is recorded were given an extension (5 to 45 working days).
        extensions = [
            (True, 10),
            (True, 10),
            (True, 20),
            (True, 30),
            (True, 45),
            (True, 5),
            (False, None),
            (None, None),
        ]
        for number, (scores, (given, days)) in enumerate(
            zip([GOOD] * 3 + [RI] * 3 + [INADEQUATE] * 2, extensions, strict=True)
        ):
            review = make_review(received_on=date(2025, 5, 1 + number), region=north)
            review.probation_extension, review.probation_extension_days = given, days
            assess(review, scores, issued_on=date(2025, 6, 2 + number))
        # Wales: one review, Good, extended 15 working days.
        review = make_review(received_on=date(2025, 7, 1), region=wales)
        review.probation_extension, review.probation_extension_days = True, 15
        assess(review, GOOD, issued_on=date(2025, 7, 15))
        # London: two received last year, assured this year (more assured than received).
        for day in (10, 11):
            assess(make_review(received_on=date(2025, 3, day), region=london), RI, issued_on=date(2025, 4, day))
        db.session.commit()
        # Yorkshire: six assessed in the portal, prompt by prompt.
        inspector = inspectorate_inspector()
        missed_why = prompt("1.1 d")  # the underpinning reasons: what reviews most often miss
        partnership = prompt("1.1 e")
        for number, answer in enumerate([Answer.NO] * 4 + [Answer.PARTLY, Answer.YES]):
            review = make_review(received_on=date(2026, 1, 5 + number), region=yorkshire)
            answers = {missed_why.id: (answer, "")}
            if number < 2:
                answers[partnership.id] = (Answer.PARTLY, "Police contact not examined")
            issue(rate(assign(review, inspector), [1, 1, 1, 1], answers=answers))
        db.session.commit()
        yield


def test_shares_are_rounded_alone_flagged_under_five_and_footnoted(client_for, year) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        client = client_for(inspectorate_inspector())
        page = words(client.get("/learning/annual-summary?year=2025").get_data(as_text=True))
        rows = list(
            csv.reader(
                io.StringIO(
                    client.get("/learning/annual-summary.csv?year=2025").get_data(as_text=True).lstrip("\ufeff")
                )
            )
        )
    # 3 of 8 is 38% both times (they add up to 101, and the table says shares may not add up).
    assert "North West Probation Region 8 8 8 0 (0%) 3 (38%) 3 (38%) 2 (25%)" in page
    assert "Shares are rounded to the nearest whole number on their own, so they may not add up to 100%." in page
    # One review is not "1 (100%)".
    assert "Wales Probation Region 1 1 1 0 [low] 1 [low] 0 [low] 0 [low]" in page
    assert "[low] Share not shown: fewer than 5 in the group." in page
    assert "Wales Probation Region 1 1 1 0 (0%) 1 (100%)" not in page
    # More assured than received: a footnote on the row and under its table.
    assert "London Probation Region 0 0 2 [note 1]" in page
    assert "[note 1] More reviews were assured than were sampled or received" in page

    by_key = {(r[1], r[2], r[3]): (r[4], r[5], r[6]) for r in rows[1:] if r[0] == "2025 to 2026"}
    assert by_key[("Probation region", "North West Probation Region", "Good")] == ("3", "38", "")
    assert by_key[("Probation region", "North West Probation Region", "Requires improvement")] == ("3", "38", "")
    assert by_key[("Probation region", "Wales Probation Region", "Good")] == (
        "1",
        "",
        "Share not shown: base under 5",
    )
    assert by_key[("Probation region", "London Probation Region", "Assured")][2].startswith("More assured than")


def test_extensions_by_region_and_the_spread_of_their_lengths(client_for, year) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        client = client_for(inspectorate_inspector())
        page = words(client.get("/learning/annual-summary?year=2025").get_data(as_text=True))
        rows = list(
            csv.reader(
                io.StringIO(
                    client.get("/learning/annual-summary.csv?year=2025").get_data(as_text=True).lstrip("\ufeff")
                )
            )
        )
    # Received this year: North West 8 (7 recorded, 6 extended), Wales 1, Yorkshire 6 (not recorded).
    assert "North West Probation Region 8 7 6 (86%) 15 5 to 45" in page
    assert "Wales Probation Region 1 1 1 [low] 15 15" in page
    assert "Yorkshire Probation Region 6 0 0 – –" in page
    assert "All regions 15 8 7 (88%) 15 5 to 45" in page
    assert (
        "Up to 10 working days 3 43% 11 to 20 working days 2 29% 21 to 40 working days 1 14% "
        "More than 40 working days 1 14%"
    ) in page
    by_key = {(r[1], r[2], r[3]): (r[4], r[5]) for r in rows[1:] if r[0] == "2025 to 2026"}
    section = "Extensions given to probation"
    assert by_key[(section, "All regions", "Given an extension")] == ("7", "88")
    assert by_key[(section, "North West Probation Region", "Median length (working days)")] == ("15", "")
    assert by_key[(section, "All regions", "Length: Up to 10 working days")] == ("3", "43")


def test_qa_themes_name_the_prompts_most_often_answered_no_or_partly(client_for, year) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        client = client_for(inspectorate_inspector())
        page = words(client.get("/learning/annual-summary?year=2025").get_data(as_text=True))
        csv_text = client.get("/learning/annual-summary.csv?year=2025").get_data(as_text=True)
    themes = page.split("QA themes: what reviews most often miss")[1].split("Multi-agency work")[0]
    assert "6 of the 17 reports have their prompts answered in the portal" in themes
    assert (
        "1.1 d Does the SFO review sufficiently explore underpinning reasons for any deficiencies in practice where "
        "they existed? 4 1 5 (83%)"
    ) in themes
    assert (
        "1.1 e Does the SFO review sufficiently examine the partnership work with other agencies? 0 2 2 [low]" in themes
    )
    # The most missed first.
    assert themes.index("1.1 d") < themes.index("1.1 e")
    assert "Standard 2" not in themes  # nothing missed there
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    missed = {r[3]: (r[4], r[5]) for r in rows if r[1] == "QA themes" and "prompt 1.1 d:" in r[2]}
    assert missed == {
        "Answered No": ("4", ""),
        "Answered Partly": ("1", ""),
        "No or Partly, of those answered": ("5", "83"),
    }
