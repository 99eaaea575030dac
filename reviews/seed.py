"""Reference data (offence categories, the 2021 draft standards) and the demo reviews."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from agencies.models import Organisation, OrganisationKind, User
from core.audit import AuditEvent
from core.formatting import LONDON, govuk_date, london_today, utc_now
from extensions import db
from reviews import operations
from reviews.deadlines import is_working_day, week_bounds
from reviews.models import (
    Answer,
    Assurance,
    OffenceCategory,
    Review,
    SampleDraw,
    StandardsVersion,
    StandardsVersionStatus,
)
from reviews.standards import build_version
from reviews.standards_data import FIRST_VERSION_NAME, OFFENCE_CATEGORIES, STANDARDS
from reviews.validation import ReviewDetails


def seed_offence_categories() -> None:
    # Only into an empty list: once admins have edited it, their names stand (a renamed
    # category must not come back under its old name on the next deployment).
    if db.session.scalar(select(OffenceCategory.id).limit(1)) is not None:
        return
    for position, name in enumerate(OFFENCE_CATEGORIES, start=1):
        db.session.add(OffenceCategory(name=name, position=position))
    db.session.flush()


def seed_first_standards_version() -> None:
    if db.session.scalar(select(StandardsVersion.id).where(StandardsVersion.name == FIRST_VERSION_NAME)):
        return
    already_current = db.session.scalar(
        select(StandardsVersion.id).where(StandardsVersion.status == StandardsVersionStatus.CURRENT).limit(1)
    )
    version = build_version(
        FIRST_VERSION_NAME,
        STANDARDS,
        status=StandardsVersionStatus.RETIRED if already_current else StandardsVersionStatus.CURRENT,
    )
    version.published_at_utc = utc_now()
    db.session.flush()


# --- demo data ---------------------------------------------------------------------------

DEMO_SEED = 20210217  # the consultation's month: any fixed number makes the demo the same every time
DEMO_NOTE = "Demo data: sample for"
DEMO_REGIONS = [
    "North West Probation Region",
    "North West Probation Region",
    "North West Probation Region",
    "North East Probation Region",
    "Yorkshire and the Humber Probation Region",
    "Greater Manchester Probation Region",
    "Wales Probation Region",
    "London Probation Region",
    "West Midlands Probation Region",
]
DEMO_CATEGORIES = [
    "Murder",
    "Murder",
    "Attempted murder",
    "Manslaughter",
    "Rape",
    "Serious violence",
    "Serious violence",
    "Other serious sexual offence",
    "Arson endangering life",
    "Kidnapping or false imprisonment",
    "Sexual offence against a child under 13",
]
DEMO_SUMMARIES = [
    "Further offence committed while on licence after release from custody; the review examines risk assessment "
    "before release and information sharing with the police.",
    "Further offence during a community order with a requirement for accredited programme work; the review "
    "considers whether domestic abuse enquiries were made.",
    "Further offence shortly after a change of supervising practitioner; the review looks at handover and "
    "management oversight.",
    "Further offence while the person was managed under MAPPA level 2; the review considers the multi-agency "
    "risk management plan.",
    "Further offence after a period of missed appointments; the review examines enforcement decisions and home visits.",
    "Further offence while living in approved premises; the review considers licence conditions and exclusion zones.",
]
DEMO_AUTHOR_ROLES = [
    "Head of Public Protection",
    "Senior Probation Officer",
    "SFO Review Manager",
    "Quality Development Officer",
]
DEMO_FEEDBACK = {
    3: "The review is thorough and transparent: it tests each decision against what was known at the time and "
    "draws out the reasons behind the deficiencies it finds.",
    2: "The review analyses the key decisions well and reaches a clear judgement. It could say more about the "
    "reasons behind the missed opportunities.",
    1: "The review describes what happened but does not analyse why. Crucial decisions about risk are listed "
    "without a judgement on whether they were reasonable.",
    0: "The review does not give a clear judgement on whether all reasonable steps were taken, and the analysis "
    "does not support the conclusions it reaches.",
}
DEMO_EXTENSION_REASONS = [
    "The region sent a revised review after our initial questions.",
    "Inspector leave over the due date; agreed with the region's SFO lead.",
    "The review's action plan arrived two weeks after the review.",
]


def _backdate(moment: datetime, actor: User | None) -> None:
    """Give the audit events just recorded the demo's moment and person, before they are written."""
    for obj in list(db.session.new):
        if isinstance(obj, AuditEvent):
            obj.occurred_at_utc = moment
            if actor is not None:
                obj.actor_id, obj.actor_email = actor.id, actor.email
    db.session.flush()


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 30), tzinfo=LONDON).astimezone(UTC)


def seed_demo_reviews() -> list[str]:
    """About 40 reviews over the last 18 months, in every state, the same on every run."""
    if db.session.scalar(select(SampleDraw.id).where(SampleDraw.note.like(DEMO_NOTE + "%")).limit(1)):
        return []
    inspector = db.session.scalar(select(User).where(User.email == "inspector@inspectorate.example"))
    admin = db.session.scalar(select(User).where(User.email == "admin@inspectorate.example"))
    regions = {
        o.name: o
        for o in db.session.scalars(select(Organisation).where(Organisation.kind == OrganisationKind.PROBATION_REGION))
    }
    categories = {c.name: c for c in db.session.scalars(select(OffenceCategory))}
    if (
        inspector is None
        or admin is None
        or not all(name in regions for name in DEMO_REGIONS)
        or not all(name in categories for name in DEMO_CATEGORIES)
    ):
        return []  # not the demo organisations (or an edited list): leave the register alone

    rng = random.Random(DEMO_SEED)  # nosec B311 - demo data, not security
    today = london_today()
    received_days = sorted(rng.sample(range(3, 540), 36)) + [1, 2, 4, 6]  # four arrive in the last week
    created: list[str] = []
    reviews: list[Review] = []
    for days_ago in sorted(received_days, reverse=True):
        received = today - timedelta(days=days_ago)
        charged = received - timedelta(days=rng.randint(20, 60))
        details = ReviewDetails(
            region=regions[rng.choice(DEMO_REGIONS)],
            offence_category=categories[rng.choice(DEMO_CATEGORIES)],
            received_on=received,
            offence_on=charged - timedelta(days=rng.randint(1, 10)),
            charged_on=charged,
            author_role=rng.choice(DEMO_AUTHOR_ROLES),
            summary=rng.choice(DEMO_SUMMARIES),
        )
        review = operations.create_review(details)
        review.created_at_utc = _at(received, 9)
        _backdate(_at(received, 9), inspector)
        reviews.append(review)
        created.append(review.reference)

    # Two draws: the older reviews (all assured by now) and the recent ones (QA in progress).
    old_end = today - timedelta(days=120)
    recent_end = today - timedelta(days=22)
    for start, end, drawn_on in (
        (today - timedelta(days=540), old_end, old_end + timedelta(days=1)),
        (old_end + timedelta(days=1), recent_end, recent_end + timedelta(days=1)),
    ):
        draw = operations.draw_sample(
            period_start=start,
            period_end=end,
            share_percent=20,
            seed=DEMO_SEED,
            note=f"{DEMO_NOTE} {govuk_date(start)} to {govuk_date(end)}",
            actor=inspector,
        )
        draw.drawn_at_utc = _at(drawn_on, 11)
        _backdate(_at(drawn_on, 11), inspector)
        created.append(f"sample draw of {draw.sample_size} from {draw.population_size}")

    sampled = [r for r in reviews if r.assurance == Assurance.INSPECTORATE]
    recent = [r for r in sampled if r.received_on > old_end]
    # The recent sample shows the work in progress: one awaiting assignment, drafts, one complete.
    in_progress = {r.id: state for r, state in zip(recent, ["awaiting", "draft", "complete", "draft"], strict=False)}
    due_this_week_shown = False
    for number, review in enumerate(sampled):
        state = in_progress.get(review.id, "issued")
        if state == "awaiting":
            continue
        assigned_on = review.received_on + timedelta(days=2)
        assessment = operations.assign_assessor(review, inspector, admin)
        _backdate(_at(assigned_on, 9), admin)
        scores = [rng.choice([0, 1, 1, 2, 2, 2, 3]) for _ in range(4)]
        prompts = [p for s in assessment.standards_version.standards for p in s.prompts]
        answers = {p.id: (rng.choice(list(Answer)), "") for p in rng.sample(prompts, 10)}
        complete = state != "draft"
        if complete:  # a complete assessment answers every prompt, as the task list asks
            choices = list(Answer)
            answers |= {p.id: (choices[p.id % len(choices)], "") for p in prompts if p.id not in answers}
        data = operations.AssessmentInput(
            answers=answers,
            ratings={
                s.id: (score if complete or s.number < 3 else None, DEMO_FEEDBACK[score] if complete else "")
                for s, score in zip(assessment.standards_version.standards, scores, strict=True)
            },
            summary="The review is open about what went wrong; the action plan needs sharper measures."
            if complete
            else "",
        )
        operations.save_assessment(assessment, data, complete=complete, version=assessment.version, actor=inspector)
        _backdate(_at(assigned_on + timedelta(days=5), 15), inspector)
        if state == "draft" and not due_this_week_shown:
            # One draft moved, by agreement, to the end of this week: the dashboard has one due.
            friday = week_bounds(today)[0] + timedelta(days=4)
            new_due = friday if friday >= today else today + timedelta(days=3)
            if new_due > review.due_on:
                operations.extend_deadline(
                    review, new_due_on=new_due, reason=rng.choice(DEMO_EXTENSION_REASONS), actor=inspector
                )
                _backdate(_at(today - timedelta(days=1), 12), inspector)
                due_this_week_shown = True
        if state != "issued":
            continue
        # Most reports go out on time; some after an agreed extension; a few late.
        kind = ["on time", "on time", "extended", "on time", "late"][number % 5]
        if kind == "extended":
            operations.extend_deadline(
                review,
                new_due_on=review.due_on + timedelta(days=14),
                reason=rng.choice(DEMO_EXTENSION_REASONS),
                actor=inspector,
            )
            _backdate(_at(review.target_due_on - timedelta(days=2), 12), inspector)
        issued_on = (
            review.due_on + timedelta(days=rng.randint(2, 9))
            if kind == "late"
            else review.due_on - timedelta(days=rng.randint(0, 4))
        )
        issued_on = min(issued_on, today)
        while not is_working_day(issued_on):  # reports go out on working days
            issued_on -= timedelta(days=1)
        operations.issue_report(assessment, version=assessment.version, actor=inspector, notify=False)
        assessment.issued_on, assessment.issued_at_utc = issued_on, _at(issued_on, 16)
        for event in db.session.new:
            if isinstance(event, AuditEvent) and event.action == "qa_report.issued":
                on_time = issued_on <= review.due_on
                event.summary = f"QA report issued to {review.region.name} ({'on time' if on_time else 'late'})"
                event.details = {**event.details, "on_time": on_time}
        _backdate(_at(issued_on, 16), inspector)
    db.session.flush()
    return created
