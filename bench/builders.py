"""Data builders, one per domain, registered in the order they run.

Volumes are per year of national work (the issue's 1×: 800 reviews, 160 assured, 40
multi-agency cases, 150 agency returns, 12 panels, 400 actions), multiplied by the scale.
Organisations other than the twelve probation regions grow with the scale too, so that lists
of them are tested at size. Builders insert with bulk statements, never one ORM object at a
time, and leave ids in ``context.ids`` for later builders:

- ``organisations.inspectorate``, ``organisations.region``, ``organisations.agency``
- ``users.admin``, ``users.inspector``, ``users.agency``, ``users.probation`` (the benchmark's
  own accounts first in each list; see ``datasets.ACCOUNTS``)
- ``reviews``, ``reviews.assured`` (those with an assessment), ``assessments``

To add a domain (cases and returns, panels, actions): write a ``@builder`` function below the
ones it depends on, insert through ``context.insert(Model, rows)``, and record ids for the
next. The data set's fingerprint includes this file, so editing it rebuilds the sets.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta, timezone

from bench.datasets import ACCOUNTS, BENCH_PASSWORD, BuildContext, builder

PROBATION_REGIONS = [
    "North West", "North East", "Yorkshire and the Humber", "Greater Manchester", "West Midlands",
    "East Midlands", "East of England", "London", "Kent, Surrey and Sussex", "South West", "South Central", "Wales",
]
PLACES = ["Northshire", "Southshire", "Eastshire", "Westvale", "Riverside", "Hillford", "Lakeland", "Moorcaster"]
AGENCY_KINDS = [
    ("police", "Police"), ("health", "NHS Foundation Trust"), ("childrens_services", "Children's Services"),
    ("adult_social_care", "Adult Social Care"), ("youth_justice", "Youth Justice Service"),
    ("housing", "Housing Partnership"), ("prison", "Prison"), ("other", "Community Safety Partnership"),
]
FIRST_NAMES = ["Alex", "Sam", "Priya", "Tom", "Aisha", "Owen", "Grace", "Dev", "Maria", "Jon", "Fatima", "Rhys"]
LAST_NAMES = ["Shah", "Jones", "Evans", "Okafor", "Murphy", "Khan", "Taylor", "Hughes", "Nowak", "Price", "Ali"]
AUDIT_ACTIONS = [
    ("sign_in", "User", "Signed in"), ("review.viewed", "Review", "Viewed review"),
    ("assessment.saved", "Assessment", "Saved the QA assessment"), ("case.identifiers_viewed", "MultiAgencyCase",
                                                                   "Viewed identifying details"),
    ("return.saved", "AgencyReturn", "Saved a draft return"), ("person.updated", "User", "Changed a person"),
]

# Per year of national volume (the issue's figures; people and audit events are this design's).
AGENCIES_PER_YEAR = 40
PEOPLE_PER_YEAR = 250
AUDIT_EVENTS_PER_YEAR = 10_000
REVIEWS_PER_YEAR = 800
ASSURED_PER_YEAR = 160


def _moment(context: BuildContext, day: date) -> datetime:
    seconds = context.rng.randrange(8 * 3600, 18 * 3600)
    return datetime.combine(day, time.min, tzinfo=timezone.utc) + timedelta(seconds=seconds)


def _years(context: BuildContext) -> list[int]:
    """One reporting year per unit of scale, ending with the current one."""
    this_year = date.today().year
    return [this_year - offset for offset in range(context.scale)]


@builder("organisations and people")
def build_people(context: BuildContext) -> None:
    from agencies.models import Organisation, OrganisationKind, Role, User
    from agencies.passwords import hash_password

    rng = context.rng
    context.ids["organisations.inspectorate"] = context.insert(
        Organisation, [{"name": "HM Inspectorate of Probation", "kind": OrganisationKind.INSPECTORATE}]
    )
    context.ids["organisations.region"] = context.insert(
        Organisation, [{"name": f"{region} Probation Region", "kind": OrganisationKind.PROBATION_REGION}
                       for region in PROBATION_REGIONS]
    )
    agencies = []
    for number in range(context.per_scale(AGENCIES_PER_YEAR)):
        kind, noun = AGENCY_KINDS[number % len(AGENCY_KINDS)]
        place = PLACES[(number // len(AGENCY_KINDS)) % len(PLACES)]
        agencies.append({"name": f"{place} {noun} {number + 1}", "kind": OrganisationKind(kind),
                         "contact_email": f"team{number + 1}@agency.example" if number % 3 == 0 else None})
    context.ids["organisations.agency"] = context.insert(Organisation, agencies)

    password_hash = hash_password(BENCH_PASSWORD)
    inspectorate = context.ids["organisations.inspectorate"][0]
    homes = {
        "admin": (Role.ADMIN, [inspectorate]),
        "inspector": (Role.INSPECTOR, [inspectorate]),
        "agency": (Role.AGENCY_MEMBER, context.ids["organisations.agency"]),
        "probation": (Role.AGENCY_MEMBER, context.ids["organisations.region"]),
    }

    def person(number: int, kind: str, email: str | None = None) -> dict:
        role, organisations = homes[kind]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        return {
            "email": email or f"{first}.{last}.{number}@people.example".lower(),
            "full_name": f"{first} {last}",
            "job_title": "Bench person",
            "organisation_id": organisations[0] if email else rng.choice(organisations),
            "role": role,
            "password_hash": password_hash,
            "session_token": secrets.token_urlsafe(32),
            "active": bool(email) or number % 40 != 0,  # one in forty has left
        }

    # The accounts the pages are measured as come first, so they are ``ids[...][0]``.
    for kind, email in ACCOUNTS.items():
        context.ids[f"users.{kind}"] = context.insert(User, [person(0, kind, email)])
    shares = {"admin": 0.02, "inspector": 0.08, "agency": 0.7, "probation": 0.2}
    total = context.per_scale(PEOPLE_PER_YEAR)
    for kind, share in shares.items():
        rows = [person(number + 1, kind) for number in range(int(total * share))]
        for row_number, row in enumerate(rows):
            row["email"] = f"{kind}.{row_number}.{row['email']}"
        context.ids[f"users.{kind}"] += context.insert(User, rows)


@builder("audit trail")
def build_audit_trail(context: BuildContext) -> None:
    from core.audit import AuditEvent

    rng = context.rng
    actors = context.ids["users.inspector"] + context.ids["users.agency"][:200]
    years = _years(context)
    per_year = AUDIT_EVENTS_PER_YEAR

    def rows():  # type: ignore[no-untyped-def]
        for year in years:
            start = date(year, 1, 1)
            for _ in range(per_year):
                action, object_type, summary = rng.choice(AUDIT_ACTIONS)
                actor = rng.choice(actors)
                yield {
                    "occurred_at_utc": _moment(context, start + timedelta(days=rng.randrange(365))),
                    "actor_id": actor,
                    "actor_email": f"actor{actor}@people.example",
                    "action": action,
                    "object_type": object_type,
                    "object_id": str(rng.randrange(1, 10_000)),
                    "summary": summary,
                    "details": {},
                    "ip_address": "10.0.0.1",
                }

    context.insert(AuditEvent, rows())


@builder("reviews and QA assessments")
def build_reviews(context: BuildContext) -> None:
    from extensions import db
    from reviews.deadlines import qa_due_date
    from reviews.models import (
        Answer,
        Assessment,
        AssessmentStage,
        Assurance,
        KeyQuestion,
        OffenceCategory,
        Prompt,
        PromptAnswer,
        Review,
        Standard,
        StandardRating,
        StandardsVersion,
        StandardsVersionStatus,
    )

    rng = context.rng
    categories = db.session.scalars(db.select(OffenceCategory.id)).all()
    version = db.session.scalar(
        db.select(StandardsVersion.id).where(StandardsVersion.status == StandardsVersionStatus.CURRENT)
    )
    standards = db.session.execute(
        db.select(Standard.id, Standard.number).where(Standard.version_id == version).order_by(Standard.number)
    ).all()
    prompts = db.session.scalars(
        db.select(Prompt.id).join(KeyQuestion).join(Standard).where(Standard.version_id == version)
    ).all()
    regions = context.ids["organisations.region"]
    inspectors = context.ids["users.inspector"]

    reviews = []
    assured_flags = []
    for year in _years(context):
        # Reference numbers are per year (SFO-YYYY-NNNN), so each year of volume has its own.
        picked = set(rng.sample(range(REVIEWS_PER_YEAR), ASSURED_PER_YEAR))
        for number in range(REVIEWS_PER_YEAR):
            received = date(year, 1, 1) + timedelta(days=rng.randrange(365))
            due = qa_due_date(received)
            reviews.append({
                "reference": f"SFO-{year}-{number + 1:04d}",
                "region_id": rng.choice(regions),
                "offence_category_id": rng.choice(categories),
                "received_on": received,
                "target_due_on": due,
                "due_on": due,
                "summary": "Synthetic review for the benchmark. " * 4,
                "assurance": Assurance.INSPECTORATE if number in picked else Assurance.HMPPS,
            })
            assured_flags.append(number in picked)
    review_ids = context.insert(Review, reviews)
    context.ids["reviews"] = review_ids
    assured = [(review_id, row) for review_id, row, flag in zip(review_ids, reviews, assured_flags) if flag]
    context.ids["reviews.assured"] = [review_id for review_id, _row in assured]

    assessments = []
    for review_id, row in assured:
        issued = row["received_on"] + timedelta(days=rng.randrange(10, 30))
        assessments.append({
            "review_id": review_id,
            "standards_version_id": version,
            "assessor_id": rng.choice(inspectors),
            "stage": AssessmentStage.ISSUED,
            "summary": "Synthetic QA summary.",
            "assigned_at_utc": _moment(context, row["received_on"]),
            "completed_at_utc": _moment(context, issued),
            "issued_at_utc": _moment(context, issued),
            "issued_on": issued,
            "issued_by_id": rng.choice(inspectors),
        })
    assessment_ids = context.insert(Assessment, assessments)
    context.ids["assessments"] = assessment_ids

    context.insert(StandardRating, (
        {"assessment_id": assessment_id, "standard_id": standard_id, "position": number,
         "score": rng.choice([0, 1, 2, 2, 3, 3]), "feedback": "Synthetic feedback."}
        for assessment_id in assessment_ids for standard_id, number in standards
    ))
    answers = list(Answer)
    context.insert(PromptAnswer, (
        {"assessment_id": assessment_id, "prompt_id": prompt_id, "answer": rng.choice(answers), "note": ""}
        for assessment_id in assessment_ids for prompt_id in prompts
    ))
