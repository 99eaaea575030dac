"""Test factories for reviews, samples and assessments (plain functions over the real operations)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date

from agencies.models import Organisation, OrganisationKind, Role, User
from extensions import db
from reviews import operations
from reviews.models import Answer, Assessment, AssessmentStage, Assurance, OffenceCategory, Review
from tests.conftest import make_organisation, make_user

_numbers = itertools.count(1)


def make_region(name: str | None = None) -> Organisation:
    name = name or f"Region {next(_numbers)} Probation Region"
    existing = db.session.scalar(db.select(Organisation).where(Organisation.name == name))
    return existing or make_organisation(OrganisationKind.PROBATION_REGION, name)


def category(name: str = "Murder") -> OffenceCategory:
    found = db.session.scalar(db.select(OffenceCategory).where(OffenceCategory.name == name))
    assert found is not None, f"no offence category {name!r} (seeded: see reviews/standards_data.py)"
    return found


def make_review(
    *,
    region: Organisation | None = None,
    offence_category: OffenceCategory | str = "Murder",
    received_on: date = date(2024, 5, 1),
    reference: str | None = None,
    summary: str = "Supervision before a further offence in the community.",
    assurance: Assurance = Assurance.AWAITING_SAMPLE,
    commit: bool = True,
) -> Review:
    if isinstance(offence_category, str):
        offence_category = category(offence_category)
    review = operations.create_review(
        operations.ReviewDetails(
            region=region or make_region("North West Probation Region"),
            offence_category=offence_category,
            received_on=received_on,
            offence_on=None,
            charged_on=None,
            author_role="Head of Public Protection",
            summary=summary,
        ),
        reference=reference,
    )
    review.assurance = assurance
    if commit:
        db.session.commit()
    return review


def make_inspector(email: str | None = None) -> User:
    return make_user(Role.INSPECTOR, email=email or f"inspector{next(_numbers)}@inspectorate.test")


def assign(review: Review, assessor: User | None = None) -> Assessment:
    review.assurance = Assurance.INSPECTORATE
    assessor = assessor or make_inspector()
    assessment = operations.assign_assessor(review, assessor, assessor)
    db.session.commit()
    return assessment


def rate(
    assessment: Assessment,
    scores: Sequence[int | None],
    *,
    feedback: str = "The review analyses the key decisions well.",
    complete: bool = True,
    answers: dict[int, tuple[Answer | None, str]] | None = None,
    actor: User | None = None,
) -> Assessment:
    standards = assessment.standards_version.standards
    data = operations.AssessmentInput(
        answers=answers or {},
        ratings={
            s.id: (score, f"Standard {s.number}: {feedback}" if score is not None else "")
            for s, score in zip(standards, scores, strict=True)
        },
        summary="Overall the review is sound.",
    )
    operations.save_assessment(
        assessment, data, complete=complete, version=assessment.version, actor=actor or assessment.assessor
    )
    db.session.commit()
    return assessment


def issue(assessment: Assessment, actor: User | None = None) -> Assessment:
    operations.issue_report(assessment, version=assessment.version, actor=actor or assessment.assessor)
    db.session.commit()
    return assessment


def issued_review(
    *, region: Organisation | None = None, scores: Sequence[int] = (2, 1, 2, 3), **review_fields: object
) -> Review:
    review = make_review(region=region, **review_fields)
    assessment = assign(review)
    rate(assessment, scores)
    issue(assessment)
    assert assessment.stage == AssessmentStage.ISSUED
    return review
