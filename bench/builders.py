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
- ``themes`` (active), ``themes.retired``
- ``cases``, ``cases.busiest`` (the case page's), ``invitations``, ``returns``, ``learning_points``
- ``panels``, ``panels.pack`` (each year's ten-case panel)
- ``learning_items``, ``actions``

Later builders also read back what they need (dates, links) with plain SELECTs. Association
tables (no id to return) go in through ``_link``, a bulk INSERT as well.

To add a domain: write a ``@builder`` function below the ones it depends on, insert through
``context.insert(Model, rows)``, and record ids for the next. The data set's fingerprint
includes this file, so editing it rebuilds the sets. Dates are laid out around the day the set
is built (what has happened by then, what is still ahead): a set reused for weeks drifts (the
calendar feed's window loses its oldest panels, more actions fall overdue), so rebuild it
(``--rebuild``) before a run that is to be compared.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bench.datasets import ACCOUNTS, BENCH_PASSWORD, BuildContext, builder

PROBATION_REGIONS = [
    "North West",
    "North East",
    "Yorkshire and the Humber",
    "Greater Manchester",
    "West Midlands",
    "East Midlands",
    "East of England",
    "London",
    "Kent, Surrey and Sussex",
    "South West",
    "South Central",
    "Wales",
]
PLACES = ["Northshire", "Southshire", "Eastshire", "Westvale", "Riverside", "Hillford", "Lakeland", "Moorcaster"]
AGENCY_KINDS = [
    ("police", "Police"),
    ("health", "NHS Foundation Trust"),
    ("childrens_services", "Children's Services"),
    ("adult_social_care", "Adult Social Care"),
    ("youth_justice", "Youth Justice Service"),
    ("housing", "Housing Partnership"),
    ("prison", "Prison"),
    ("other", "Community Safety Partnership"),
]
FIRST_NAMES = ["Alex", "Sam", "Priya", "Tom", "Aisha", "Owen", "Grace", "Dev", "Maria", "Jon", "Fatima", "Rhys"]
LAST_NAMES = ["Shah", "Jones", "Evans", "Okafor", "Murphy", "Khan", "Taylor", "Hughes", "Nowak", "Price", "Ali"]
AUDIT_ACTIONS = [
    ("sign_in", "User", "Signed in"),
    ("review.viewed", "Review", "Viewed review"),
    ("assessment.saved", "Assessment", "Saved the QA assessment"),
    ("case.identifiers_viewed", "MultiAgencyCase", "Viewed identifying details"),
    ("return.saved", "AgencyReturn", "Saved a draft return"),
    ("person.updated", "User", "Changed a person"),
]

# Per year of national volume (the issue's figures; people and audit events are this design's).
AGENCIES_PER_YEAR = 40
PEOPLE_PER_YEAR = 250
AUDIT_EVENTS_PER_YEAR = 10_000
REVIEWS_PER_YEAR = 800
ASSURED_PER_YEAR = 160


def _moment(context: BuildContext, day: date) -> datetime:
    seconds = context.rng.randrange(8 * 3600, 18 * 3600)
    return datetime.combine(day, time.min, tzinfo=UTC) + timedelta(seconds=seconds)


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
        Organisation,
        [
            {"name": f"{region} Probation Region", "kind": OrganisationKind.PROBATION_REGION}
            for region in PROBATION_REGIONS
        ],
    )
    agencies = []
    for number in range(context.per_scale(AGENCIES_PER_YEAR)):
        kind, noun = AGENCY_KINDS[number % len(AGENCY_KINDS)]
        place = PLACES[(number // len(AGENCY_KINDS)) % len(PLACES)]
        agencies.append(
            {
                "name": f"{place} {noun} {number + 1}",
                "kind": OrganisationKind(kind),
                "contact_email": f"team{number + 1}@agency.example" if number % 3 == 0 else None,
            }
        )
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

    def rows():
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
        ReviewStatus,
        Standard,
        StandardRating,
        StandardsVersion,
        StandardsVersionStatus,
    )

    rng = context.rng
    today = date.today()
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
        days_in_year = min(365, (today - date(year, 1, 1)).days + 1)
        for number in range(REVIEWS_PER_YEAR):
            received = date(year, 1, 1) + timedelta(days=rng.randrange(days_in_year))
            due = qa_due_date(received)
            # The last four weeks' reviews are open work: not yet sampled, or QA in progress.
            recent = received > today - timedelta(days=28)
            if number in picked:
                assurance, status = (
                    Assurance.INSPECTORATE,
                    (ReviewStatus.IN_PROGRESS if recent else ReviewStatus.ISSUED),
                )
            else:
                assurance, status = (
                    (Assurance.AWAITING_SAMPLE, ReviewStatus.AWAITING_SAMPLE)
                    if recent
                    else (Assurance.HMPPS, ReviewStatus.HMPPS)
                )
            reviews.append(
                {
                    "reference": f"SFO-{year}-{number + 1:04d}",
                    "region_id": rng.choice(regions),
                    "offence_category_id": rng.choice(categories),
                    "received_on": received,
                    "target_due_on": due,
                    "due_on": due,
                    "summary": "Synthetic review for the benchmark. " * 4,
                    "assurance": assurance,
                    "status": status,
                }
            )
            assured_flags.append(number in picked)
    review_ids = context.insert(Review, reviews)
    context.ids["reviews"] = review_ids
    assured = [
        (review_id, row) for review_id, row, flag in zip(review_ids, reviews, assured_flags, strict=False) if flag
    ]
    context.ids["reviews.assured"] = [review_id for review_id, _row in assured]

    assessments = []
    for review_id, row in assured:
        if row["status"] == ReviewStatus.IN_PROGRESS:
            assessments.append(
                {
                    "review_id": review_id,
                    "standards_version_id": version,
                    "assessor_id": rng.choice(inspectors),
                    "stage": AssessmentStage.DRAFT,
                    "summary": "",
                    "assigned_at_utc": _moment(context, row["received_on"]),
                }
            )
            continue
        issued = row["received_on"] + timedelta(days=rng.randrange(10, 30))
        assessments.append(
            {
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
            }
        )
    assessment_ids = context.insert(Assessment, assessments)
    context.ids["assessments"] = assessment_ids

    context.insert(
        StandardRating,
        (
            {
                "assessment_id": assessment_id,
                "standard_id": standard_id,
                "position": number,
                "score": rng.choice([0, 1, 2, 2, 3, 3]),
                "feedback": "Synthetic feedback.",
            }
            for assessment_id in assessment_ids
            for standard_id, number in standards
        ),
    )
    answers = list(Answer)
    context.insert(
        PromptAnswer,
        (
            {"assessment_id": assessment_id, "prompt_id": prompt_id, "answer": rng.choice(answers), "note": ""}
            for assessment_id in assessment_ids
            for prompt_id in prompts
        ),
    )


# --- cases, returns, panels, shared learning and actions ---------------------------------------
#
# Per year of national volume (the issue's figures): 40 multi-agency cases with 150 agency
# returns between them (one return per invitation, as the portal makes them), 12 panels, 400
# actions. Learning themes, chronologies, learning points, shared learning and progress updates
# are this design's. Things that have happened (flagged, submitted, held, recorded) are never
# later than the moment of the build; what would fall after it is left undone (a draft return, a
# scheduled panel, an open action), so the current year looks like a year in progress.

CASES_PER_YEAR = 40
RETURNS_PER_YEAR = 150
PANELS_PER_YEAR = 12
ACTIONS_PER_YEAR = 400
# The case page is measured on the case with the most returns: one case, in the current year,
# asks this many agencies (every other case asks 2 to 6), all of which have submitted.
BUSIEST_CASE_AGENCIES = 8
# Each year's last held panel has this many cases on its agenda (the panel pack timing).
PACK_PANEL_CASES = 10
# The calendar feed timing: one person is on this many panels in the feed's window (the last
# 365 days and what is ahead). Twelve panels a year cannot fill it, so this person (an inspector
# who observes every panel) also has a series of short learning forums, whatever the scale.
FEED_PANELS = 50
# The feed address's secret: only its SHA-256 is stored, as the portal stores it.
FEED_TOKEN = "bench-calendar-feed-not-a-secret"  # nosec B105 - synthetic, loopback only
EXTRA_THEMES = [
    ("Professional curiosity", True),
    ("Transitions between services", True),
    ("Recording and case notes", True),
    ("Escalation and challenge", True),
    ("Offender management (old name)", False),
    ("Home visits (merged)", False),
]
CHRONOLOGY_EVENTS = [
    "Home visit completed; partner present.",
    "Missed appointment, not followed up.",
    "Referral received from the police about a domestic incident.",
    "Multi-agency meeting held; actions agreed.",
    "GP appointment; low mood reported.",
    "Housing application closed without contact.",
    "Risk assessment reviewed after arrest.",
    "Information shared with children's services.",
]
LEARNING_POINTS = [
    "Repeat incidents at one address were not linked when risk was graded.",
    "Information about the partner's children was held but not shared.",
    "Escalation between agencies did not happen when the plan stalled.",
    "Records of contact were too brief to show the decisions made.",
    "The handover between teams lost the history of concerns.",
    "Professional curiosity about the new relationship was missing.",
]
ACTION_TITLES = [
    "Link repeat domestic incidents before grading risk",
    "Screen notifications where children are present",
    "Review the handover checklist between teams",
    "Brief staff on escalation routes",
    "Audit case recording against the new standard",
    "Agree an information-sharing protocol",
    "Add MAPPA eligibility checks to allocation",
    "Train managers in reflective supervision",
]
REPLY_WEIGHTS = [("accepted", 75), ("tentative", 8), ("declined", 10), (None, 7)]


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _later(context: BuildContext, start: datetime, low_days: float, high_days: float) -> datetime:
    """A moment between ``low_days`` and ``high_days`` after ``start``."""
    return start + timedelta(seconds=context.rng.randrange(int(low_days * 86400), int(high_days * 86400) + 1))


def _weighted(context: BuildContext, weighted: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=False)
    return context.rng.choices(values, weights=weights)[0]


def _spread(context: BuildContext, total: int, slots: int, low: int, high: int) -> list[int]:
    """``slots`` whole numbers between ``low`` and ``high`` adding up to ``total`` (as near as the bounds allow)."""
    counts = [low] * slots
    open_slots = list(range(slots))
    for _ in range(max(0, total - low * slots)):
        if not open_slots:
            break
        slot = context.rng.choice(open_slots)
        counts[slot] += 1
        if counts[slot] >= high:
            open_slots.remove(slot)
    return counts


def _link(context: BuildContext, table: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk-insert rows of an association table (no id to return), in chunks."""
    from sqlalchemy import insert

    from bench.datasets import CHUNK
    from extensions import db

    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start : start + CHUNK])
    context.counts[table.name] = context.counts.get(table.name, 0) + len(rows)


def _people(context: BuildContext) -> tuple[dict[int, list[int]], dict[int, tuple[str, int]], dict[int, str]]:
    """(active agency members by organisation, (name, organisation) by user id, organisation names)."""
    from agencies.models import Organisation, Role, User
    from extensions import db

    members: dict[int, list[int]] = {}
    users: dict[int, tuple[str, int]] = {}
    for user_id, organisation_id, name, role, active in db.session.execute(
        db.select(User.id, User.organisation_id, User.full_name, User.role, User.active).order_by(User.id)
    ):
        users[user_id] = (name, organisation_id)
        if active and role == Role.AGENCY_MEMBER:
            members.setdefault(organisation_id, []).append(user_id)
    names = dict(db.session.execute(db.select(Organisation.id, Organisation.name)).all())
    return members, users, names


def _active_inspectors(context: BuildContext, *, but: tuple[int, ...] = ()) -> list[int]:
    from agencies.models import User
    from extensions import db

    active = set(db.session.scalars(db.select(User.id).where(User.active.is_(True))))
    return [i for i in context.ids["users.inspector"] if i in active and i not in but]


@builder("learning themes")
def build_themes(context: BuildContext) -> None:
    from cases.themes import LearningTheme
    from extensions import db

    last = db.session.scalar(db.select(db.func.max(LearningTheme.position))) or 0
    context.insert(
        LearningTheme,
        [
            {"name": name, "active": active, "position": last + number}
            for number, (name, active) in enumerate(EXTRA_THEMES, start=1)
        ],
    )
    rows = db.session.execute(db.select(LearningTheme.id, LearningTheme.active).order_by(LearningTheme.id)).all()
    context.ids["themes"] = [theme_id for theme_id, active in rows if active]
    context.ids["themes.retired"] = [theme_id for theme_id, active in rows if not active]


def _theme(context: BuildContext, moment: datetime) -> int:
    """An active theme; learning from earlier years is now and then filed under a retired one."""
    if moment.year < date.today().year and context.rng.random() < 0.1:
        return context.rng.choice(context.ids["themes.retired"])
    return context.rng.choice(context.ids["themes"])


@builder("multi-agency cases, invitations and returns")
def build_cases(context: BuildContext) -> None:
    from cases.models import (
        REQUEST_READ,
        AgencyReturn,
        CaseInvitation,
        Involvement,
        MultiAgencyCase,
        ReturnChronologyEntry,
        ReturnLearningPoint,
        ReturnStatus,
        UnderpinningReason,
    )
    from cases.themes import LearningLevel
    from core.audit import READ_PREFIX, AuditEvent
    from extensions import db
    from reviews.models import Assessment, Review

    rng = context.rng
    now = _now()
    today = now.date()
    members, _users, _names = _people(context)
    inspectors = _active_inspectors(context)
    bench_inspector = context.ids["users.inspector"][0]
    agencies = context.ids["organisations.agency"]
    bench_agency = agencies[0]  # the agency account's organisation
    others = agencies[1:]
    staffed = [o for o in others if members.get(o)]

    reviews_by_year: dict[int, list[tuple[int, date, bool]]] = {}
    categories: dict[int, int] = {}
    # The review page's review (the last assessment's) is kept out of cases: its actions are fixed.
    measured = db.session.scalar(db.select(Assessment.review_id).order_by(Assessment.id.desc()).limit(1))
    for review_id, received, category, assessment_id in db.session.execute(
        db.select(Review.id, Review.received_on, Review.offence_category_id, Assessment.id)
        .outerjoin(Assessment, Assessment.review_id == Review.id)
        .order_by(Review.id)
    ):
        if review_id != measured:
            reviews_by_year.setdefault(received.year, []).append((review_id, received, assessment_id is not None))
        categories[review_id] = category

    cases: list[dict[str, Any]] = []
    invited: list[list[int]] = []  # organisations asked, per case
    busiest_index = None
    for year_number, year in enumerate(_years(context)):
        # Flagged a week to three weeks after the review came in, so only reviews received at
        # least five weeks ago are flagged by now. Most are assured by the Inspectorate.
        candidates = [r for r in reviews_by_year.get(year, []) if r[1] <= today - timedelta(days=35)]
        assured = [r for r in candidates if r[2]]
        others_reviews = [r for r in candidates if not r[2]]
        want_assured = min(len(assured), round(CASES_PER_YEAR * 0.85))
        picked = rng.sample(assured, want_assured)
        picked += rng.sample(others_reviews, min(len(others_reviews), CASES_PER_YEAR - want_assured))
        picked.sort(key=lambda r: r[1])
        if not picked:
            continue
        first = len(cases)
        for review_id, received, _assured in picked:
            flagged = _moment(context, received + timedelta(days=rng.randrange(7, 22)))
            reply_by = flagged.date() + timedelta(days=28)
            closed_on = None
            if flagged.date() + timedelta(days=250) < today:
                closed_on = flagged.date() + timedelta(days=rng.randrange(180, 240))
            erased_at = None
            if closed_on is not None and closed_on + timedelta(days=370) < today:
                erased_at = _moment(context, closed_on + timedelta(days=367))
            first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            flagger = bench_inspector if rng.random() < 0.4 else rng.choice(inspectors)
            cases.append(
                {
                    "review_id": review_id,
                    "reason": "Several agencies knew of the risk; the review asks how they worked together.",
                    "reply_by": reply_by,
                    "person_name": None if erased_at else f"{first_name} {last_name}",
                    "date_of_birth": None
                    if erased_at
                    else date(rng.randrange(1960, 2004), rng.randrange(1, 13), rng.randrange(1, 29)),
                    "other_identifiers": None
                    if erased_at
                    else f"PNC {rng.randrange(10, 99)}/{rng.randrange(10**5, 10**6)}X",
                    "identifiers_erased_at_utc": erased_at,
                    "supervision_started_on": received - timedelta(days=rng.randrange(200, 900)),
                    "supervision_ended_on": received - timedelta(days=rng.randrange(0, 30))
                    if rng.random() < 0.3
                    else None,
                    "offence_on": received - timedelta(days=rng.randrange(30, 120)),
                    "offence_category_id": None,  # the review's, filled in below
                    "partner_summary": "Synthetic summary shared with the agencies. " * 3,
                    "flagged_by_id": flagger,
                    "closed_on": closed_on,
                    "closed_by_id": flagger if closed_on else None,
                    "created_at_utc": flagged,
                    "updated_at_utc": erased_at or (_moment(context, closed_on) if closed_on else flagged),
                }
            )
        year_cases = list(range(first, len(cases)))
        counts = dict(zip(year_cases, _spread(context, RETURNS_PER_YEAR, len(year_cases), 2, 6), strict=False))
        if year_number == 0:
            # The busiest case: long enough ago that every agency has replied, recent enough to be open.
            settled = [i for i in year_cases if cases[i]["reply_by"] < today - timedelta(days=60)] or year_cases
            busiest_index = rng.choice(settled[len(settled) // 2 :])
            surplus = BUSIEST_CASE_AGENCIES - counts[busiest_index]
            counts[busiest_index] = BUSIEST_CASE_AGENCIES
            for i in sorted(year_cases, key=lambda i: -counts[i]):  # keep the year's total
                while surplus > 0 and i != busiest_index and counts[i] > 2:
                    counts[i] -= 1
                    surplus -= 1
        for number, i in enumerate(year_cases):
            pool = staffed if i == busiest_index else others
            # The agency account's organisation is asked about one case in eight (and the busiest).
            with_bench = i == busiest_index or number % 8 == 3
            chosen = rng.sample(pool, counts[i] - 1 if with_bench else counts[i])
            invited.append(([bench_agency] if with_bench else []) + chosen)

    for row in cases:
        row["offence_category_id"] = categories[row["review_id"]]
    case_ids = context.insert(MultiAgencyCase, cases)
    context.ids["cases"] = case_ids
    context.ids["cases.busiest"] = [case_ids[busiest_index]] if busiest_index is not None else []

    # Invitations and their returns, decided together: each return's fate follows from when
    # the agency was asked, whether anyone there can answer, and the case's state.
    invitations: list[dict[str, Any]] = []
    receipts: list[tuple[int, datetime | None]] = []  # (who opened the request, when), per invitation
    returns: list[dict[str, Any]] = []
    plans: list[tuple[int, bool, bool, datetime]] = []  # (case index, involved, with points, when saved)
    reasons = list(UnderpinningReason)
    for index, (case, organisations) in enumerate(zip(cases, invited, strict=False)):
        flagged = case["created_at_utc"]
        reply_by = case["reply_by"]
        flagger = case["flagged_by_id"]
        busiest = index == busiest_index
        for organisation in organisations:
            people = members.get(organisation, [])
            withdrawn = not busiest and rng.random() < 0.03
            withdrawn_at = _later(context, flagged, 2, 10) if withdrawn else None
            # Opened, involvement confirmed, then submitted (or not yet, or never).
            opened = _later(context, flagged, 0.1, 4) if people and (busiest or rng.random() < 0.95) else None
            if opened and opened > now:
                opened = None
            confirmed = _later(context, opened, 0.5, 5) if opened else None
            submitted = _later(context, confirmed or flagged, 3, 20 if busiest else 30)
            if busiest:
                fate = "submitted"
            elif withdrawn or opened is None:
                fate = "notified"
            elif (
                submitted <= now
                and rng.random() < 0.9
                and (case["closed_on"] is None or submitted.date() < case["closed_on"])
            ):
                fate = "reopened" if rng.random() < 0.02 and submitted + timedelta(days=4) < now else "submitted"
            else:
                fate = rng.choice(["opened", "involvement", "draft", "draft"])
            if confirmed and confirmed > now:
                fate, confirmed = "opened", None
            due_soon = _moment(context, reply_by - timedelta(days=3))
            overdue = _moment(context, reply_by + timedelta(days=1))
            late = fate not in ("submitted", "reopened") or submitted.date() > reply_by
            invitations.append(
                {
                    "case_id": case_ids[index],
                    "organisation_id": organisation,
                    "invited_at_utc": flagged,
                    "invited_by_id": flagger,
                    "withdrawn_at_utc": withdrawn_at,
                    "withdrawn_by_id": flagger if withdrawn else None,
                    "withdrawal_reason": "Asked in error: not involved with the family." if withdrawn else None,
                    "due_soon_reminder_sent_at_utc": due_soon
                    if not withdrawn and due_soon <= now and (late or submitted > due_soon)
                    else None,
                    "overdue_reminder_sent_at_utc": overdue if not withdrawn and overdue <= now and late else None,
                    "last_manual_reminder_at_utc": None,
                    "created_at_utc": flagged,
                    "updated_at_utc": withdrawn_at or flagged,
                }
            )
            author = rng.choice(people) if people else None
            receipts.append((author or flagger, opened))
            involvement = None
            if fate not in ("notified", "opened"):
                involvement = _weighted(context, [(Involvement.INVOLVED, 75), (Involvement.NOT_INVOLVED, 25)])
                if fate == "involvement" and rng.random() < 0.2:
                    involvement = Involvement.STILL_CHECKING
            involved = involvement == Involvement.INVOLVED
            confirmed_at = confirmed if involvement else None
            findings = fate in ("submitted", "reopened", "draft")
            complete = fate in ("submitted", "reopened")
            if fate == "draft":
                saved = min(now, _later(context, confirmed, 0.5, 10))
            elif complete:
                saved = submitted
            else:
                saved = confirmed_at
            reopened_at = _later(context, submitted, 1, 3) if fate == "reopened" else None
            first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            returns.append(
                {
                    "status": ReturnStatus.SUBMITTED if fate == "submitted" else ReturnStatus.DRAFT,
                    "involvement": involvement,
                    "involvement_confirmed_at_utc": confirmed_at if involvement and involvement.is_confirmed else None,
                    "contact_started_on": case["supervision_started_on"] if involved else None,
                    "contact_ended_on": case["offence_on"] if involved and rng.random() < 0.7 else None,
                    "involvement_nature": "Contact with the person and their family, as set out below."
                    if involved
                    else "",
                    "author_name": f"{first_name} {last_name}" if findings else "",
                    "author_role": "Safeguarding lead" if findings else "",
                    "author_involved": False if complete else (None if not findings else rng.choice([False, None])),
                    "records_reviewed": "Case records, referrals and meeting minutes." if findings else "",
                    "records_secured_on": flagged.date() + timedelta(days=2) if findings else None,
                    "what_went_well": "Prompt response to the first referral." if findings and involved else "",
                    "missed_opportunities": "Concerns were not escalated when contact dropped."
                    if findings and involved
                    else "",
                    "underpinning_reasons": sorted(
                        {r.value for r in rng.sample(reasons, rng.randrange(0, 3))},
                        key=[r.value for r in reasons].index,
                    )
                    if findings
                    else [],
                    "underpinning_detail": "High caseloads in the team at the time." if findings else "",
                    "good_practice": "Clear recording of home visits." if findings and involved else "",
                    "recommendations": "Review the escalation policy." if findings else "",
                    "findings_saved_at_utc": saved if findings else None,
                    "last_saved_at_utc": saved,
                    "last_saved_by_id": author if saved else None,
                    "submitted_at_utc": submitted if complete else None,
                    "submitted_by_id": author if complete else None,
                    "reopened_at_utc": reopened_at,
                    "reopened_by_id": flagger if reopened_at else None,
                    "reopen_reason": "Please add the second referral to the chronology." if reopened_at else None,
                    "created_at_utc": flagged,
                    "updated_at_utc": reopened_at or saved or flagged,
                }
            )
            plans.append((index, involved and findings, findings, saved or flagged))
    invitation_ids = context.insert(CaseInvitation, invitations)
    # The "opened" receipt is the first read audit of the request (cases/models.py).
    context.insert(
        AuditEvent,
        [
            {
                "occurred_at_utc": opened,
                "actor_id": reader,
                "actor_email": f"actor{reader}@people.example",
                "action": READ_PREFIX + REQUEST_READ,
                "object_type": "CaseInvitation",
                "object_id": str(invitation_id),
                "summary": "Opened the request",
                "details": {},
                "ip_address": "10.0.0.1",
            }
            for invitation_id, (reader, opened) in zip(invitation_ids, receipts, strict=True)
            if opened is not None
        ],
    )
    for row, invitation_id in zip(returns, invitation_ids, strict=False):
        row["invitation_id"] = invitation_id
    return_ids = context.insert(AgencyReturn, returns)
    context.ids["invitations"] = invitation_ids
    context.ids["returns"] = return_ids

    chronology: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    levels = list(LearningLevel)
    for return_id, row, (index, with_chronology, findings, saved) in zip(return_ids, returns, plans, strict=False):
        case = cases[index]
        if with_chronology:
            span = max(1, (case["offence_on"] - case["supervision_started_on"]).days)
            for position in range(rng.randrange(2, 6)):
                chronology.append(
                    {
                        "return_id": return_id,
                        "position": position,
                        "happened_on": case["supervision_started_on"] + timedelta(days=rng.randrange(span)),
                        "what_happened": rng.choice(CHRONOLOGY_EVENTS),
                        "significance": "Shows what was known at the time." if rng.random() < 0.8 else "",
                    }
                )
        if findings:
            complete = row["submitted_at_utc"] is not None
            for position in range(rng.choice([0, 1, 1, 2, 2, 3] if complete else [0, 0, 1, 2])):
                partial = not complete and rng.random() < 0.4
                points.append(
                    {
                        "return_id": return_id,
                        "position": position,
                        "description": rng.choice(LEARNING_POINTS),
                        "theme_id": None if partial else _theme(context, saved),
                        "level": None if partial else rng.choice(levels),
                    }
                )
    context.insert(ReturnChronologyEntry, chronology)
    context.ids["learning_points"] = context.insert(ReturnLearningPoint, points)


def _weekday(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


@builder("panels, agendas, attendees and calendar feeds")
def build_panels(context: BuildContext) -> None:
    from cases.models import CaseInvitation, MultiAgencyCase
    from extensions import db
    from panels.models import (
        Attendance,
        AttendeeRole,
        CalendarFeedToken,
        Panel,
        PanelAgendaItem,
        PanelAttendee,
        PanelStatus,
        Reply,
    )
    from panels.rules import panel_times

    rng = context.rng
    now = _now()
    today = now.date()
    members, _users, _names = _people(context)
    bench_inspector = context.ids["users.inspector"][0]
    bench_agency_user = context.ids["users.agency"][0]
    bench_agency = context.ids["organisations.agency"][0]
    # The feed's person: an inspector who observes panels (not the bench inspector, who convenes).
    feed_person = _active_inspectors(context, but=(bench_inspector,))[0]
    inspectors = _active_inspectors(context, but=(feed_person,))
    cases = db.session.execute(
        db.select(MultiAgencyCase.id, MultiAgencyCase.reply_by, MultiAgencyCase.closed_on).order_by(MultiAgencyCase.id)
    ).all()
    invited: dict[int, list[int]] = {}
    for case_id, organisation_id in db.session.execute(
        db.select(CaseInvitation.case_id, CaseInvitation.organisation_id)
        .where(CaseInvitation.withdrawn_at_utc.is_(None))
        .order_by(CaseInvitation.id)
    ):
        invited.setdefault(case_id, []).append(organisation_id)
    busiest = set(context.ids.get("cases.busiest", []))

    def plan(day: date, start: time, end: time, title: str, *, forum: bool = False) -> dict[str, Any]:
        starts, ends = panel_times(day, start, end)
        return {
            "starts": starts,
            "ends": ends,
            "title": title,
            "forum": forum,
            "cases": [],
            "big": False,
            "cancel": False,
        }

    plans: list[dict[str, Any]] = []
    for year in _years(context):
        cancelled_month = rng.randrange(1, 11)
        for month in range(1, PANELS_PER_YEAR + 1):
            second_tuesday = date(year, month, 8) + timedelta(days=(1 - date(year, month, 8).weekday()) % 7)
            panel = plan(
                second_tuesday + timedelta(days=rng.randrange(3)),
                time(10),
                time(13),
                f"Learning panel, {date(year, month, 1):%B %Y}",
            )
            panel["cancel"] = month == cancelled_month
            plans.append(panel)

    def status_of(panel: dict[str, Any]) -> None:
        """Status and the moments that go with it, from the panel's time and the build's."""
        starts = panel["starts"]
        panel["scheduled_at"] = min(now - timedelta(hours=1), _later(context, starts - timedelta(days=35), 0, 14))
        panel["created_at"] = _later(context, panel["scheduled_at"] - timedelta(days=10), 0, 7)
        panel["cancelled_at"] = panel["recorded_at"] = None
        if panel["cancel"] and starts - timedelta(days=3) < now:
            panel["status"] = PanelStatus.CANCELLED
            panel["cancelled_at"] = _later(context, starts - timedelta(days=10), 0, 7)
            panel["updated_at"] = panel["cancelled_at"]
        elif starts < now and panel["ends"] + timedelta(days=1) < now:
            panel["status"] = PanelStatus.HELD
            panel["recorded_at"] = min(now, _later(context, panel["ends"], 0.1, 3))
            panel["updated_at"] = panel["recorded_at"]
        elif starts < now + timedelta(days=60):
            panel["status"] = PanelStatus.SCHEDULED
            panel["updated_at"] = panel["scheduled_at"]
        else:
            panel["status"] = PanelStatus.DRAFT
            panel["scheduled_at"] = None
            panel["created_at"] = min(now - timedelta(hours=1), _later(context, starts - timedelta(days=70), 0, 7))
            panel["updated_at"] = panel["created_at"]

    for panel in plans:
        status_of(panel)
    # Each year's last held panel takes ten cases (the pack timing measures the current year's).
    for year in _years(context):
        held = [p for p in plans if p["starts"].year == year and p["status"] == PanelStatus.HELD]
        if held:
            held[-1]["big"] = True

    # The agenda: each case goes to the first panel after its reply-by date (and again to the next
    # one if that panel was cancelled); a big panel then takes earlier cases back up to ten.
    plans.sort(key=lambda p: p["starts"])

    def ready_on(reply_by: date) -> datetime:
        return datetime.combine(reply_by + timedelta(days=3), time.min, tzinfo=UTC)

    for case_id, reply_by, closed_on in sorted(cases, key=lambda c: c[1]):
        if case_id in busiest:
            continue  # it goes to the current year's big panel
        for panel in plans:
            if panel["starts"] < ready_on(reply_by):
                continue
            if closed_on and panel["starts"].date() > closed_on:
                break
            if len(panel["cases"]) >= (PACK_PANEL_CASES - len(busiest) if panel["big"] else 8):
                continue
            panel["cases"].append(case_id)
            if panel["status"] != PanelStatus.CANCELLED:
                break
    for panel in plans:
        if not panel["big"]:
            continue
        if panel["starts"].year == today.year:
            panel["cases"] = [c for c in busiest if c not in panel["cases"]] + panel["cases"]
        eligible = [
            c
            for c, reply_by, closed_on in sorted(cases, key=lambda c: c[1])
            if c not in panel["cases"]
            and ready_on(reply_by) <= panel["starts"]
            and (closed_on is None or closed_on >= panel["starts"].date())
        ]
        eligible = eligible[-3 * PACK_PANEL_CASES :]  # the most recent, as panels revisit them
        panel["cases"] = (panel["cases"] + rng.sample(eligible, min(len(eligible), PACK_PANEL_CASES)))[
            :PACK_PANEL_CASES
        ]

    # A panel no case was ready for (the first months of the first year) was cancelled as a draft.
    for panel in plans:
        if not panel["cases"] and panel["status"] != PanelStatus.DRAFT:
            if panel["starts"] - timedelta(days=7) > now:
                continue
            panel["status"] = PanelStatus.CANCELLED
            panel["scheduled_at"] = panel["recorded_at"] = None
            panel["created_at"] = _later(context, panel["starts"] - timedelta(days=45), 0, 5)
            panel["cancelled_at"] = panel["updated_at"] = _later(context, panel["starts"] - timedelta(days=10), 0, 3)

    # The feed's person observes every panel in the feed's window; learning forums make up the rest.
    window_start = now - timedelta(days=365)
    in_window = [p for p in plans if p["status"] != PanelStatus.DRAFT and p["ends"] >= window_start]
    for panel in in_window[:FEED_PANELS]:
        panel["feed"] = True
    forums = FEED_PANELS - min(FEED_PANELS, len(in_window))
    # Forums discuss cases whose replies are in, so they start after the first reply-by date.
    first_reply = min((c[1] for c in cases), default=today)
    first_day = max(today - timedelta(days=350), first_reply + timedelta(days=3))
    last_day = today + timedelta(days=56)
    recent = [c for c in cases if c[1] > first_day - timedelta(days=120)] or cases
    for number in range(forums):
        day = _weekday(first_day + timedelta(days=(last_day - first_day).days * number // max(1, forums - 1)))
        if day == today:
            day = _weekday(day + timedelta(days=1))
        forum = plan(day, time(14), time(15, 30), f"Learning forum {number + 1}", forum=True)
        forum["cancel"] = rng.random() < 0.08
        forum["feed"] = True
        status_of(forum)
        ready = [
            c
            for c, reply_by, closed_on in recent
            if ready_on(reply_by) <= forum["starts"] and (closed_on is None or closed_on >= forum["starts"].date())
        ] or [min(recent, key=lambda c: c[1])[0]]
        forum["cases"] = rng.sample(ready, min(len(ready), rng.randrange(1, 3)))
        plans.append(forum)
    plans.sort(key=lambda p: p["starts"])

    places = ["Clive House, London", "Civic Centre, Manchester", "Probation office, Leeds"]
    panel_rows = []
    for number, panel in enumerate(plans, start=1):
        online = panel["forum"] or rng.random() < 0.3
        place = "" if online and rng.random() < 0.5 else rng.choice(places)
        panel["convenor"] = bench_inspector if panel["big"] or rng.random() < 0.5 else rng.choice(inspectors)
        panel_rows.append(
            {
                "uid": f"panel-bench-{number}-{secrets.token_hex(8)}@learning-panels",
                "title": panel["title"],
                "starts_at_utc": panel["starts"],
                "ends_at_utc": panel["ends"],
                "place": place,
                "video_link": f"https://meet.example/panel-{number}" if online or not place else "",
                "status": panel["status"],
                "sequence": (1 if panel["status"] == PanelStatus.CANCELLED else 0) + int(rng.random() < 0.2),
                "convened_by_id": panel["convenor"],
                "scheduled_at_utc": panel["scheduled_at"],
                "cancelled_at_utc": panel["cancelled_at"],
                "cancellation_reason": "Too few agencies could attend; the cases move to the next panel."
                if panel["cancelled_at"]
                else "",
                "notes": "Synthetic notes of the discussion and what was agreed." if panel["recorded_at"] else "",
                "held_recorded_at_utc": panel["recorded_at"],
                "created_at_utc": panel["created_at"],
                "updated_at_utc": panel["updated_at"],
            }
        )
    panel_ids = context.insert(Panel, panel_rows)
    context.ids["panels"] = panel_ids
    context.ids["panels.pack"] = [i for i, p in zip(panel_ids, plans, strict=False) if p["big"]]

    agenda = []
    for panel_id, panel in zip(panel_ids, plans, strict=False):
        step = 15 if len(panel["cases"]) > 6 else 30
        london_start = time(14) if panel["forum"] else time(10)
        timed = rng.random() < 0.8
        for position, case_id in enumerate(panel["cases"], start=1):
            minutes = london_start.hour * 60 + (position - 1) * step
            agenda.append(
                {
                    "panel_id": panel_id,
                    "case_id": case_id,
                    "position": position,
                    "start_time": time(minutes // 60, minutes % 60) if timed else None,
                }
            )
    context.insert(PanelAgendaItem, agenda)

    # Attendees are the Inspectorate's people and people of the agencies invited to a case on the
    # agenda, as the portal allows.
    attendees = []
    for panel_id, panel in zip(panel_ids, plans, strict=False):
        people: list[tuple[int, AttendeeRole]] = [(panel["convenor"], AttendeeRole.CHAIR)]
        if rng.random() < 0.5:
            taker = rng.choice(inspectors)
            if taker != panel["convenor"]:
                people.append((taker, AttendeeRole.NOTE_TAKER))
        if panel.get("feed"):
            people.append((feed_person, AttendeeRole.OBSERVER))
        organisations = list(dict.fromkeys(o for c in panel["cases"] for o in invited.get(c, [])))
        for organisation in organisations:
            staff = members.get(organisation)
            if not staff or len(people) >= 16:
                continue
            if organisation == bench_agency and bench_agency_user in staff and rng.random() < 0.6:
                person = bench_agency_user
            else:
                person = rng.choice(staff)
            if person not in (p for p, _role in people):
                people.append((person, AttendeeRole.OBSERVER if rng.random() < 0.1 else AttendeeRole.MEMBER))
        status = panel["status"]
        invited_at = panel["scheduled_at"] if status != PanelStatus.DRAFT else None
        for user_id, role in people:
            reply = replied = attendance = None
            if invited_at is not None:
                reply = Reply.ACCEPTED if role == AttendeeRole.CHAIR else _weighted(context, REPLY_WEIGHTS)
                reply = Reply(reply) if reply else None
                if reply is not None:
                    replied = min(now, _later(context, invited_at, 0.1, 7), panel["starts"])
            if status == PanelStatus.HELD:
                came = reply == Reply.ACCEPTED or (reply == Reply.TENTATIVE and rng.random() < 0.5)
                attendance = (
                    Attendance.PRESENT
                    if came
                    else (Attendance.APOLOGIES if reply == Reply.DECLINED else Attendance.ABSENT)
                )
            reminded = invited_at is not None and status != PanelStatus.CANCELLED
            attendees.append(
                {
                    "panel_id": panel_id,
                    "user_id": user_id,
                    "role": role,
                    "reply": reply,
                    "replied_at_utc": replied,
                    "invited_at_utc": invited_at,
                    "notified_at_utc": (panel["cancelled_at"] or invited_at) if invited_at else None,
                    "week_reminder_for_utc": panel["starts"]
                    if reminded and panel["starts"] - timedelta(days=7) <= now
                    else None,
                    "day_reminder_for_utc": panel["starts"]
                    if reminded and panel["starts"] - timedelta(days=1) <= now
                    else None,
                    "attendance": attendance,
                    "created_at_utc": panel["created_at"],
                    "updated_at_utc": replied or panel["created_at"],
                }
            )
    context.insert(PanelAttendee, attendees)

    # Calendar feed addresses: the feed's person's (a known secret, so the timing can use it),
    # one they revoked, and some other people's.
    tokens = [
        {"user_id": feed_person, "token_hash": CalendarFeedToken.hash_token(FEED_TOKEN), "revoked_at_utc": None},
        {
            "user_id": feed_person,
            "token_hash": CalendarFeedToken.hash_token(secrets.token_urlsafe(32)),
            "revoked_at_utc": now - timedelta(days=30),
        },
    ]
    others = context.ids["users.agency"][1:] + context.ids["users.inspector"][1:]
    for user_id in rng.sample(others, len(others) // 20):
        tokens.append(
            {
                "user_id": user_id,
                "token_hash": CalendarFeedToken.hash_token(secrets.token_urlsafe(32)),
                "revoked_at_utc": None,
            }
        )
    context.insert(CalendarFeedToken, tokens)


@builder("shared learning and actions")
def build_learning(context: BuildContext) -> None:
    from cases.models import AgencyReturn, CaseInvitation, MultiAgencyCase, ReturnLearningPoint, ReturnStatus
    from cases.themes import LearningLevel
    from extensions import db
    from learning.models import (
        ActionRecord,
        ActionStatus,
        ActionUpdate,
        LearningItem,
        action_learning_items,
        learning_item_sources,
    )
    from panels.models import Panel, PanelAgendaItem, PanelStatus
    from reviews.models import Assessment, KeyQuestion, Prompt, Review, Standard

    rng = context.rng
    now = _now()
    today = now.date()
    members, users, names = _people(context)
    inspectors = _active_inspectors(context)
    bench_inspector = context.ids["users.inspector"][0]
    bench_agency = context.ids["organisations.agency"][0]
    inspectorate = context.ids["organisations.inspectorate"][0]

    cases = {
        row.id: row
        for row in db.session.execute(
            db.select(
                MultiAgencyCase.id,
                MultiAgencyCase.created_at_utc,
                MultiAgencyCase.closed_on,
                Review.region_id,
                Assessment.id.label("assessment_id"),
            )
            .join(Review, Review.id == MultiAgencyCase.review_id)
            .outerjoin(Assessment, Assessment.review_id == Review.id)
            .order_by(MultiAgencyCase.id)
        )
    }
    invited: dict[int, list[int]] = {}
    for case_id, organisation_id in db.session.execute(
        db.select(CaseInvitation.case_id, CaseInvitation.organisation_id)
        .where(CaseInvitation.withdrawn_at_utc.is_(None))
        .order_by(CaseInvitation.id)
    ):
        invited.setdefault(case_id, []).append(organisation_id)
    points: dict[int, list[tuple[int, int, LearningLevel]]] = {}
    for point_id, case_id, theme_id, level in db.session.execute(
        db.select(
            ReturnLearningPoint.id, CaseInvitation.case_id, ReturnLearningPoint.theme_id, ReturnLearningPoint.level
        )
        .join(AgencyReturn, AgencyReturn.id == ReturnLearningPoint.return_id)
        .join(CaseInvitation, CaseInvitation.id == AgencyReturn.invitation_id)
        .where(AgencyReturn.status == ReturnStatus.SUBMITTED)
        .order_by(ReturnLearningPoint.id)
    ):
        points.setdefault(case_id, []).append((point_id, theme_id, level))
    # The panels (not cancelled) each case was on, in order, and the last held one.
    panels: dict[int, list[tuple[int, datetime, PanelStatus]]] = {}
    for case_id, panel_id, starts, status in db.session.execute(
        db.select(PanelAgendaItem.case_id, Panel.id, Panel.starts_at_utc, Panel.status)
        .join(Panel, Panel.id == PanelAgendaItem.panel_id)
        .where(Panel.status != PanelStatus.CANCELLED)
        .order_by(Panel.starts_at_utc, Panel.id)
    ):
        panels.setdefault(case_id, []).append((panel_id, starts, status))
    version = db.session.scalar(db.select(Assessment.standards_version_id).limit(1))
    standards = list(db.session.scalars(db.select(Standard.id).where(Standard.version_id == version)))
    prompts: dict[int, list[int]] = {}
    for prompt_id, standard_id in db.session.execute(
        db.select(Prompt.id, KeyQuestion.standard_id).join(KeyQuestion, KeyQuestion.id == Prompt.key_question_id)
    ):
        prompts.setdefault(standard_id, []).append(prompt_id)
    assured = db.session.execute(
        db.select(Assessment.id, Assessment.issued_at_utc, Review.region_id)
        .join(Review, Review.id == Assessment.review_id)
        .order_by(Assessment.id)
    ).all()
    levels = list(LearningLevel)

    # Shared learning: compiled for a case after the panel that heard it, from the agencies'
    # submitted learning points (one picked, or several merged) or added by the inspector.
    items: list[dict[str, Any]] = []
    item_sources: list[list[int]] = []
    for case_id in cases:
        held = [p for p in panels.get(case_id, []) if p[2] == PanelStatus.HELD]
        if not held:
            continue
        panel_id, starts, _status = held[-1]
        compiled = _later(context, starts, 1, 10)
        if compiled > now:
            continue
        available = list(points.get(case_id, []))
        rng.shuffle(available)
        for position in range(1, rng.randrange(1, 5) + 1):
            take = min(len(available), _weighted(context, [(1, 60), (2, 20), (0, 20)]))
            sources, available = available[:take], available[take:]
            items.append(
                {
                    "case_id": case_id,
                    "position": position,
                    "description": rng.choice(LEARNING_POINTS)
                    if sources
                    else "Learning the Inspectorate added: agencies must share the plan when risk rises.",
                    "theme_id": sources[0][1] if sources else _theme(context, compiled),
                    "level": sources[0][2] if sources else rng.choice(levels),
                    "compiled_by_id": bench_inspector if rng.random() < 0.4 else rng.choice(inspectors),
                    "panel_id": panel_id if rng.random() < 0.9 else None,
                    "created_at_utc": compiled,
                    "updated_at_utc": compiled,
                }
            )
            item_sources.append([point[0] for point in sources])
    item_ids = context.insert(LearningItem, items)
    context.ids["learning_items"] = item_ids
    _link(
        context,
        learning_item_sources,
        [
            {"learning_item_id": item_id, "learning_point_id": point_id}
            for item_id, sources in zip(item_ids, item_sources, strict=False)
            for point_id in sources
        ],
    )
    items_by_case: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for item_id, item in zip(item_ids, items, strict=False):
        items_by_case.setdefault(item["case_id"], []).append((item_id, item))

    # Actions: per year, some for each case that has shared learning, the rest from QA reports
    # (a review's assessment and the standard, and prompt, whose rating exposed the gap).
    def owner_for(level: LearningLevel, case_id: int | None, region: int) -> int:
        organisations = invited.get(case_id, []) if case_id else []
        if level in (LearningLevel.LOCAL, LearningLevel.MULTI_AGENCY) and organisations:
            if bench_agency in organisations and rng.random() < 0.6:
                return bench_agency
            return rng.choice(organisations)
        if level == LearningLevel.NATIONAL and rng.random() < 0.5:
            return inspectorate
        return region

    # The review page is measured on the last assessment (``pages._busiest_review``): at every
    # scale it has the same three actions answering it, each linked to a standard and a prompt
    # (of three different standards), and no others, so the page does the same work at every scale.
    focus = max(assured, key=lambda row: row.id, default=None)
    focus_links = [(standard, prompts[standard][0]) for standard in standards if prompts.get(standard)][:3]
    focus_planned = 0
    actions: list[dict[str, Any]] = []
    action_items: list[list[int]] = []
    for year in _years(context):
        year_cases = [
            (case_id, case)
            for case_id, case in cases.items()
            if items_by_case.get(case_id) and items_by_case[case_id][0][1]["created_at_utc"].year == year
        ]
        year_reports = [
            row
            for row in assured
            if row.issued_at_utc
            and row.issued_at_utc.year == year
            and row.issued_at_utc + timedelta(days=5) < now
            and row is not focus
        ]
        # (Its QA may still be in progress when the reviews builder leaves the newest ones open.)
        in_year = focus is not None and min((focus.issued_at_utc or now).year, date.today().year) == year
        per_case = (
            _spread(context, min(ACTIONS_PER_YEAR * 6 // 10, 8 * len(year_cases)), len(year_cases), 3, 8)
            if year_cases
            else []
        )
        planned: list[tuple[int | None, Any, datetime, int | None, int | None]] = []
        for (case_id, case), count in zip(year_cases, per_case, strict=False):
            case_items = items_by_case[case_id]
            for _ in range(count):
                item_id, item = rng.choice(case_items)
                planned.append(
                    (case_id, case, _later(context, item["created_at_utc"], 0, 5), item_id, item["panel_id"])
                )
        for number in range(ACTIONS_PER_YEAR - len(planned)):
            if in_year and number < len(focus_links):
                report = focus
            elif year_reports:
                report = rng.choice(year_reports)
            else:
                break
            issued = report.issued_at_utc or now - timedelta(days=5)
            planned.append((None, report, _later(context, issued, 5, 40), None, None))
        for case_id, source, created, item_id, panel_id in planned:
            created = min(created, now - timedelta(hours=1))
            if case_id:
                level = _weighted(
                    context,
                    [
                        (LearningLevel.LOCAL, 40),
                        (LearningLevel.MULTI_AGENCY, 35),
                        (LearningLevel.REGIONAL, 15),
                        (LearningLevel.NATIONAL, 10),
                    ],
                )
                assessment_id, region = source.assessment_id, source.region_id
            else:
                level = _weighted(
                    context, [(LearningLevel.REGIONAL, 50), (LearningLevel.LOCAL, 40), (LearningLevel.NATIONAL, 10)]
                )
                assessment_id, region = source.id, source.region_id
            standard_id = rng.choice(standards) if assessment_id and rng.random() < 0.8 else None
            prompt_id = (
                rng.choice(prompts[standard_id])
                if standard_id and prompts.get(standard_id) and rng.random() < 0.4
                else None
            )
            if not case_id and source is focus:
                standard_id, prompt_id = focus_links[focus_planned]
                focus_planned += 1
            due_on = created.date() + timedelta(days=rng.randrange(30, 181))
            if due_on < today - timedelta(days=30):
                status = _weighted(
                    context,
                    [
                        (ActionStatus.SIGNED_OFF, 65),
                        (ActionStatus.DECLINED, 7),
                        (ActionStatus.IN_PROGRESS, 13),
                        (ActionStatus.ACCEPTED, 15),
                    ],
                )
            else:
                status = _weighted(
                    context, [(ActionStatus.ACCEPTED, 50), (ActionStatus.IN_PROGRESS, 45), (ActionStatus.SIGNED_OFF, 5)]
                )
            linked = [item_id] if item_id else []
            if case_id and rng.random() < 0.3:
                linked = list(dict.fromkeys(linked + [rng.choice(items_by_case[case_id])[0]]))
            if case_id and rng.random() < 0.1:
                linked = []
            theme = next((item["theme_id"] for i, item in items_by_case.get(case_id, []) if i in linked), None)
            actions.append(
                {
                    "title": rng.choice(ACTION_TITLES),
                    "what_will_change": "What will change, in the owner's practice, and for whom. " * 2,
                    "owner_id": owner_for(level, case_id, region),
                    "level": level,
                    "theme_id": theme or _theme(context, created),
                    "due_on": due_on,
                    "evidence_measure": "A dip sample three months on shows the change in every case.",
                    "status": status,
                    "not_accepted_reason": None,
                    "completed_on": None,
                    "signed_off_on": None,
                    "impact_review_on": None,
                    "case_id": case_id,
                    "assessment_id": assessment_id,
                    "standard_id": standard_id,
                    "prompt_id": prompt_id,
                    "panel_id": panel_id if case_id else None,
                    "created_by_id": bench_inspector if rng.random() < 0.4 else rng.choice(inspectors),
                    "reminders_for_due_on": None,
                    "last_reminder_at_utc": None,
                    "version": 1,
                    "created_at_utc": created,
                    "updated_at_utc": created,
                }
            )
            action_items.append(linked)

    # Progress updates: the timeline that leads to each action's status, by its owner's people
    # (or an inspector where the owner has nobody in the portal).
    updates: list[list[dict[str, Any]]] = []
    for action in actions:
        status, created = action["status"], action["created_at_utc"]
        steps: list[tuple[ActionStatus, ActionStatus]] = {
            ActionStatus.ACCEPTED: [(ActionStatus.ACCEPTED, ActionStatus.ACCEPTED)] * rng.randrange(0, 2),
            ActionStatus.IN_PROGRESS: [(ActionStatus.ACCEPTED, ActionStatus.IN_PROGRESS)]
            + [(ActionStatus.IN_PROGRESS, ActionStatus.IN_PROGRESS)] * rng.randrange(0, 3),
            ActionStatus.SIGNED_OFF: [(ActionStatus.ACCEPTED, ActionStatus.IN_PROGRESS)]
            + [(ActionStatus.IN_PROGRESS, ActionStatus.IN_PROGRESS)] * rng.randrange(0, 2)
            + [(ActionStatus.IN_PROGRESS, ActionStatus.SIGNED_OFF)],
            ActionStatus.DECLINED: [(ActionStatus.ACCEPTED, ActionStatus.DECLINED)],
        }[status]
        end = min(now, datetime.combine(action["due_on"] + timedelta(days=20), time(12), tzinfo=UTC))
        span = max(60, int((end - created).total_seconds()))
        moments = sorted(created + timedelta(seconds=rng.randrange(60, span + 60)) for _ in steps)
        moments = [min(moment, now) for moment in moments]
        people = members.get(action["owner_id"]) or inspectors
        timeline = []
        for (before, after), posted in zip(steps, moments, strict=False):
            author = rng.choice(people)
            name, organisation = users[author]
            progress = (
                "Not accepted: the change is already covered by the national programme."
                if after == ActionStatus.DECLINED
                else "Progress since the last update, in brief."
            )
            timeline.append(
                {
                    "posted_at_utc": posted,
                    "author_id": author,
                    "author_name": name,
                    "author_organisation": names[organisation],
                    "progress": progress,
                    "evidence": "Audit report attached to the minutes." if after == ActionStatus.SIGNED_OFF else "",
                    "status_before": before,
                    "status_after": after,
                }
            )
        if timeline:
            last = timeline[-1]
            action["updated_at_utc"] = last["posted_at_utc"]
            action["version"] = 1 + len(timeline)
            if status == ActionStatus.SIGNED_OFF:
                action["completed_on"] = action["signed_off_on"] = last["posted_at_utc"].date()
                action["impact_review_on"] = action["signed_off_on"].replace(day=1) + timedelta(days=366)
            if status == ActionStatus.DECLINED:
                action["not_accepted_reason"] = last["progress"]
        if not status.is_closed and action["due_on"] < today:
            # Overdue: reminded the day after the due date, then weekly.
            first = datetime.combine(action["due_on"] + timedelta(days=1), time(7), tzinfo=UTC)
            weeks = max(0, (now - first).days // 7)
            action["reminders_for_due_on"] = action["due_on"]
            action["last_reminder_at_utc"] = min(now, first + timedelta(days=7 * weeks))
        updates.append(timeline)
    action_ids = context.insert(ActionRecord, actions)
    context.ids["actions"] = action_ids
    _link(
        context,
        action_learning_items,
        [
            {"action_id": action_id, "learning_item_id": item_id}
            for action_id, linked in zip(action_ids, action_items, strict=False)
            for item_id in linked
        ],
    )
    context.insert(
        ActionUpdate,
        (
            {**update, "action_id": action_id}
            for action_id, timeline in zip(action_ids, updates, strict=False)
            for update in timeline
        ),
    )


# The merged chronology's case (issue 13) lives with its page in its own module; imported last so
# its builder runs after the ones above.
from bench import chronology as _chronology  # noqa: E402,F401
