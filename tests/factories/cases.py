"""Test factories for multi-agency cases and agency returns, built through the real operations."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from agencies.models import Organisation, OrganisationKind, Role, User
from cases.models import AgencyReturn, CaseInvitation, Involvement, MultiAgencyCase, UnderpinningReason
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
from reviews.models import OffenceCategory, Review
from tests.conftest import make_organisation, make_user

_numbers = itertools.count(1)

PERSON_NAME = "Jordan Testperson"
PNC = "PNC 99/123456Z"


def today() -> date:
    return london_today(utc_now())


def offence_category() -> OffenceCategory:
    category = db.session.scalar(db.select(OffenceCategory).order_by(OffenceCategory.id).limit(1))
    if category is None:
        category = OffenceCategory(name="Murder", position=1)
        db.session.add(category)
        db.session.flush()
    return category


def probation_region(name: str = "North West Probation Region") -> Organisation:
    region = db.session.scalar(db.select(Organisation).where(Organisation.name == name))
    return region or make_organisation(OrganisationKind.PROBATION_REGION, name)


def make_review(reference: str | None = None, region: Organisation | None = None) -> Review:
    review = Review(
        reference=reference or f"SFO-2026-{next(_numbers):04d}",
        region=region or probation_region(),
        offence_category=offence_category(),
        received_on=today() - timedelta(days=30),
        offence_on=today() - timedelta(days=90),
        summary="A test review.",
    )
    db.session.add(review)
    db.session.flush()
    return review


def case_details(**overrides: Any) -> CaseDetails:
    values: dict[str, Any] = {
        "reason": "Several agencies knew the person.",
        "reply_by": today() + timedelta(days=20),
        "person_name": PERSON_NAME,
        "date_of_birth": date(1990, 1, 2),
        "other_identifiers": PNC,
        "supervision_started_on": today() - timedelta(days=300),
        "supervision_ended_on": None,
        "offence_on": today() - timedelta(days=90),
        "offence_category_id": offence_category().id,
        "partner_summary": "A summary for partner agencies.",
    }
    values.update(overrides)
    return CaseDetails(**values)


def inspectorate_inspector() -> User:
    existing = db.session.scalar(db.select(User).where(User.email == "case.inspector@inspectorate.test"))
    return existing or make_user(Role.INSPECTOR, email="case.inspector@inspectorate.test")


def make_case(
    organisations: list[Organisation],
    *,
    review: Review | None = None,
    by: User | None = None,
    **details: Any,
) -> MultiAgencyCase:
    case = flag_case(review or make_review(), case_details(**details), organisations, by or inspectorate_inspector())
    db.session.commit()
    return case


def invitation_of(case: MultiAgencyCase, organisation: Organisation) -> CaseInvitation:
    invitation = case.invitation_for(organisation.id)
    assert invitation is not None
    return invitation


def make_theme(name: str = "Information sharing") -> LearningTheme:
    theme = db.session.scalar(db.select(LearningTheme).where(LearningTheme.name == name))
    if theme is None:
        theme = LearningTheme(name=name, position=99)
        db.session.add(theme)
        db.session.flush()
    return theme


def complete_findings(*, chronology: int = 2, learning_points: int = 1) -> ReturnFindings:
    theme = make_theme()
    return ReturnFindings(
        author_name="Sam Author",
        author_role="Detective Sergeant",
        author_involved=False,
        records_reviewed="Crime reports and custody records",
        records_secured_on=today() - timedelta(days=2),
        what_went_well="Quick attendance.",
        missed_opportunities="No referral was made.",
        underpinning_reasons=[UnderpinningReason.WORKLOAD],
        underpinning_detail="Demand was high.",
        good_practice="Shared the risk assessment.",
        recommendations="Automate the repeat flag.",
        chronology=[
            ChronologyRow(today() - timedelta(days=100 - n), f"Contact number {n + 1}", "Significant")
            for n in range(chronology)
        ],
        learning_points=[
            LearningPointRow(f"Learning {n + 1}", theme.id, LearningLevel.LOCAL) for n in range(learning_points)
        ],
    )


def write_return(agency_return: AgencyReturn, by: User, *, submit: bool = False) -> AgencyReturn:
    """Confirm involvement and save a complete draft (and submit it if asked), as ``by``."""
    save_involvement(
        agency_return,
        InvolvementAnswers(Involvement.INVOLVED, today() - timedelta(days=200), None, "Call-outs to the address"),
        agency_return.version,
        by,
    )
    db.session.flush()
    save_draft(agency_return, complete_findings(), agency_return.version, by)
    db.session.flush()
    if submit:
        submit_return(agency_return, agency_return.version, by)
    db.session.commit()
    return agency_return
