"""Demo data: the demo case's shared learning and two actions, agreed at the demo panel, so
the tracker and the annual summary have content. Made through the same operations as the screens, idempotently.

- learning picked from Northshire Police's submitted learning point, and learning the
  inspector added for children's services;
- an action owned by Northshire Police, accepted and in progress, with two progress updates;
- an action owned by the County Council's children's services, proposed (awaiting its answer);
- and one in each other state: a change proposed (health), accepted (police), overdue and
  quiet for months (police), awaiting sign-off (children's services), declined (health), signed off with its
  impact review due (police), and signed off with its impact recorded (children's services).

Each links back to the review's QA rating where the review has been assessed: to the
standard with the lowest score.

And a panel held six weeks ago for the demo case, whose approved minutes agreed learning: the
approval compiled it as the case's shared learning (``seed_demo_minutes``, after the rest).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

from sqlalchemy import select

from agencies.models import Organisation, User
from cases.models import MultiAgencyCase
from cases.themes import LearningLevel, LearningTheme
from core.formatting import london_today, utc_now
from extensions import db
from learning.models import ActionEvent, ActionRecord, ActionStatus, LearningItem
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
from panels.minutes import ItemMinutes, approve_minutes, circulate_minutes, record_decision, save_minutes
from panels.models import Attendance, AttendeeRole, Panel, PanelAgendaItem, PanelAttendee, PanelStatus
from panels.operations import AttendanceEntry, record_outcome
from panels.rules import panel_times
from reviews.models import Assessment, Standard

POLICE = "Northshire Police"
CHILDRENS = "Northshire County Council Children's Services"
HEALTH = "Northshire NHS Foundation Trust"


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
    made = [police_action, childrens_action]
    health = organisations.get(HEALTH)
    members = {
        police.id: police_member,
        childrens.id: people.get("childrens@council.example"),
    }
    if health is not None:
        members[health.id] = people.get("health@health.example")
    made += _actions_in_every_state(
        case, panel, inspector, members, {o.id: o for o in (police, childrens, health) if o}, theme
    )
    return [f"shared learning and actions {', '.join(a.reference for a in made)} for case {case.reference}"]


def _actions_in_every_state(
    case: MultiAgencyCase,
    panel: Panel | None,
    inspector: User,
    members: dict[int, User | None],
    owners: dict[int, Organisation],
    theme: Callable[[str], LearningTheme],
) -> list[ActionRecord]:
    """One demo action in each state of an action's life not shown above: a change proposed,
    overdue, awaiting sign-off, declined, signed off with the impact review due, and signed off
    with its impact recorded. Made through the operations, back-dated where time must pass."""
    now = utc_now()
    made: list[ActionRecord] = []

    def action(owner_name: str, title: str, *, days_ago: int, due_in: int) -> tuple[ActionRecord, User] | None:
        owner = next((o for o in owners.values() if o.name == owner_name), None)
        member = members.get(owner.id) if owner else None
        if owner is None or member is None:
            return None
        recorded = now - timedelta(days=days_ago)
        record = create_action(
            ActionDetails(
                title=title,
                what_will_change=f"{title}: the change in practice, and who it is for.",
                owner=owner,
                level=LearningLevel.LOCAL,
                theme=theme("Information sharing"),
                due_on=london_today(recorded) + timedelta(days=due_in),
                evidence_measure="A dip sample of 20 cases three months on.",
                case=case,
                panel=panel,
            ),
            inspector,
        )
        record.created_at_utc = recorded
        db.session.flush()
        made.append(record)
        return record, member

    def step(record: ActionRecord, event: ActionEvent, by: User, days_ago: int, **answers: Any) -> None:
        take_step(
            record, StepRequest(event, **answers), version=record.version, by=by, now=now - timedelta(days=days_ago)
        )
        db.session.flush()

    def progress(record: ActionRecord, by: User, days_ago: int, status: ActionStatus, evidence: str = "") -> None:
        post_update(
            record,
            progress="Work under way: the procedure is written and staff are briefed.",
            evidence=evidence,
            new_status=status,
            version=record.version,
            by=by,
            now=now - timedelta(days=days_ago),
        )
        db.session.flush()

    if pair := action(HEALTH, "Share discharge plans with the police within a day", days_ago=20, due_in=40):
        record, member = pair
        step(
            record,
            ActionEvent.PROPOSE_CHANGE,
            member,
            10,
            reason="Our new records system goes live in the spring.",
            proposed_due_on=london_today(now) + timedelta(days=120),
        )
    if pair := action(POLICE, "Brief every response team on repeat-victim flags", days_ago=120, due_in=100):
        record, member = pair  # overdue by 20 days, last updated 90 days ago
        step(record, ActionEvent.ACCEPT, member, 115)
        progress(record, member, 90, ActionStatus.IN_PROGRESS)
    if pair := action(POLICE, "Add repeat-victim questions to the call-handling script", days_ago=5, due_in=90):
        record, member = pair  # accepted, not started: on track
        step(record, ActionEvent.ACCEPT, member, 2)
    if pair := action(CHILDRENS, "Screen police notifications within one working day", days_ago=90, due_in=120):
        record, member = pair
        step(record, ActionEvent.ACCEPT, member, 85)
        progress(record, member, 3, ActionStatus.AWAITING_SIGN_OFF, evidence="Monthly report: 96% screened in a day.")
    if pair := action(HEALTH, "Audit GP records for domestic abuse markers", days_ago=30, due_in=60):
        record, member = pair
        step(record, ActionEvent.DECLINE, member, 25, reason="GP records are held by the practices, not by the trust.")
    if pair := action(POLICE, "Record children present at every domestic incident", days_ago=500, due_in=90):
        record, member = pair  # signed off 13 months ago: its impact review is due
        step(record, ActionEvent.ACCEPT, member, 495)
        progress(record, member, 410, ActionStatus.AWAITING_SIGN_OFF, evidence="Audit: children recorded in 29 of 30.")
        step(record, ActionEvent.SIGN_OFF, inspector, 400)
    if pair := action(CHILDRENS, "Invite police to every strategy discussion", days_ago=600, due_in=60):
        record, member = pair  # reviewed: impact achieved
        step(record, ActionEvent.ACCEPT, member, 595)
        progress(record, member, 540, ActionStatus.AWAITING_SIGN_OFF, evidence="Minutes of 40 strategy discussions.")
        step(record, ActionEvent.SIGN_OFF, inspector, 530)
        step(
            record,
            ActionEvent.IMPACT_EVIDENCE,
            member,
            160,
            reason="Police attended 38 of 40 strategy discussions this year.",
            evidence="Attendance log.",
        )
        step(record, ActionEvent.RECORD_IMPACT, inspector, 150, impact="achieved", reason="The change has held.")
    return made


def _weakest_standard(assessment: Assessment | None) -> Standard | None:
    ratings = [r for r in (assessment.ratings if assessment else []) if r.score is not None]
    if not ratings:
        return None
    return min(ratings, key=lambda r: (r.score, r.position)).standard


HELD_PANEL_TITLE = "Northshire multi-agency learning panel (held)"
HELD_PANEL_ATTENDEES = ("police@police.example", "health@health.example", "childrens@council.example")


def seed_demo_minutes() -> list[str]:
    """A panel held six weeks ago for the demo case: attendance recorded, a decision logged, and
    minutes written, circulated and approved, whose approval compiled the learning agreed as the
    case's shared learning (``MINUTES_APPROVED_HANDLERS``), as on screen. Built directly (the
    panel screens make only future panels); the minutes go through their own operations."""
    if db.session.scalar(select(Panel.id).where(Panel.title == HELD_PANEL_TITLE).limit(1)) is not None:
        return []
    case = db.session.scalar(select(MultiAgencyCase).order_by(MultiAgencyCase.id).limit(1))
    people = {u.email: u for u in db.session.scalars(select(User))}
    themes = {t.name: t for t in db.session.scalars(select(LearningTheme))}
    inspector = people.get("inspector@inspectorate.example")
    police = people.get("police@police.example")
    if case is None or inspector is None or police is None or not themes:
        return []
    day = london_today(utc_now()) - timedelta(days=42)
    while day.weekday() >= 5:  # a weekday
        day -= timedelta(days=1)
    starts_at, ends_at = panel_times(day, time(10, 0), time(12, 0))
    panel = Panel(
        uid=f"panel-demo-held-{case.id}@learning-panels",
        title=HELD_PANEL_TITLE,
        starts_at_utc=starts_at,
        ends_at_utc=ends_at,
        place="Room 3, Northshire County Hall, Northtown NT1 2AB",
        convened_by=inspector,
        status=PanelStatus.SCHEDULED,
        scheduled_at_utc=starts_at - timedelta(days=21),
    )
    db.session.add(panel)
    panel.attendees.append(PanelAttendee(user=inspector, role=AttendeeRole.CHAIR))
    for email in HELD_PANEL_ATTENDEES:
        if (person := people.get(email)) is not None:
            panel.attendees.append(PanelAttendee(user=person, role=AttendeeRole.MEMBER))
    agenda_item = PanelAgendaItem(panel=panel, case=case, position=1, start_time=time(10, 15))
    db.session.add(agenda_item)
    db.session.flush()
    register = {attendee.id: AttendanceEntry(Attendance.PRESENT) for attendee in panel.attendees}
    record_outcome(panel, register, "", True, panel.version, inspector)
    db.session.flush()
    theme = themes.get("Risk assessment") or next(iter(themes.values()))
    minutes = save_minutes(
        panel,
        {
            agenda_item.id: ItemMinutes(
                discussion="The police described the two call-outs to the address; probation had not been told "
                "of the second before the risk review.",
                key_findings="Risk was reviewed without the latest police information.",
                learning_agreed="Probation must ask the police for call-outs to the address before every risk "
                "review of a domestic abuse case.",
                learning_theme_id=theme.id,
                learning_level=LearningLevel.REGIONAL,
            )
        },
        "None.",
        0,
        inspector,
    )
    record_decision(
        panel,
        agenda_item=agenda_item,
        decision="Probation will check police call-outs before every domestic abuse risk review.",
        decided_by="The panel",
        agreeing=[police.organisation],
        by=inspector,
    )
    db.session.flush()
    circulate_minutes(panel, london_today(utc_now()), minutes.version, inspector)
    db.session.flush()
    approved = approve_minutes(panel, minutes.version, inspector)
    db.session.flush()
    compiled = f"{approved.learning} piece{'s' if approved.learning != 1 else ''} of shared learning"
    return [f"held panel with approved minutes ({compiled} agreed) for case {case.reference}"]
