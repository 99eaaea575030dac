"""Reference and demo data for multi-agency cases.

The demo case is flagged through the same operations the screens use, so it looks exactly
like one an inspector made: the police, the NHS trust and children's services have all
submitted their returns, whose chronologies overlap in the merged chronology: the police
call-out and the ambulance crew's visit on the same night are "possibly the same event", and
nobody had contact with the family for almost four months before the offence (a gap). The
police return carries one document (its internal review, a PDF). A victim and a child are
named for the anonymised view. Westvale Police is asked nothing.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from agencies.models import Organisation, User
from cases.chronology.operations import add_person
from cases.chronology.rules import PersonRole
from cases.documents.operations import add_document
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
    police, health, childrens = (invitation.agency_return for invitation in case.invitations)
    themes = {t.name: t for t in db.session.scalars(select(LearningTheme))}
    _seed_police_return(police, people.get("police@police.example"), themes)
    _seed_health_return(health, people.get("health@health.example"))
    _seed_childrens_return(childrens, people.get("childrens@council.example"))
    add_person(case, PersonRole.VICTIM, "Casey Brown", inspector)
    add_person(case, PersonRole.CHILD, "Riley Brown", inspector)
    return [f"multi-agency case {review.reference}"]


def _submit(
    agency_return: AgencyReturn,
    author: User,
    *,
    involvement: InvolvementAnswers,
    findings: ReturnFindings,
    documents: list[tuple[bytes, str]] | None = None,
) -> None:
    save_involvement(agency_return, involvement, agency_return.version, author)
    db.session.flush()
    save_draft(agency_return, findings, agency_return.version, author)
    db.session.flush()
    for data, name in documents or []:
        add_document(agency_return, data, name, author)
    submit_return(agency_return, agency_return.version, author)
    db.session.flush()


def _review_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(  # type: ignore[no-any-return]
        string="<h1>Northshire Police: internal review</h1><p>OFFICIAL-SENSITIVE. Demo document: the review of the "
        "two domestic incidents at the address and why they were not linked.</p>"
    ).write_pdf()


def _seed_police_return(agency_return: AgencyReturn, author: User | None, themes: dict[str, LearningTheme]) -> None:
    if author is None:
        return
    today = london_today(utc_now())
    theme = themes.get("Domestic abuse") or themes.get("Information sharing")
    _submit(
        agency_return,
        author,
        involvement=InvolvementAnswers(
            Involvement.INVOLVED,
            today - timedelta(days=380),
            None,
            "Two call-outs to domestic incidents at the address; a DASH risk assessment was completed once.",
        ),
        findings=ReturnFindings(
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
                    "Call-out to a verbal argument between Jordan Example and Casey Brown at the address.",
                    "First known domestic incident.",
                ),
                ChronologyRow(
                    today - timedelta(days=290),
                    "Casey Brown reported harassing text messages; words of advice given to Jordan.",
                    "",
                ),
                ChronologyRow(
                    today - timedelta(days=200),
                    "Call-out after a neighbour heard screaming; Casey had a cut to the head. DASH completed; "
                    "Riley Brown was in the house.",
                    "Medium risk recorded; no link made to the earlier incident.",
                    True,
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
        documents=[(_review_pdf(), "Northshire Police internal review.pdf")],
    )


def _seed_health_return(agency_return: AgencyReturn, author: User | None) -> None:
    if author is None:
        return
    today = london_today(utc_now())
    _submit(
        agency_return,
        author,
        involvement=InvolvementAnswers(
            Involvement.INVOLVED,
            today - timedelta(days=330),
            today - timedelta(days=150),
            "The person attended the community mental health team; the ambulance service attended the address once.",
        ),
        findings=ReturnFindings(
            author_name=author.full_name,
            author_role=author.job_title or "Safeguarding Lead",
            author_involved=False,
            records_reviewed="Electronic patient record, ambulance service records",
            records_secured_on=today - timedelta(days=12),
            what_went_well="The GP referred promptly.",
            missed_opportunities="Missed appointments were not followed up before discharge.",
            underpinning_reasons=[UnderpinningReason.POLICY],
            underpinning_detail="The discharge policy did not ask about risk to others.",
            good_practice="",
            recommendations="Ask about domestic abuse before discharging after missed appointments.",
            chronology=[
                ChronologyRow(today - timedelta(days=330), "Referral from the GP for low mood and drinking.", ""),
                ChronologyRow(
                    today - timedelta(days=260),
                    "Community mental health team assessment: Jordan said arguments at home were getting worse.",
                    "Domestic abuse was not asked about.",
                    True,
                ),
                ChronologyRow(
                    today - timedelta(days=200),
                    "Ambulance crew called by police to the address: Casey Brown treated for a cut to the head.",
                    "",
                ),
                ChronologyRow(
                    today - timedelta(days=150),
                    "Discharged from the community mental health team after three missed appointments.",
                    "",
                ),
            ],
        ),
    )


def _seed_childrens_return(agency_return: AgencyReturn, author: User | None) -> None:
    if author is None:
        return
    today = london_today(utc_now())
    _submit(
        agency_return,
        author,
        involvement=InvolvementAnswers(
            Involvement.INVOLVED,
            today - timedelta(days=390),
            None,
            "An early help assessment of the family, closed before the incidents; a school referral later.",
        ),
        findings=ReturnFindings(
            author_name=author.full_name,
            author_role=author.job_title or "Service Manager",
            author_involved=False,
            records_reviewed="Children's social care case records, early help records",
            records_secured_on=today - timedelta(days=9),
            what_went_well="The school referral was acted on within a day.",
            missed_opportunities="Children's services were not told of the second domestic incident.",
            underpinning_reasons=[UnderpinningReason.POLICY],
            underpinning_detail="No police notification reached the front door.",
            good_practice="",
            recommendations="Check police notifications against open and recently closed families.",
            chronology=[
                ChronologyRow(today - timedelta(days=390), "Early help assessment of the family closed.", ""),
                ChronologyRow(
                    today - timedelta(days=40),
                    "School referral: Riley Brown's attendance falling; single assessment started.",
                    "The first contact with the family for almost four months.",
                    True,
                ),
            ],
        ),
    )
