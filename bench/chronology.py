"""Benchmark data and page for the merged chronology (issue 13): one case with three agencies'
submitted returns of 150 contacts each, at every scale (a case's size does not grow with the
national volume; the tables around it do). Kept in its own module so the builder and the page
stay together; ``bench/builders.py`` imports it last, so it runs after the cases builder.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bench.datasets import BuildContext, builder

ROWS_PER_AGENCY = 150
AGENCIES = 3
REASON = "Bench: the merged chronology of three agencies with 150 contacts each."
WHAT = [
    "Home visit; the family were in and the children seen.",
    "Telephone call with the partner about the previous night's argument.",
    "Referral received and screened; no further action at this stage.",
    "Appointment missed; a letter offering another was sent.",
    "Strategy discussion with the other agencies; actions agreed.",
]


@builder("chronology")
def build_chronology(context: BuildContext) -> None:
    from cases.models import (
        AgencyReturn,
        CaseInvitation,
        Involvement,
        MultiAgencyCase,
        ReturnChronologyEntry,
        ReturnStatus,
    )
    from extensions import db
    from reviews.models import Review

    rng = context.rng
    now = datetime.now(UTC)
    review_id, category_id = db.session.execute(
        db.select(Review.id, Review.offence_category_id)
        .where(~db.exists().where(MultiAgencyCase.review_id == Review.id))
        .order_by(Review.id.desc())
        .limit(1)
    ).one()
    inspector = context.ids["users.inspector"][0]
    agencies = context.ids["organisations.agency"][:AGENCIES]
    today = now.date()
    (case_id,) = context.insert(
        MultiAgencyCase,
        [
            {
                "review_id": review_id,
                "reason": REASON,
                "reply_by": today + timedelta(days=14),
                "person_name": "Jordan Bench",
                "offence_category_id": category_id,
                "partner_summary": "A case with a long chronology from each agency.",
                "flagged_by_id": inspector,
                "created_at_utc": now - timedelta(days=60),
                "updated_at_utc": now - timedelta(days=60),
            }
        ],
    )
    invitations = context.insert(
        CaseInvitation,
        [
            {
                "case_id": case_id,
                "organisation_id": agency,
                "invited_at_utc": now - timedelta(days=60),
                "invited_by_id": inspector,
                "created_at_utc": now - timedelta(days=60),
                "updated_at_utc": now - timedelta(days=60),
            }
            for agency in agencies
        ],
    )
    submitted = now - timedelta(days=20)
    returns = context.insert(
        AgencyReturn,
        [
            {
                "invitation_id": invitation,
                "status": ReturnStatus.SUBMITTED,
                "involvement": Involvement.INVOLVED,
                "involvement_confirmed_at_utc": submitted,
                "involvement_nature": "Contact with the person and their family, as set out below.",
                "author_name": "Sam Shah",
                "author_role": "Safeguarding lead",
                "author_involved": False,
                "records_reviewed": "Case records.",
                "underpinning_reasons": [],
                "findings_saved_at_utc": submitted,
                "last_saved_at_utc": submitted,
                "submitted_at_utc": submitted,
                "created_at_utc": now - timedelta(days=60),
                "updated_at_utc": submitted,
            }
            for invitation in invitations
        ],
    )
    start = today - timedelta(days=3 * 365)
    context.insert(
        ReturnChronologyEntry,
        (
            {
                "return_id": agency_return,
                "position": position,
                "happened_on": start + timedelta(days=rng.randrange(0, 3 * 365)),
                "what_happened": rng.choice(WHAT),
                "significance": "Risk to the children was not assessed." if position % 7 == 0 else "",
                "significant": position % 11 == 0,
            }
            for agency_return in returns
            for position in range(ROWS_PER_AGENCY)
        ),
    )
    context.ids["cases.chronology"] = [case_id]


def chronology_case() -> dict[str, Any] | None:
    from cases.models import MultiAgencyCase
    from extensions import db

    case_id = db.session.scalar(db.select(MultiAgencyCase.id).where(MultiAgencyCase.reason == REASON).limit(1))
    return {"case_id": case_id} if case_id else None
