"""Reference and demo data for multi-agency cases.

The demo case is flagged through the same operations the screens use, so it looks exactly
like one an inspector made: Northshire Police has submitted its return, the NHS trust has a
draft, and children's services has only been notified. Westvale Police is asked nothing.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from agencies.models import Organisation, User
from cases.models import (
    DEFAULT_RETENTION_MONTHS,
    AgencyReturn,
    CaseSettings,
    Involvement,
    MultiAgencyCase,
    UnderpinningReason,
)
from cases.operations import CaseDetails, flag_case
from cases.returns.operations import (
    ChronologyRow,
    InvolvementAnswers,
    LearningPointRow,
    ReturnFindings,
    save_draft,
    save_involvement,
    submit_return,
)
from cases.themes import LearningLevel, LearningTheme
from core.formatting import london_today, utc_now
from extensions import db
from reviews.models import REFERENCE_PATTERN, OffenceCategory, Review

# Made only when no other seeder has made reviews: the first is flagged here, the second is left
# for an inspector to flag by hand.
DEMO_REFERENCES = ("SFO-2026-0901", "SFO-2026-0902")
DEMO_REGION = "North West Probation Region"
DEMO_AGENCIES = (
    "Northshire Police",
    "Northshire NHS Foundation Trust",
    "Northshire County Council Children's Services",
)


def seed_case_settings() -> None:
    if db.session.scalar(select(CaseSettings.id).limit(1)) is None:
        db.session.add(CaseSettings(retention_months=DEFAULT_RETENTION_MONTHS))
        db.session.flush()


def _demo_review(region: Organisation) -> Review | None:
    """One of the reviews demo seeders made (North West first), or a new one if there are none.

    Seeders run in import order, so the reviews package's may not have run yet: then this
    makes its own review rather than depend on theirs.
    """
    candidates = db.session.scalars(select(Review).order_by(Review.reference)).all()
    pattern = re.compile(REFERENCE_PATTERN)
    demo = [review for review in candidates if pattern.match(review.reference)]
    for review in sorted(demo, key=lambda r: (r.region_id != region.id, r.reference)):
        return review
    category = db.session.scalar(
        select(OffenceCategory)
        .where(OffenceCategory.active.is_(True))
        .order_by(OffenceCategory.position, OffenceCategory.name)
        .limit(1)
    )
    if category is None:
        return None
    today = london_today(utc_now())
    reviews = [
        Review(
            reference=reference,
            region=region,
            offence_category=category,
            received_on=today - timedelta(days=40 - 5 * n),
            offence_on=today - timedelta(days=120 - 10 * n),
            author_role="Senior Probation Officer",
            summary="Demo review: a person under supervision for a violent offence committed a further serious "
            "offence.",
        )
        for n, reference in enumerate(DEMO_REFERENCES)
    ]
    db.session.add_all(reviews)
    db.session.flush()
    return reviews[0]


def seed_demo_case() -> list[str]:
    if db.session.scalar(select(MultiAgencyCase.id).limit(1)) is not None:
        return []
    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    people = {u.email: u for u in db.session.scalars(select(User))}
    inspector = people.get("inspector@inspectorate.example")
    region = organisations.get(DEMO_REGION)
    agencies = [organisations[name] for name in DEMO_AGENCIES if name in organisations]
    if inspector is None or region is None or len(agencies) != len(DEMO_AGENCIES):
        return []
    review = _demo_review(region)
    if review is None:
        return []
    today = london_today(utc_now())
    case = flag_case(
        review,
        CaseDetails(
            reason="Police, health and children's services all had contact with the person and his partner's "
            "children in the year before the offence.",
            reply_by=today + timedelta(days=21),
            person_name="Jordan Example (also known as Jordan Sample)",
            date_of_birth=date(1989, 4, 12),
            other_identifiers="PNC 12/345678A\nLast known address: Flat 2, 1 Example Street, Northtown NT1 1AA",
            supervision_started_on=today - timedelta(days=400),
            supervision_ended_on=None,
            offence_on=review.offence_on or today - timedelta(days=120),
            offence_category_id=review.offence_category_id,
            partner_summary="A man on licence for a violent offence was charged with a serious further offence "
            "against his partner. The review found several agencies knew of concerns about domestic "
            "abuse in the household.",
        ),
        agencies,
        inspector,
    )
    db.session.flush()
    invitations = {invitation.organisation_id: invitation for invitation in case.invitations}
    police, health = (invitations[agency.id] for agency in agencies[:2])
    themes = {t.name: t for t in db.session.scalars(select(LearningTheme))}
    _seed_police_return(police.agency_return, people.get("police@police.example"), themes)
    _seed_health_draft(health.agency_return, people.get("health@health.example"))
    return [f"multi-agency case {review.reference}"]


def _seed_police_return(agency_return: AgencyReturn, author: User | None, themes: dict[str, LearningTheme]) -> None:
    if author is None:
        return
    today = london_today(utc_now())
    save_involvement(
        agency_return,
        InvolvementAnswers(
            Involvement.INVOLVED,
            today - timedelta(days=380),
            None,
            "Two call-outs to domestic incidents at the address; a DASH risk assessment was completed once.",
        ),
        agency_return.version,
        author,
    )
    db.session.flush()
    theme = themes.get("Domestic abuse") or themes.get("Information sharing")
    save_draft(
        agency_return,
        ReturnFindings(
            author_name=author.full_name,
            author_role=author.job_title or "Detective Sergeant",
            author_involved=False,
            records_reviewed="Command and control logs, crime reports, the DASH risk assessment, MARAC referrals",
            records_secured_on=today - timedelta(days=10),
            what_went_well="Officers attended quickly and recorded the children's presence.",
            missed_opportunities="The second call-out was not linked to the first, so no MARAC referral was made.",
            underpinning_reasons=[UnderpinningReason.WORKLOAD, UnderpinningReason.POLICY],
            underpinning_detail="High demand on the response team; the repeat-victim flag relied on a manual check.",
            good_practice="The officer in the case shared the risk assessment with probation the same day.",
            recommendations="Automate the repeat-victim flag in the command and control system.",
            chronology=[
                ChronologyRow(
                    today - timedelta(days=380),
                    "Call-out to a verbal argument at the address.",
                    "First known domestic incident.",
                ),
                ChronologyRow(
                    today - timedelta(days=200),
                    "Call-out after a neighbour heard screaming; DASH completed.",
                    "Medium risk recorded; no link made to the earlier incident.",
                ),
            ],
            learning_points=[
                LearningPointRow(
                    "Repeat incidents at one address must be linked before grading risk.",
                    theme.id if theme else None,
                    LearningLevel.LOCAL,
                )
            ],
        ),
        agency_return.version,
        author,
    )
    db.session.flush()
    submit_return(agency_return, agency_return.version, author)
    db.session.flush()


def _seed_health_draft(agency_return: AgencyReturn, author: User | None) -> None:
    if author is None:
        return
    today = london_today(utc_now())
    save_involvement(
        agency_return,
        InvolvementAnswers(
            Involvement.INVOLVED,
            today - timedelta(days=300),
            today - timedelta(days=150),
            "The person attended the community mental health team for six months.",
        ),
        agency_return.version,
        author,
    )
    db.session.flush()
    save_draft(
        agency_return,
        ReturnFindings(
            author_name=author.full_name,
            author_role=author.job_title or "Safeguarding Lead",
            author_involved=None,
            records_reviewed="Electronic patient record",
            records_secured_on=None,
            what_went_well="",
            missed_opportunities="",
            underpinning_reasons=[],
            underpinning_detail="",
            good_practice="",
            recommendations="",
            chronology=[ChronologyRow(today - timedelta(days=300), "Referral from the GP for low mood.", "")],
        ),
        agency_return.version,
        author,
    )
    db.session.flush()
