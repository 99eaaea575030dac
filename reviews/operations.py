"""State changes for reviews, sampling, standards, assessments and QA reports.

Each function changes the session and audits what it did; the caller (a view, the import, a
seeder) commits once, so a change and its audit event stand or fall together.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from agencies.access import is_inspector
from agencies.models import Organisation, OrganisationKind, User
from core import audit
from core.formatting import govuk_date, london_today, utc_now
from extensions import db
from notifications.models import OutboxMessage
from notifications.outbox import portal_url, queue_email
from reviews import importing, sampling
from reviews.models import (
    Answer,
    Assessment,
    AssessmentStage,
    Assurance,
    ImportStatus,
    KeyQuestion,
    OffenceCategory,
    Prompt,
    PromptAnswer,
    PublishedYear,
    Review,
    ReviewExtension,
    ReviewImport,
    SampleDraw,
    SampleDrawEntry,
    Standard,
    StandardRating,
    StandardsVersion,
    StandardsVersionStatus,
)
from reviews.standards import build_version, current_version, version_data
from reviews.validation import ReviewDetails


class ReviewProblem(Exception):
    """A change the rules refuse, in words for the person; ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def path_for(endpoint: str, **values: object) -> str:
    """A portal path without a request (the worker, the seeders and the CLI queue email too)."""
    return current_app.url_map.bind("portal.invalid").build(endpoint, values)


# --- the register ------------------------------------------------------------------------


def next_reference(year: int) -> str:
    prefix = f"SFO-{year:04d}-"
    last = db.session.scalar(
        select(Review.reference).where(Review.reference.like(prefix + "%")).order_by(Review.reference.desc()).limit(1)
    )
    number = int(last[-4:]) + 1 if last else 1
    if number > 9999:
        raise ReviewProblem(f"Every reference for {year} is taken; enter the reference by hand", "reference")
    return f"{prefix}{number:04d}"


def reference_taken(reference: str, *, except_review: Review | None = None) -> bool:
    query = select(Review.id).where(Review.reference == reference)
    if except_review is not None:
        query = query.where(Review.id != except_review.id)
    return db.session.scalar(query) is not None


def _check_details(details: ReviewDetails) -> None:
    if details.region.kind != OrganisationKind.PROBATION_REGION:
        raise ReviewProblem("Select a probation region", "region_id")


def _new_review(details: ReviewDetails, reference: str) -> Review:
    review = Review(
        reference=reference,
        region=details.region,
        offence_category=details.offence_category,
        received_on=details.received_on,
        offence_on=details.offence_on,
        charged_on=details.charged_on,
        author_role=details.author_role,
        summary=details.summary,
        hmpps_notified_on=details.hmpps_notified_on,
        due_to_inspectorate_on=details.due_to_inspectorate_on,
        probation_extension=details.probation_extension,
        probation_extension_days=details.probation_extension_days,
    )
    db.session.add(review)
    return review


def _audit_new_review(review: Review, action: str) -> None:
    audit.record(
        action,
        review,
        summary=f"{review.reference} added to the register",
        reference=review.reference,
        region=review.region.name,
        received_on=review.received_on.isoformat(),
    )


def create_review(details: ReviewDetails, *, reference: str | None = None) -> Review:
    _check_details(details)
    if reference is not None and reference_taken(reference):
        raise ReviewProblem(f"Reference {reference} is already in the register", "reference")
    review = _new_review(details, reference or next_reference(details.received_on.year))
    db.session.flush()
    _audit_new_review(review, "review.created")
    return review


# --- published reporting years ----------------------------------------------------------------


def reporting_year_of(day: date) -> int:
    """The start year of the reporting year (April to March) holding ``day``."""
    return day.year if day.month >= 4 else day.year - 1


def year_label(start_year: int) -> str:
    return f"{start_year} to {start_year + 1}"


def published_start_years() -> set[int]:
    return set(db.session.scalars(select(PublishedYear.start_year)))


def refuse_if_published(days: Iterable[date | None], what: str, field: str | None = None) -> None:
    """Refuse a change that would move the figures of a published reporting year.

    ``days`` are the dates that decide which years' figures the change touches (the review's
    receipt before and after, the report's issue), ``what`` says in words what would change.
    """
    years = {reporting_year_of(day) for day in days if day is not None}
    published = sorted(years & published_start_years()) if years else []
    if published:
        labels = " and ".join(year_label(year) for year in published)
        raise ReviewProblem(
            f"The figures for {labels} are published, so {what} cannot change. "
            "An admin can reopen the year if the published figures must be corrected.",
            field,
        )


def publish_year(start_year: int, actor: User, today: date) -> PublishedYear:
    if date(start_year + 1, 3, 31) >= today:
        raise ReviewProblem(f"{year_label(start_year)} has not ended, so its figures cannot be published yet")
    if db.session.scalar(select(PublishedYear.id).where(PublishedYear.start_year == start_year)):
        raise ReviewProblem(f"{year_label(start_year)} is already published")
    row = PublishedYear(start_year=start_year, published_at_utc=utc_now(), published_by=actor)
    db.session.add(row)
    db.session.flush()
    audit.record(
        "reporting_year.published",
        row,
        summary=f"Figures for {year_label(start_year)} marked as published: they can no longer change",
        start_year=start_year,
    )
    return row


def reopen_year(start_year: int, actor: User) -> None:
    row = db.session.scalar(select(PublishedYear).where(PublishedYear.start_year == start_year))
    if row is None:
        raise ReviewProblem(f"{year_label(start_year)} is not published")
    audit.record(
        "reporting_year.reopened",
        row,
        summary=f"Figures for {year_label(start_year)} reopened for correction",
        start_year=start_year,
        published_at_utc=row.published_at_utc.isoformat(),
    )
    db.session.delete(row)


# --- changing a review --------------------------------------------------------------------

# Fields whose change moves figures of the annual summary (which year, region or category a
# review counts in; the extension share): refused once the year they count in is published.
FIGURE_FIELDS = {
    "region": "region_id",
    "offence category": "offence_category_id",
    "date received": "received_on",
    "extension given to probation": "probation_extension",
    "extension length (working days)": "probation_extension_days",
}
# Fields that, once the QA report is issued, need a reason to change: the report was sent to
# a region and judged on time or late by them.
RECORD_FIELDS = ("region", "date received", "offence category")


def _snapshot(review: Review) -> dict[str, str | None]:
    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    extension = review.probation_extension
    return {
        "region": review.region.name,
        "offence category": review.offence_category.name,
        "date received": review.received_on.isoformat(),
        "date of offence": day(review.offence_on),
        "date of charge": day(review.charged_on),
        "author's role": review.author_role,
        "summary": review.summary,
        "date HMPPS notified": day(review.hmpps_notified_on),
        "date due to the Inspectorate": day(review.due_to_inspectorate_on),
        "extension given to probation": None if extension is None else ("yes" if extension else "no"),
        "extension length (working days)": (
            str(review.probation_extension_days) if review.probation_extension_days is not None else None
        ),
        "due": review.due_on.isoformat(),
    }


def _readable(key: str, value: str | None) -> str:
    if value is None or value == "":
        return "not recorded"
    if key.startswith("date") or key == "due":
        return govuk_date(date.fromisoformat(value))
    if key == "summary":
        return "changed"
    return value


def describe_changes(changed: Mapping[str, Mapping[str, str | None]]) -> str:
    """'date received 3 May 2024 → 2 May 2024; region A → B' (the summary only says it changed)."""
    parts = []
    for key, change in changed.items():
        if key == "summary":
            parts.append("summary changed")
        else:
            parts.append(f"{key} {_readable(key, change['before'])} → {_readable(key, change['after'])}")
    return "; ".join(parts)


def _apply_details(review: Review, details: ReviewDetails) -> None:
    review.region = details.region
    review.offence_category = details.offence_category
    review.received_on = details.received_on
    review.offence_on = details.offence_on
    review.charged_on = details.charged_on
    review.author_role = details.author_role
    review.summary = details.summary
    review.hmpps_notified_on = details.hmpps_notified_on
    review.due_to_inspectorate_on = details.due_to_inspectorate_on
    review.probation_extension = details.probation_extension
    review.probation_extension_days = details.probation_extension_days


def update_review(
    review: Review,
    details: ReviewDetails,
    *,
    version: int | str | None,
    reason: str | None = None,
    actor: User | None = None,
    source: str = "form",
) -> list[OutboxMessage]:
    """Change a review's details. Once its QA report is issued the review is a record: a change
    of its region, category or date received needs a reason, is shown on its timeline and in
    the report's history, and a change of region tells both regions. Nothing that moves the
    figures of a published year may change at all."""
    review.check_version(version)
    _check_details(details)
    before = _snapshot(review)
    old_region = review.region
    old_received = review.received_on
    _apply_details(review, details)
    after = _snapshot(review)
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    return record_review_changes(
        review, changed, old_region=old_region, old_received=old_received, reason=reason, actor=actor, source=source
    )


def record_review_changes(
    review: Review,
    changed: Mapping[str, Mapping[str, str | None]],
    *,
    old_region: Organisation,
    old_received: date,
    reason: str | None,
    actor: User | None,
    source: str,
) -> list[OutboxMessage]:
    """Check, audit and announce changes already made to ``review`` (by the form or an import)."""
    if not changed:
        return []
    assessment = review.assessment
    issued = assessment is not None and assessment.is_issued
    figure_changes = [key for key in changed if key in FIGURE_FIELDS]
    if figure_changes:
        refuse_if_published(
            (old_received, review.received_on, assessment.issued_on if issued and assessment else None),
            f"the {' and '.join(figure_changes)} of {review.reference}",
            FIGURE_FIELDS[figure_changes[0]],
        )
    reason = (reason or "").strip() or None
    record_changes = [key for key in changed if key in RECORD_FIELDS]
    if issued and record_changes and not reason:
        raise ReviewProblem(
            f"Enter the reason for changing the {' and '.join(record_changes)} after the QA report was issued",
            "reason",
        )
    messages: list[OutboxMessage] = []
    if issued and review.region_id != old_region.id:
        messages = _announce_region_change(review, old_region)
    description = describe_changes(changed)
    if issued:
        audit.record(
            "review.corrected",
            review,
            summary=f"Changed after the QA report was issued: {description}. Reason: {reason or 'none given'}"[:500],
            actor=actor,
            changes=changed,
            reason=reason,
            source=source,
            assessment_id=assessment.id if assessment else None,
            notified=[m.to_address for m in messages],
        )
    else:
        audit.record(
            "review.updated",
            review,
            summary=f"{review.reference} details changed: " + ", ".join(changed),
            actor=actor,
            changes=changed,
            reason=reason,
            source=source,
        )
    return messages


def region_recipients(region_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.organisation_id == region_id, User.active.is_(True)).order_by(User.full_name)
        )
    )


def _email_region(
    region: Organisation, *, subject: str, template: str, context: dict[str, object], concerning: object
) -> list[OutboxMessage]:
    """One email to each active person in the region and one to its team mailbox."""
    messages = [
        queue_email(
            to=person.email,
            subject=subject,
            template=template,
            context=context,
            recipient=person,
            concerning=concerning,
            about_a_case=True,
        )
        for person in region_recipients(region.id)
    ]
    if region.contact_email:
        messages.append(
            queue_email(
                to=region.contact_email,
                subject=subject,
                template=template,
                context=context,
                concerning=concerning,
                about_a_case=True,
            )
        )
    return messages


def _announce_region_change(review: Review, old_region: Organisation) -> list[OutboxMessage]:
    """The region that had the report is told it has gone (and can no longer read it); the new
    region is sent the link, as if issued to it."""
    link = portal_url(path_for("reviews.show_report", review_id=review.id))
    subject = f"QA report on SFO review {review.reference} moved to another region"
    context: dict[str, object] = {
        "reference": review.reference,
        "old_region": old_region.name,
        "new_region": review.region.name,
    }
    messages = _email_region(
        old_region,
        subject=subject,
        template="reviews_qa_report_moved",
        context={**context, "to_this_region": False},
        concerning=review.assessment,
    )
    messages += _email_region(
        review.region,
        subject=f"QA report on SFO review {review.reference}",
        template="reviews_qa_report_moved",
        context={**context, "to_this_region": True, "link": link},
        concerning=review.assessment,
    )
    return messages


def extend_deadline(review: Review, *, new_due_on: date, reason: str, actor: User) -> ReviewExtension:
    if review.status in (review.status.ISSUED, review.status.HMPPS):
        raise ReviewProblem("The QA report on this review is not awaited, so its due date cannot change")
    if new_due_on <= review.due_on:
        raise ReviewProblem(
            f"The new due date must be after the current one, {govuk_date(review.due_on)}", "new_due_on"
        )
    extension = ReviewExtension(
        review=review, previous_due_on=review.due_on, new_due_on=new_due_on, reason=reason, granted_by=actor
    )
    db.session.add(extension)
    review.due_on = new_due_on
    audit.record(
        "review.deadline_extended",
        review,
        summary=f"Due date moved from {govuk_date(extension.previous_due_on)} to {govuk_date(new_due_on)}",
        previous_due_on=extension.previous_due_on.isoformat(),
        new_due_on=new_due_on.isoformat(),
        reason=reason,
    )
    return extension


# --- sampling ----------------------------------------------------------------------------


def sampling_population(period_start: date, period_end: date, *, lock: bool = False) -> list[Review]:
    query = (
        select(Review)
        .where(
            Review.assurance == Assurance.AWAITING_SAMPLE,
            Review.received_on >= period_start,
            Review.received_on <= period_end,
        )
        .order_by(Review.id)
    )
    if lock:
        # On PostgreSQL a second draw over the same reviews waits, then finds them drawn.
        query = query.with_for_update(of=Review)
    return list(db.session.scalars(query))


def new_seed() -> int:
    return secrets.randbelow(sampling.MAX_SEED) + 1


def draw_sample(
    *, period_start: date, period_end: date, share_percent: int, seed: int, note: str, actor: User | None
) -> SampleDraw:
    if period_end < period_start:
        raise ReviewProblem("The end of the period must be the same as or after its start", "period_end")
    population = sampling_population(period_start, period_end, lock=True)
    if not population:
        raise ReviewProblem(
            f"No reviews received between {govuk_date(period_start)} and {govuk_date(period_end)} are awaiting a "
            "sample",
            "period_start",
        )
    # Drawing decides which reviews count as sampled and which as HMPPS's: a published year's stay as published.
    refuse_if_published(
        [r.received_on for r in population], "which of the reviews received in it were sampled", "period_start"
    )
    candidates = [sampling.Candidate(r.id, r.region.name, r.offence_category.name) for r in population]
    picks = {p.id: (order, p) for order, p in enumerate(sampling.draw_sample(candidates, share_percent, seed), start=1)}
    draw = SampleDraw(
        drawn_by=actor,
        drawn_at_utc=utc_now(),
        period_start=period_start,
        period_end=period_end,
        share_percent=share_percent,
        seed=seed,
        population_size=len(population),
        sample_size=len(picks),
        note=note,
    )
    db.session.add(draw)
    for review in population:
        order, pick = picks.get(review.id, (None, None))
        draw.entries.append(
            SampleDrawEntry(
                review=review,
                region_name=review.region.name,
                category_name=review.offence_category.name,
                selected=pick is not None,
                pick_order=order,
                reason=pick.reason.value if pick else None,
                explanation=pick.explanation if pick else None,
            )
        )
        review.assurance = Assurance.INSPECTORATE if pick else Assurance.HMPPS
    db.session.flush()
    audit.record(
        "sample.drawn",
        draw,
        summary=f"{len(picks)} of {len(population)} reviews sampled ({share_percent}%, seed {seed})",
        seed=seed,
        share_percent=share_percent,
        period_start=period_start.isoformat(),
        period_end=period_end.isoformat(),
        population=[r.id for r in population],
        sample=list(picks),
    )
    for review in population:
        if review.id in picks:
            audit.record(
                "review.sampled",
                review,
                summary=f"Sampled for Inspectorate QA: {picks[review.id][1].explanation}",
                draw_id=draw.id,
            )
        else:
            audit.record(
                "review.marked_for_hmpps", review, summary="Not sampled: marked for HMPPS assurance", draw_id=draw.id
            )
    return draw


# --- standards versions ------------------------------------------------------------------


def copy_standards_version(source: StandardsVersion, name: str, actor: User) -> StandardsVersion:
    if db.session.scalar(select(StandardsVersion.id).where(func.lower(StandardsVersion.name) == func.lower(name))):
        raise ReviewProblem("A version with this name already exists", "name")
    copy = build_version(name, version_data(source), status=StandardsVersionStatus.DRAFT)
    copy.copied_from = source
    copy.created_by_id = actor.id
    db.session.flush()
    audit.record("standards.copied", copy, summary=f"“{name}” copied from “{source.name}”", source_id=source.id)
    return copy


def _ensure_editable(version: StandardsVersion) -> None:
    if not version.editable:
        raise ReviewProblem("This version is in use or replaced, so its wording cannot change. Copy it to revise it.")


def update_standard_wording(standard: Standard, *, title: str, statement: str) -> None:
    _ensure_editable(standard.version)
    before = {"title": standard.title, "statement": standard.statement}
    standard.title, standard.statement = title, statement
    audit.record(
        "standards.wording_changed",
        standard.version,
        summary=f"Standard {standard.number} reworded",
        item=f"standard {standard.number}",
        before=before,
        after={"title": title, "statement": statement},
    )


def update_key_question_wording(question: KeyQuestion, *, text: str) -> None:
    _ensure_editable(question.standard.version)
    before = question.text
    question.text = text
    audit.record(
        "standards.wording_changed",
        question.standard.version,
        summary=f"Key question {question.number} reworded",
        item=f"key question {question.number}",
        before=before,
        after=text,
    )


def update_prompt_wording(prompt: Prompt, *, text: str) -> None:
    _ensure_editable(prompt.key_question.standard.version)
    before = prompt.text
    prompt.text = text
    audit.record(
        "standards.wording_changed",
        prompt.key_question.standard.version,
        summary=f"Prompt {prompt.label} reworded",
        item=f"prompt {prompt.label}",
        before=before,
        after=text,
    )


def publish_standards_version(version: StandardsVersion) -> list[StandardsVersion]:
    """Put a draft into use for new assessments; the version it replaces is kept, retired."""
    _ensure_editable(version)
    replaced = list(
        db.session.scalars(select(StandardsVersion).where(StandardsVersion.status == StandardsVersionStatus.CURRENT))
    )
    for old in replaced:
        old.status = StandardsVersionStatus.RETIRED
    version.status = StandardsVersionStatus.CURRENT
    version.published_at_utc = utc_now()
    audit.record(
        "standards.published", version, summary=f"“{version.name}” put into use", replaced=[v.name for v in replaced]
    )
    return replaced


def discard_standards_version(version: StandardsVersion) -> None:
    _ensure_editable(version)
    audit.record("standards.discarded", version, summary=f"Draft “{version.name}” deleted")
    db.session.delete(version)


# --- offence categories ------------------------------------------------------------------


def _category_name_taken(name: str, except_id: int | None = None) -> bool:
    query = select(OffenceCategory.id).where(func.lower(OffenceCategory.name) == func.lower(name))
    if except_id is not None:
        query = query.where(OffenceCategory.id != except_id)
    return db.session.scalar(query) is not None


def create_offence_category(name: str) -> OffenceCategory:
    if _category_name_taken(name):
        raise ReviewProblem("An offence category with this name already exists", "name")
    last = db.session.scalar(select(func.max(OffenceCategory.position))) or 0
    category = OffenceCategory(name=name, position=last + 1, active=True)
    db.session.add(category)
    db.session.flush()
    audit.record("offence_category.created", category, summary=f"Offence category “{name}” added")
    return category


def update_offence_category(category: OffenceCategory, *, name: str, active: bool) -> None:
    if _category_name_taken(name, except_id=category.id):
        raise ReviewProblem("An offence category with this name already exists", "name")
    before = {"name": category.name, "active": category.active}
    category.name, category.active = name, active
    if before != {"name": name, "active": active}:
        audit.record(
            "offence_category.updated",
            category,
            summary=f"Offence category “{name}” changed",
            before=before,
            after={"name": name, "active": active},
        )


# --- assessments -------------------------------------------------------------------------


def assign_assessor(review: Review, assessor: User, actor: User) -> Assessment:
    if review.assurance != Assurance.INSPECTORATE:
        raise ReviewProblem("Only reviews sampled for Inspectorate QA can be assigned")
    if not (is_inspector(assessor) and assessor.active):
        raise ReviewProblem("Select an inspector", "assessor_id")
    assessment = review.assessment
    if assessment is not None:
        if assessment.is_issued:
            raise ReviewProblem("The QA report has been issued, so the assessor cannot change")
        previous = assessment.assessor.full_name if assessment.assessor else None
        assessment.assessor = assessor
        assessment.updated_at_utc = utc_now()
        audit.record(
            "assessment.reassigned",
            assessment,
            summary=f"{review.reference} reassigned to {assessor.full_name}",
            review_id=review.id,
            previous=previous,
            assessor=assessor.email,
        )
        return assessment
    version = current_version()
    if version is None:
        raise ReviewProblem("No version of the standards is in use. An admin must put one into use first.")
    assessment = Assessment(
        review=review,
        standards_version=version,
        assessor=assessor,
        assigned_at_utc=utc_now(),
        stage=AssessmentStage.DRAFT,
        last_saved_by=actor,
    )
    assessment.ratings = [StandardRating(standard=s, position=s.number, feedback="") for s in version.standards]
    db.session.add(assessment)
    db.session.flush()
    audit.record(
        "assessment.assigned",
        assessment,
        summary=f"{review.reference} assigned to {assessor.full_name}",
        review_id=review.id,
        assessor=assessor.email,
        standards_version=version.name,
    )
    return assessment


@dataclass
class AssessmentInput:
    """What the assessment form holds, keyed by prompt id and standard id."""

    answers: Mapping[int, tuple[Answer | None, str]]
    ratings: Mapping[int, tuple[int | None, str]]
    summary: str


def saved_input(assessment: Assessment) -> AssessmentInput:
    """What is saved, as the input that would save it again unchanged."""
    return AssessmentInput(
        answers={a.prompt_id: (a.answer, a.note) for a in assessment.answers},
        ratings={r.standard_id: (r.score, r.feedback) for r in assessment.ratings},
        summary=assessment.summary,
    )


def completion_problems(
    assessment: Assessment, data: AssessmentInput, *, every_prompt: bool = False
) -> list[tuple[str, str]]:
    """(field name, message) for what completion still needs: all four ratings and feedback.

    ``every_prompt`` (the task list's completion) also needs an answer to every prompt, Not
    applicable being one: one problem per standard, naming its first unanswered prompt's field.
    Imports and history keep the looser rule: their prompts may be blank.
    """
    problems: list[tuple[str, str]] = []
    for standard in assessment.standards_version.standards:
        if every_prompt and (blank := unanswered_prompts(standard, data)):
            count = f"{len(blank)} prompt{'s' if len(blank) != 1 else ''} not answered"
            problems.append(
                (
                    f"answer_{blank[0].id}",
                    f"Answer every prompt of standard {standard.number}, {standard.title} ({count}): "
                    "choose Not applicable where one does not apply",
                )
            )
        score, feedback = data.ratings.get(standard.id, (None, ""))
        if score is None:
            problems.append(
                (f"rating_{standard.id}", f"Select a rating for standard {standard.number}, {standard.title}")
            )
        if not feedback.strip():
            problems.append(
                (
                    f"feedback_{standard.id}",
                    f"Enter feedback explaining the rating for standard {standard.number}, {standard.title}",
                )
            )
    return problems


def unanswered_prompts(standard: Standard, data: AssessmentInput) -> list[Prompt]:
    return [p for p in standard.prompts if data.answers.get(p.id, (None, ""))[0] is None]


def save_assessment(
    assessment: Assessment,
    data: AssessmentInput,
    *,
    complete: bool,
    version: int | str | None,
    actor: User,
    every_prompt: bool = False,
) -> None:
    """Save a draft (anything may be blank) or complete it (ratings and feedback required,
    and with ``every_prompt`` an answer to every prompt)."""
    assessment.check_version(version)
    if assessment.is_issued:
        raise ReviewProblem("The QA report has been issued, so the assessment cannot change")
    if complete and (problems := completion_problems(assessment, data, every_prompt=every_prompt)):
        raise ReviewProblem(problems[0][1], problems[0][0])
    before = {r.position: r.score for r in assessment.ratings}
    answers = {a.prompt_id: a for a in assessment.answers}
    for standard in assessment.standards_version.standards:
        for prompt in standard.prompts:
            answer, note = data.answers.get(prompt.id, (None, ""))
            row = answers.get(prompt.id)
            if row is None:
                if answer is None and not note:
                    continue
                row = PromptAnswer(prompt=prompt)
                assessment.answers.append(row)
            row.answer, row.note = answer, note
        rating = assessment.rating_for(standard)
        if rating is None:
            rating = StandardRating(standard=standard, position=standard.number)
            assessment.ratings.append(rating)
        rating.score, rating.feedback = data.ratings.get(standard.id, (None, ""))
    assessment.summary = data.summary
    assessment.last_saved_by = actor
    # Always touch the row, so its version moves even when only child rows changed.
    assessment.updated_at_utc = utc_now()
    was = assessment.stage
    if complete:
        assessment.stage = AssessmentStage.COMPLETE
        assessment.completed_at_utc = utc_now()
        assessment.assessed_on = london_today()
    else:
        assessment.stage = AssessmentStage.DRAFT
        assessment.completed_at_utc = None
        assessment.assessed_on = None
    after = {r.position: r.score for r in assessment.ratings}
    action = (
        "assessment.completed"
        if complete
        else ("assessment.reopened" if was == AssessmentStage.COMPLETE else "assessment.saved")
    )
    overall = assessment.overall
    audit.record(
        action,
        assessment,
        summary={
            "assessment.completed": f"QA completed: overall {overall.label if overall else 'not rated'}",
            "assessment.reopened": "QA reopened as a draft",
            "assessment.saved": "QA draft saved",
        }[action],
        review_id=assessment.review_id,
        ratings_before={str(k): v for k, v in before.items()},
        ratings_after={str(k): v for k, v in after.items()},
        composite=assessment.composite,
    )


def save_standard(
    assessment: Assessment,
    standard: Standard,
    answers: Mapping[int, tuple[Answer | None, str]],
    rating: tuple[int | None, str],
    *,
    version: int | str | None,
    actor: User,
) -> bool:
    """Save one standard's answers, rating and feedback (the task list's page for it); the other
    standards and the summary stay as saved. Nothing is saved, and a complete assessment stays
    complete, when nothing changed; a change to a complete one reopens it as a draft, as any
    draft save does. True when something was saved."""
    saved = saved_input(assessment)
    mine = {p.id: answers.get(p.id, (None, "")) for p in standard.prompts}
    blank: tuple[Answer | None, str] = (None, "")
    if (
        all(saved.answers.get(i, blank) == v for i, v in mine.items())
        and saved.ratings.get(standard.id, (None, "")) == rating
    ):
        return False
    merged = AssessmentInput(
        answers={**saved.answers, **mine}, ratings={**saved.ratings, standard.id: rating}, summary=saved.summary
    )
    save_assessment(assessment, merged, complete=False, version=version, actor=actor)
    return True


def save_summary(assessment: Assessment, summary: str, *, version: int | str | None, actor: User) -> bool:
    """Save the summary alone (as ``save_standard`` saves one standard). True when it changed."""
    saved = saved_input(assessment)
    if saved.summary == summary:
        return False
    save_assessment(
        assessment,
        AssessmentInput(answers=saved.answers, ratings=saved.ratings, summary=summary),
        complete=False,
        version=version,
        actor=actor,
    )
    return True


def complete_assessment(assessment: Assessment, *, version: int | str | None, actor: User) -> None:
    """Mark as complete what is saved (the task list's check page): every prompt answered,
    every standard rated and explained."""
    save_assessment(assessment, saved_input(assessment), complete=True, version=version, actor=actor, every_prompt=True)


def report_recipients(review: Review) -> list[User]:
    return region_recipients(review.region_id)


def issue_report(
    assessment: Assessment,
    *,
    version: int | str | None,
    actor: User,
    notify: bool = True,
    issued_on: date | None = None,
    reason: str | None = None,
) -> list[OutboxMessage]:
    """Issue the QA report: the region's people are emailed a link (never the report itself).

    ``issued_on`` earlier than today records a report already sent outside the portal (last
    month's work catching up): it needs a reason, which is audited and shown in the report's
    history, and it counts in the year and timeliness of that date. ``notify=False`` is for
    history (the demo data): the report is issued but nobody is emailed.
    """
    assessment.check_version(version)
    if assessment.stage != AssessmentStage.COMPLETE:
        raise ReviewProblem("Only a completed assessment can be issued")
    review = assessment.review
    today = london_today()
    issued_on = issued_on or today
    reason = (reason or "").strip() or None
    backdated = issued_on < today
    if issued_on > today:
        raise ReviewProblem("The date the report was issued must be today or in the past", "issued_on")
    if issued_on < review.received_on:
        raise ReviewProblem(
            f"The date the report was issued must be the same as or after the date the review was received, "
            f"{govuk_date(review.received_on)}",
            "issued_on",
        )
    if backdated and not reason:
        raise ReviewProblem("Enter the reason the report is recorded as issued on an earlier date", "reason")
    refuse_if_published([issued_on], f"the reports issued in {year_label(reporting_year_of(issued_on))}", "issued_on")
    assessment.stage = AssessmentStage.ISSUED
    assessment.issued_at_utc = utc_now()
    assessment.issued_on = issued_on
    assessment.issued_by = actor
    link = portal_url(path_for("reviews.show_report", review_id=review.id))
    context: dict[str, object] = {
        "reference": review.reference,
        "region": review.region.name,
        "link": link,
        "issued_on": govuk_date(issued_on) if backdated else None,
    }
    messages = (
        _email_region(
            review.region,
            subject=f"QA report on SFO review {review.reference}",
            template="reviews_qa_report_issued",
            context=context,
            concerning=assessment,
        )
        if notify
        else []
    )
    on_time = issued_on <= review.due_on
    when = f" on {govuk_date(issued_on)}, recorded after the event. Reason: {reason}" if backdated else ""
    audit.record(
        "qa_report.issued",
        assessment,
        summary=f"QA report issued to {review.region.name} ({'on time' if on_time else 'late'}){when}"[:500],
        review_id=review.id,
        on_time=on_time,
        due_on=review.due_on.isoformat(),
        issued_on=issued_on.isoformat(),
        backdated=backdated,
        reason=reason,
        recipients=[m.to_address for m in messages],
    )
    return messages


# Reads of a QA report by its region (the review page shows how often it was read).
REPORT_READS = ("read.qa_report", "read.qa_report_pdf")


def record_report_access(review: Review, *, pdf: bool, actor: User) -> None:
    """Every reading of a QA report is audited, in the Inspectorate and in the region."""
    audit.record_read(
        review,
        "qa_report_pdf" if pdf else "qa_report",
        f"QA report on {review.reference} {'downloaded as PDF' if pdf else 'viewed'}",
        assessment_id=review.assessment.id if review.assessment else None,
        organisation=actor.organisation.name,
    )


# --- imports -----------------------------------------------------------------------------


def store_upload(filename: str, text: str, actor: User) -> ReviewImport:
    upload = ReviewImport(uploaded_by=actor, filename=filename[:255] or "upload.csv", content=text)
    db.session.add(upload)
    db.session.flush()
    audit.record(
        "reviews.import_uploaded",
        upload,
        summary=f"{upload.filename} uploaded for preview",
        filename=upload.filename,
        size=len(text),
    )
    return upload


class _ReferenceAllocator:
    """Next free references per year for a whole import: one query per year, not one per row,
    stepping over the references the file itself gives."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.next_number: dict[int, int] = {}

    def __call__(self, year: int) -> str:
        if year not in self.next_number:
            self.next_number[year] = int(next_reference(year)[-4:])
        while True:
            number = self.next_number[year]
            if number > 9999:
                raise ReviewProblem(f"Every reference for {year} is taken; give the rows references")
            self.next_number[year] += 1
            reference = f"SFO-{year:04d}-{number:04d}"
            if reference not in self.taken:
                return reference


def commit_import(upload: ReviewImport, actor: User, reason: str | None = None) -> importing.ImportCheck:
    """Import every new, valid row of the stored file (checked again now) and make the changes
    its rows for reviews already held would make, in the caller's transaction.

    New rows are built in memory and written in one flush: a file of thousands of rows takes
    seconds, not minutes. Changes to reviews whose QA report is issued need ``reason``: they
    are corrections of a record, shown on the review's timeline and in the report's history.
    """
    # Claim the upload first, so two confirmations at once (a double click) import it once.
    claimed = db.session.scalar(
        update(ReviewImport)
        .where(ReviewImport.id == upload.id, ReviewImport.status == ImportStatus.PREVIEWED)
        .values(status=ImportStatus.IMPORTED)
        .returning(ReviewImport.id)
        .execution_options(synchronize_session=False)
    )
    if claimed is None:
        raise ReviewProblem("This file has already been imported")
    today = london_today()
    check = importing.check_csv(upload.content, importing.load_lookups(today))
    if check.file_problems:
        raise ReviewProblem(check.file_problems[0])
    reason = (reason or "").strip() or None
    if check.needs_reason and not reason:
        raise ReviewProblem(
            "Enter the reason for the changes: the file changes reviews whose QA report has been issued", "reason"
        )
    rows = [row.parsed for row in check.new_rows if row.parsed is not None]
    updates = [row for row in check.update_rows if row.parsed is not None and row.existing is not None]
    allocate = _ReferenceAllocator({p.reference for p in rows if p.reference})
    needs_version = any(p.scores is not None for p in rows) or any(
        row.parsed is not None
        and row.parsed.scores is not None
        and row.existing is not None
        and row.existing.assessment is None
        for row in updates
    )
    version = current_version() if needs_version else None
    if needs_version and version is None:
        raise ReviewProblem("No version of the standards is in use, so ratings cannot be imported")
    created: list[tuple[Review, importing.ParsedRow, Assessment | None]] = []
    for parsed in rows:
        review = _new_review(parsed, parsed.reference or allocate(parsed.received_on.year))
        review.assurance = importing.new_assurance(parsed, today)
        assessment = _import_assessment(review, parsed, version) if parsed.scores is not None else None
        if parsed.qa_extended_to is not None:
            _import_extension(review, parsed)
        created.append((review, parsed, assessment))
    db.session.flush()
    for review, parsed, assessment in created:
        _audit_new_review(review, "review.imported")
        if assessment is not None:
            overall = assessment.overall
            audit.record(
                "assessment.imported",
                assessment,
                summary=(
                    f"QA ratings imported: overall {overall.label if overall else ''}".strip()
                    + (f"; report issued on {govuk_date(parsed.qa_issued_on)}" if parsed.qa_issued_on else "")
                ),
                review_id=review.id,
                scores=parsed.scores,
                issued_on=parsed.qa_issued_on.isoformat() if parsed.qa_issued_on else None,
            )
        elif review.assurance == Assurance.HMPPS:
            audit.record("review.marked_for_hmpps", review, summary="Imported as left to HMPPS assurance")
    notified = 0
    for row in updates:
        assert row.parsed is not None and row.existing is not None
        notified += len(_import_update(row.existing, row.parsed, row.changes, version, reason, actor, today))
    upload.status = ImportStatus.IMPORTED
    upload.imported_at_utc = utc_now()
    upload.created_count = len(created)
    upload.updated_count = len(updates)
    upload.skipped_count = len(check.rows) - len(created) - len(updates)
    audit.record(
        "reviews.imported",
        upload,
        summary=(
            f"Reviews imported from {upload.filename}: {len(created)} added, {len(updates)} updated, "
            f"{upload.skipped_count} rows skipped"
        ),
        created=[review.reference for review, _p, _a in created],
        updated=[row.existing.reference for row in updates if row.existing is not None],
        reason=reason,
        notified=notified,
    )
    return check


def _import_assessment(review: Review, parsed: importing.ParsedRow, version: StandardsVersion | None) -> Assessment:
    assert parsed.scores is not None and version is not None
    review.assurance = Assurance.INSPECTORATE
    assessment = Assessment(
        review=review,
        standards_version=version,
        assessor=parsed.assessor,
        assessor_name=parsed.assessor_name,
        imported=True,
        stage=AssessmentStage.ISSUED if parsed.qa_issued_on else AssessmentStage.COMPLETE,
        assessed_on=parsed.qa_assessed_on,
        issued_on=parsed.qa_issued_on,
    )
    assessment.ratings = [
        StandardRating(standard=s, position=s.number, score=score, feedback=feedback or "")
        for s, score, feedback in zip(version.standards, parsed.scores, parsed.feedback, strict=True)
    ]
    db.session.add(assessment)
    return assessment


def _import_extension(review: Review, parsed: importing.ParsedRow) -> ReviewExtension:
    assert parsed.qa_extended_to is not None
    extension = ReviewExtension(
        review=review,
        previous_due_on=review.due_on,
        new_due_on=parsed.qa_extended_to,
        reason=parsed.qa_extension_reason or importing.DEFAULT_EXTENSION_REASON,
        granted_by=None,
    )
    db.session.add(extension)
    review.due_on = parsed.qa_extended_to
    return extension


def _import_update(
    review: Review,
    parsed: importing.ParsedRow,
    changes: list[importing.FieldChange],
    version: StandardsVersion | None,
    reason: str | None,
    actor: User,
    today: date,
) -> list[OutboxMessage]:
    """Make the changes the preview listed for a review already held (checked again just now)."""
    assessment = review.assessment
    was_issued = assessment is not None and assessment.is_issued
    given = parsed.given
    # The review's own details: a blank cell changes nothing.
    before = _snapshot(review)
    old_region, old_received = review.region, review.received_on
    review.region = parsed.region
    review.offence_category = parsed.offence_category
    review.received_on = parsed.received_on
    for name in ("offence_on", "charged_on", "hmpps_notified_on", "due_to_inspectorate_on"):
        if name in given:
            setattr(review, name, getattr(parsed, name))
    if "author_role" in given:
        review.author_role = parsed.author_role
    if "summary" in given:
        review.summary = parsed.summary
    if "probation_extension" in given:
        review.probation_extension = parsed.probation_extension
    if "probation_extension_days" in given:
        review.probation_extension_days = parsed.probation_extension_days
    after = _snapshot(review)
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k] and k != "due"}
    messages = record_review_changes(
        review, changed, old_region=old_region, old_received=old_received, reason=reason, actor=actor, source="import"
    )
    assurance = importing.existing_assurance_after(review, parsed, today)
    if assurance != review.assurance:
        audit.record(
            "review.assurance_imported",
            review,
            summary=f"Assured by {importing.ASSURANCE_LABELS[assurance]} (imported; was "
            f"{importing.ASSURANCE_LABELS[review.assurance]})",
            before=review.assurance.value,
            after=assurance.value,
        )
        review.assurance = assurance
    # The QA: new, or changed.
    if assessment is None and parsed.scores is not None:
        assessment = _import_assessment(review, parsed, version)
        db.session.flush()
        audit.record(
            "assessment.imported",
            assessment,
            summary=f"QA ratings imported over an existing review{' and report issued' if parsed.qa_issued_on else ''}",
            review_id=review.id,
            scores=parsed.scores,
            issued_on=parsed.qa_issued_on.isoformat() if parsed.qa_issued_on else None,
        )
    elif assessment is not None:
        qa_changes = [c for c in changes if c.label.startswith(("Standard ", "Assessor", "Date the QA"))]
        if qa_changes:
            scores_before = [r.score for r in assessment.ratings]
            for rating in assessment.ratings:
                index = rating.position - 1
                if parsed.scores is not None and 0 <= index < len(parsed.scores):
                    rating.score = parsed.scores[index]
                if 0 <= index < len(parsed.feedback) and parsed.feedback[index]:
                    rating.feedback = parsed.feedback[index] or ""
            if parsed.assessor is not None:
                assessment.assessor, assessment.assessor_name = parsed.assessor, None
            elif parsed.assessor_name:
                assessment.assessor, assessment.assessor_name = None, parsed.assessor_name
            if parsed.qa_assessed_on:
                assessment.assessed_on = parsed.qa_assessed_on
            if parsed.qa_issued_on:
                assessment.issued_on = parsed.qa_issued_on
                if not assessment.is_issued:
                    assessment.stage = AssessmentStage.ISSUED
            assessment.updated_at_utc = utc_now()
            described = "; ".join(f"{c.label.lower()} {c.before} → {c.after}" for c in qa_changes)
            audit.record(
                "assessment.corrected" if was_issued else "assessment.imported",
                assessment,
                summary=(
                    f"Changed by an import after the QA report was issued: {described}. Reason: {reason}"
                    if was_issued
                    else f"QA updated by an import: {described}"
                )[:500],
                review_id=review.id,
                reason=reason,
                scores_before=scores_before,
                scores_after=[r.score for r in assessment.ratings],
                changes=[{"what": c.label, "before": c.before, "after": c.after} for c in qa_changes],
            )
    if parsed.qa_extended_to is not None and parsed.qa_extended_to != review.due_on:
        extension = _import_extension(review, parsed)
        audit.record(
            "review.deadline_extended",
            review,
            summary=f"Due date moved from {govuk_date(extension.previous_due_on)} to {govuk_date(extension.new_due_on)}"
            " (imported)",
            previous_due_on=extension.previous_due_on.isoformat(),
            new_due_on=extension.new_due_on.isoformat(),
            reason=extension.reason,
        )
    return messages


def load_assessment(assessment_id: int) -> Assessment | None:
    """An assessment with its version's wording, ratings and answers, in a fixed number of queries."""
    return db.session.scalar(
        select(Assessment)
        .where(Assessment.id == assessment_id)
        .options(
            selectinload(Assessment.ratings),
            selectinload(Assessment.answers),
            selectinload(Assessment.standards_version)
            .selectinload(StandardsVersion.standards)
            .selectinload(Standard.key_questions)
            .selectinload(KeyQuestion.prompts),
        )
    )
