"""Demo data: the demo case's shared learning and two actions, agreed at the demo panel, so
the tracker and the annual summary have content. Made through the same operations as the screens, idempotently.

- learning picked from Northshire Police's submitted learning point, and learning the
  inspector added for children's services;
- an action owned by Northshire Police, accepted and in progress, with two progress updates;
- an action owned by the County Council's children's services, proposed (awaiting its answer).

Each links back to the review's QA rating where the review has been assessed: to the
standard with the lowest score.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from agencies.models import Organisation, User
from cases.models import MultiAgencyCase
from cases.themes import LearningLevel, LearningTheme
from core.formatting import london_today, utc_now
from extensions import db
from learning.models import ActionEvent, ActionStatus, LearningItem
from learning.operations import (
    ActionDetails,
    ItemDetails,
    case_panels,
    compile_item,
    create_action,
    default_panel,
    post_update,
    submitted_learning_points,
    take_step,
)
from learning.rules import StepRequest
from reviews.models import Assessment, Standard

POLICE = "Northshire Police"
CHILDRENS = "Northshire County Council Children's Services"


def seed_demo_learning() -> list[str]:
    case = db.session.scalar(select(MultiAgencyCase).order_by(MultiAgencyCase.id).limit(1))
    if case is None or db.session.scalar(select(LearningItem.id).where(LearningItem.case_id == case.id).limit(1)):
        return []
    people = {u.email: u for u in db.session.scalars(select(User))}
    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    themes = {t.name: t for t in db.session.scalars(select(LearningTheme))}
    inspector, police_member = people.get("inspector@inspectorate.example"), people.get("police@police.example")
    police, childrens = organisations.get(POLICE), organisations.get(CHILDRENS)
    if inspector is None or police is None or childrens is None or not themes:
        return []

    def theme(name: str) -> LearningTheme:
        return themes.get(name) or next(iter(themes.values()))

    panel = default_panel(case_panels(case))  # the demo panel, where the panels seeder made one
    police_points = [
        p for p in submitted_learning_points(case) if p.agency_return.invitation.organisation_id == police.id
    ]
    linking = compile_item(
        case,
        ItemDetails(
            description=police_points[0].description
            if police_points
            else "Repeat incidents at one address must be linked before grading risk.",
            theme=(police_points[0].theme if police_points and police_points[0].theme else theme("Domestic abuse")),
            level=LearningLevel.LOCAL,
            sources=police_points[:1],
            panel=panel,
        ),
        inspector,
    )
    sharing = compile_item(
        case,
        ItemDetails(
            description="Children's services were not told of the second domestic incident although children lived at "
            "the address: police notifications to children's services must follow every incident where "
            "children are present.",
            theme=theme("Child safeguarding"),
            level=LearningLevel.MULTI_AGENCY,
            panel=panel,
        ),
        inspector,
    )

    assessment = case.review.assessment
    standard = _weakest_standard(assessment)
    today = london_today(utc_now())
    police_action = create_action(
        ActionDetails(
            title="Link repeat domestic incidents before grading risk",
            what_will_change="The control room will check for earlier incidents at the same address before a domestic "
            "incident is graded, and the repeat-victim flag will be set automatically.",
            owner=police,
            level=LearningLevel.LOCAL,
            theme=linking.theme,
            due_on=today + timedelta(days=60),
            evidence_measure="A dip sample of 30 domestic incidents three months on shows earlier incidents linked in "
            "every case.",
            case=case,
            learning_items=[linking],
            assessment=assessment,
            standard=standard,
            panel=panel,
        ),
        inspector,
    )
    childrens_action = create_action(
        ActionDetails(
            title="Act on police notifications where children are present",
            what_will_change="The front door team will screen every police notification about domestic abuse where "
            "children live at the address within one working day.",
            owner=childrens,
            level=LearningLevel.MULTI_AGENCY,
            theme=sharing.theme,
            due_on=today + timedelta(days=90),
            evidence_measure="Monthly performance report on notifications screened within one working day.",
            case=case,
            learning_items=[sharing],
            assessment=assessment,
            standard=standard,
            panel=panel,
        ),
        inspector,
    )
    db.session.flush()
    if police_member is not None:
        take_step(
            police_action,
            StepRequest(ActionEvent.ACCEPT),
            version=police_action.version,
            by=police_member,
            now=utc_now() - timedelta(days=8),
        )
        db.session.flush()
        post_update(
            police_action,
            progress="The control room procedure has been rewritten and approved.",
            evidence="",
            new_status=ActionStatus.IN_PROGRESS,
            version=police_action.version,
            by=police_member,
            now=utc_now() - timedelta(days=7),
        )
        db.session.flush()
        post_update(
            police_action,
            progress="Training for control room staff is booked for next month.",
            evidence="",
            new_status=ActionStatus.IN_PROGRESS,
            version=police_action.version,
            by=police_member,
        )
        db.session.flush()
    return [
        f"shared learning and actions {police_action.reference}, {childrens_action.reference} for case {case.reference}"
    ]


def _weakest_standard(assessment: Assessment | None) -> Standard | None:
    ratings = [r for r in (assessment.ratings if assessment else []) if r.score is not None]
    if not ratings:
        return None
    return min(ratings, key=lambda r: (r.score, r.position)).standard
