"""Test factories for shared learning, action records and the annual summary's data.

Reviews and their QA assessments are built as the import builds them (issued assessments
with a rating for each of the four standards of the version in use); cases, returns and
actions go through the real operations.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from agencies.models import Organisation, OrganisationKind, Role, User
from cases.models import AgencyReturn, Involvement, MultiAgencyCase
from cases.returns.operations import InvolvementAnswers, LearningPointRow, save_draft, save_involvement, submit_return
from cases.themes import LearningLevel, LearningTheme
from extensions import db
from learning.models import ActionEvent, ActionRecord
from learning.operations import ActionDetails, create_action, take_step
from learning.rules import StepRequest
from panels.models import Panel, PanelAgendaItem, PanelStatus
from reviews.models import (
    Assessment,
    AssessmentStage,
    Assurance,
    OffenceCategory,
    Review,
    ReviewExtension,
    StandardRating,
    StandardsVersion,
    StandardsVersionStatus,
)
from tests.conftest import make_organisation, make_user
from tests.factories.cases import complete_findings, inspectorate_inspector, make_case, probation_region, today

_numbers = itertools.count(1)


def theme(name: str) -> LearningTheme:
    """A seeded theme by name (the reference seeder has run before every test)."""
    found = db.session.scalar(db.select(LearningTheme).where(LearningTheme.name == name))
    assert found is not None, f"no theme {name!r}"
    return found


def organisation(name: str, kind: OrganisationKind = OrganisationKind.POLICE) -> Organisation:
    found = db.session.scalar(db.select(Organisation).where(Organisation.name == name))
    return found or make_organisation(kind, name)


def member_of(org: Organisation, email: str | None = None) -> User:
    return make_user(Role.AGENCY_MEMBER, org, email=email)


def category(name: str) -> OffenceCategory:
    found = db.session.scalar(db.select(OffenceCategory).where(OffenceCategory.name == name))
    if found is None:
        found = OffenceCategory(name=name, position=50 + next(_numbers))
        db.session.add(found)
        db.session.flush()
    return found


def current_standards() -> StandardsVersion:
    version = db.session.scalar(
        db.select(StandardsVersion).where(StandardsVersion.status == StandardsVersionStatus.CURRENT)
    )
    assert version is not None, "the reference seeders put a standards version into use"
    return version


def make_review(
    *,
    received_on: date,
    region: Organisation | None = None,
    offence: OffenceCategory | None = None,
    assurance: Assurance = Assurance.INSPECTORATE,
    reference: str | None = None,
) -> Review:
    review = Review(
        reference=reference or f"SFO-{received_on.year}-{next(_numbers) + 5000:04d}",
        region=region or probation_region(),
        offence_category=offence or category("Murder"),
        received_on=received_on,
        summary="",
        assurance=assurance,
    )
    db.session.add(review)
    db.session.flush()
    return review


def assess(
    review: Review,
    scores: Sequence[int | None],
    *,
    issued_on: date | None,
    version: StandardsVersion | None = None,
) -> Assessment:
    """An assessment of ``review`` with these four scores; issued on ``issued_on`` (or complete if None)."""
    version = version or current_standards()
    standards = list(version.standards)
    assessment = Assessment(
        review=review,
        standards_version=version,
        imported=True,
        issued_on=issued_on,
        stage=AssessmentStage.ISSUED if issued_on else AssessmentStage.COMPLETE,
    )
    db.session.add(assessment)
    assessment.ratings = [
        StandardRating(standard=s, position=s.number, score=score, feedback="")
        for s, score in zip(standards, scores, strict=True)
    ]
    db.session.flush()
    return assessment


def extend(review: Review, new_due_on: date) -> None:
    db.session.add(
        ReviewExtension(
            review=review, previous_due_on=review.due_on, new_due_on=new_due_on, reason="Agreed with the region"
        )
    )
    review.due_on = new_due_on
    db.session.flush()


def assessed_review(scores: Sequence[int] = (2, 1, 2, 1), **review_fields: object) -> Review:
    received = review_fields.pop("received_on", today() - timedelta(days=60))
    review = make_review(received_on=received, **review_fields)
    assess(review, scores, issued_on=received + timedelta(days=10))
    return review


def submit_learning(
    case: MultiAgencyCase, org: Organisation, by: User, points: Sequence[tuple[str, str, LearningLevel]]
) -> AgencyReturn:
    """The organisation's return on the case, submitted with these learning points (text, theme, level)."""
    invitation = case.invitation_for(org.id)
    assert invitation is not None
    agency_return = invitation.agency_return
    save_involvement(
        agency_return,
        InvolvementAnswers(Involvement.INVOLVED, today() - timedelta(days=200), None, "Call-outs to the address"),
        agency_return.version,
        by,
    )
    db.session.flush()
    findings = dataclasses.replace(
        complete_findings(),
        learning_points=[LearningPointRow(text, theme(theme_name).id, level) for text, theme_name, level in points],
    )
    save_draft(agency_return, findings, agency_return.version, by)
    db.session.flush()
    submit_return(agency_return, agency_return.version, by)
    db.session.commit()
    return agency_return


def learning_case(review: Review | None = None) -> tuple[MultiAgencyCase, Organisation, Organisation, User]:
    """A case with Northshire Police (submitted: two learning points) and children's services invited."""
    police = organisation("Northshire Police")
    childrens = organisation("Northshire Children's Services", OrganisationKind.CHILDRENS_SERVICES)
    case = make_case([police, childrens], review=review or assessed_review())
    officer = member_of(police)
    submit_learning(
        case,
        police,
        officer,
        [
            ("Repeat incidents at one address must be linked.", "Domestic abuse", LearningLevel.LOCAL),
            (
                "Tell children's services about every incident with children present.",
                "Information sharing",
                LearningLevel.MULTI_AGENCY,
            ),
        ],
    )
    return case, police, childrens, officer


def make_action(
    owner: Organisation,
    *,
    case: MultiAgencyCase | None = None,
    due_on: date | None = None,
    title: str | None = None,
    level: LearningLevel = LearningLevel.LOCAL,
    theme_name: str = "Information sharing",
    by: User | None = None,
    standard_number: int | None = None,
    assessment: Assessment | None = None,
    accepted: bool = True,
) -> ActionRecord:
    """An action recorded by the inspector and (unless ``accepted=False``, when it stays
    proposed) accepted, as the inspector records an owner's acceptance at the panel."""
    assessment = assessment or (case.review.assessment if case else None)
    standard = None
    if standard_number is not None and assessment is not None:
        standard = next(s for s in assessment.standards_version.standards if s.number == standard_number)
    action = create_action(
        ActionDetails(
            title=title or f"Action number {next(_numbers)}",
            what_will_change="Referrals will be made within a day.",
            owner=owner,
            level=level,
            theme=theme(theme_name),
            due_on=due_on or today() + timedelta(days=30),
            evidence_measure="An audit of 20 cases.",
            case=case,
            assessment=assessment,
            standard=standard,
        ),
        by or inspectorate_inspector(),
    )
    db.session.flush()
    if accepted:
        take_step(action, StepRequest(ActionEvent.ACCEPT), version=action.version, by=inspectorate_inspector())
    db.session.commit()
    return action


def panel_for(
    cases: Sequence[MultiAgencyCase],
    *,
    starts_at: datetime,
    status: PanelStatus = PanelStatus.HELD,
    title: str = "Northshire learning panel",
) -> Panel:
    """A panel with these cases on its agenda (built directly: the panels' own factories
    exercise scheduling; here only the panel's time, status and agenda matter)."""
    panel = Panel(
        uid=f"panel-test-{next(_numbers)}@learning-panels.test",
        title=title,
        starts_at_utc=starts_at,
        ends_at_utc=starts_at + timedelta(hours=2),
        status=status,
    )
    panel.agenda = [PanelAgendaItem(case=case, position=n) for n, case in enumerate(cases, start=1)]
    db.session.add(panel)
    db.session.commit()
    return panel
