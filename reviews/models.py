"""SFO reviews, the sample draws, the QA standards (versioned data) and the QA assessments.

The reference (SFO-YYYY-NNNN) is the identifier: no names of the person on probation or of
victims are held here.

For other packages (panels, learning):
- ``Review.assessment`` is the review's one QA assessment (or None); ``Assessment.ratings``
  are its ``StandardRating`` rows in standard order, ``Assessment.answers`` its
  ``PromptAnswer`` rows; ``Assessment.composite`` and ``Assessment.overall`` are derived.
- Standards, key questions and prompts belong to a ``StandardsVersion``. A version in use
  is never edited: a revision is a copy with new rows, so the ids an assessment (or an
  action linking to "assessment + standard (+ prompt)") refers to keep their wording for good.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates
from sqlalchemy.orm.attributes import set_committed_value

from agencies.models import Organisation, User, enum_column
from core.db import TimestampMixin, UTCDateTime, VersionedMixin
from core.formatting import utc_now
from extensions import Base
from reviews import rating as rating_rules
from reviews.deadlines import add_working_days, qa_due_date
from reviews.rating import Rating

REFERENCE_PATTERN = r"^SFO-\d{4}-\d{4}$"


class OffenceCategory(TimestampMixin, Base):
    """A list admins can edit; seeded with the categories in the issue."""

    __tablename__ = "offence_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    position: Mapped[int] = mapped_column(nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<OffenceCategory {self.name!r}>"


class Assurance(enum.StrEnum):
    """Who quality-assures the review: decided by the sample draw (or an import)."""

    AWAITING_SAMPLE = "awaiting_sample"
    INSPECTORATE = "inspectorate"
    HMPPS = "hmpps"


class ReviewStatus(enum.StrEnum):
    """Where a review is: derived from its assurance and its assessment's stage.

    Stored on the review (kept current on every flush, see ``_keep_statuses_current``) so
    that lists and counts of open work use an index instead of scanning years of reviews.
    """

    AWAITING_SAMPLE = "awaiting_sample"
    HMPPS = "hmpps"
    AWAITING_ASSIGNMENT = "awaiting_assignment"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    ISSUED = "issued"

    @property
    def label(self) -> str:
        return REVIEW_STATUS_LABELS[self]

    @property
    def tag_class(self) -> str:
        return REVIEW_STATUS_TAGS[self]


# Statuses in which the Inspectorate owes (or may owe, until the sample is drawn) a QA report.
AWAITING_REPORT = (
    ReviewStatus.AWAITING_SAMPLE,
    ReviewStatus.AWAITING_ASSIGNMENT,
    ReviewStatus.IN_PROGRESS,
    ReviewStatus.COMPLETE,
)
AWAITING_REPORT_SQL = "status IN (" + ", ".join(f"'{status.value}'" for status in AWAITING_REPORT) + ")"

REVIEW_STATUS_LABELS = {
    ReviewStatus.AWAITING_SAMPLE: "Awaiting sample",
    ReviewStatus.HMPPS: "For HMPPS assurance",
    ReviewStatus.AWAITING_ASSIGNMENT: "Awaiting assignment",
    ReviewStatus.IN_PROGRESS: "QA in progress",
    ReviewStatus.COMPLETE: "QA complete",
    ReviewStatus.ISSUED: "Report issued",
}
REVIEW_STATUS_TAGS = {
    ReviewStatus.AWAITING_SAMPLE: "govuk-tag--grey",
    ReviewStatus.HMPPS: "govuk-tag--purple",
    ReviewStatus.AWAITING_ASSIGNMENT: "govuk-tag--orange",
    ReviewStatus.IN_PROGRESS: "govuk-tag--blue",
    ReviewStatus.COMPLETE: "govuk-tag--turquoise",
    ReviewStatus.ISSUED: "govuk-tag--green",
}


class Review(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(13), unique=True, nullable=False)
    region_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    offence_category_id: Mapped[int] = mapped_column(ForeignKey("offence_categories.id"), nullable=False, index=True)
    received_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    offence_on: Mapped[date | None] = mapped_column(Date)
    charged_on: Mapped[date | None] = mapped_column(Date)
    author_role: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    assurance: Mapped[Assurance] = mapped_column(
        enum_column(Assurance), nullable=False, default=Assurance.AWAITING_SAMPLE, index=True
    )
    # Derived from received_on (15 working days) and kept here so lists can filter and sort
    # on them in SQL; set only by ``received_on``'s validator and by extensions.
    target_due_on: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    status: Mapped[ReviewStatus] = mapped_column(
        enum_column(ReviewStatus), nullable=False, default=ReviewStatus.AWAITING_SAMPLE
    )
    # The review's own timeline before it reached the Inspectorate (HMPPS's side of it): when
    # HMPPS was told of the SFO, when the review was due to the Inspectorate, and whether the
    # probation region was given more time and how many working days. None is "not recorded".
    hmpps_notified_on: Mapped[date | None] = mapped_column(Date)
    due_to_inspectorate_on: Mapped[date | None] = mapped_column(Date)
    probation_extension: Mapped[bool | None] = mapped_column(Boolean)
    probation_extension_days: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_reviews_status_due_on", "status", "due_on"),
        # Open work (overdue, due this week) is a few dozen reviews among years of them: a
        # partial index holds only those. Queries must name the statuses as literals (see
        # ``reviews.queries.awaiting_report``) for the planner to match it.
        Index(
            "ix_reviews_awaiting_report_due_on",
            "due_on",
            sqlite_where=text(AWAITING_REPORT_SQL),
            postgresql_where=text(AWAITING_REPORT_SQL),
        ),
    )

    region: Mapped[Organisation] = relationship(lazy="joined")
    offence_category: Mapped[OffenceCategory] = relationship(lazy="joined")
    assessment: Mapped[Assessment | None] = relationship(back_populates="review", uselist=False)
    extensions: Mapped[list[ReviewExtension]] = relationship(
        back_populates="review", order_by="ReviewExtension.id", cascade="all, delete-orphan"
    )
    sample_entry: Mapped[SampleDrawEntry | None] = relationship(back_populates="review", uselist=False)

    @validates("received_on")
    def _derive_due_dates(self, _key: str, value: date) -> date:
        if value is not None:
            self.target_due_on = qa_due_date(value)
            if not self.extensions:
                self.due_on = self.target_due_on
        return value

    def derived_status(self, assessment: Assessment | None) -> ReviewStatus:
        if self.assurance == Assurance.AWAITING_SAMPLE:
            return ReviewStatus.AWAITING_SAMPLE
        if self.assurance == Assurance.HMPPS:
            return ReviewStatus.HMPPS
        if assessment is None:
            return ReviewStatus.AWAITING_ASSIGNMENT
        return {
            AssessmentStage.DRAFT: ReviewStatus.IN_PROGRESS,
            AssessmentStage.COMPLETE: ReviewStatus.COMPLETE,
            AssessmentStage.ISSUED: ReviewStatus.ISSUED,
        }[assessment.stage]

    @property
    def extended(self) -> bool:
        return bool(self.extensions)

    @property
    def probation_extended_to(self) -> date | None:
        """When the review was due to the Inspectorate once the region's extension is counted."""
        if self.due_to_inspectorate_on is None:
            return None
        if self.probation_extension and self.probation_extension_days:
            return add_working_days(self.due_to_inspectorate_on, self.probation_extension_days)
        return self.due_to_inspectorate_on

    @property
    def awaits_report(self) -> bool:
        """The Inspectorate owes a QA report on this review (or may, until the sample is drawn)."""
        return self.status in AWAITING_REPORT

    def is_overdue(self, today: date) -> bool:
        return self.awaits_report and self.due_on < today

    @property
    def issued_on_time(self) -> bool | None:
        """Issued by the due date (including agreed extensions); None until issued."""
        if self.assessment is None or self.assessment.issued_on is None:
            return None
        return self.assessment.issued_on <= self.due_on

    def __repr__(self) -> str:
        return f"<Review {self.reference}>"


class ReviewExtension(TimestampMixin, Base):
    """An agreed new due date for the QA report, with the reason (most reviews get one)."""

    __tablename__ = "review_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False, index=True)
    previous_due_on: Mapped[date] = mapped_column(Date, nullable=False)
    new_due_on: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    review: Mapped[Review] = relationship(back_populates="extensions")
    granted_by: Mapped[User | None] = relationship()


# --- sampling ----------------------------------------------------------------------------


class SampleDraw(TimestampMixin, Base):
    """One run of the sampler: who, when, the seed, the period, the share and the population."""

    __tablename__ = "sample_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    drawn_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utc_now)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    share_percent: Mapped[int] = mapped_column(Integer, nullable=False)
    seed: Mapped[int] = mapped_column(Integer, nullable=False)
    population_size: Mapped[int] = mapped_column(Integer, nullable=False)
    sample_size: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str] = mapped_column(String(500), nullable=False, default="")

    drawn_by: Mapped[User | None] = relationship(lazy="joined")
    entries: Mapped[list[SampleDrawEntry]] = relationship(
        back_populates="draw", cascade="all, delete-orphan", order_by="SampleDrawEntry.id"
    )


class SampleDrawEntry(Base):
    """A review in a draw's population; ``selected`` ones are the sample, with the reason.

    The region and category names are copied at the draw, so the coverage table still shows
    what the sampler saw if a review is later corrected.
    """

    __tablename__ = "sample_draw_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("sample_draws.id", ondelete="CASCADE"), nullable=False, index=True)
    # A review is in one draw's population at most: after a draw it is no longer awaiting one.
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False, unique=True)
    region_name: Mapped[str] = mapped_column(String(200), nullable=False)
    category_name: Mapped[str] = mapped_column(String(120), nullable=False)
    selected: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    pick_order: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(20))
    explanation: Mapped[str | None] = mapped_column(String(300))

    draw: Mapped[SampleDraw] = relationship(back_populates="entries")
    review: Mapped[Review] = relationship(back_populates="sample_entry")


# --- standards as versioned data -----------------------------------------------------------


class StandardsVersionStatus(enum.StrEnum):
    DRAFT = "draft"  # being written: wording may change, no assessment uses it
    CURRENT = "current"  # new assessments use it; wording frozen
    RETIRED = "retired"  # replaced; assessments made against it keep showing it

    @property
    def label(self) -> str:
        return {"draft": "Draft", "current": "In use", "retired": "Replaced"}[self.value]

    @property
    def tag_class(self) -> str:
        return {"draft": "govuk-tag--grey", "current": "govuk-tag--green", "retired": "govuk-tag--yellow"}[self.value]


class StandardsVersion(TimestampMixin, Base):
    __tablename__ = "standards_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    status: Mapped[StandardsVersionStatus] = mapped_column(
        enum_column(StandardsVersionStatus), nullable=False, default=StandardsVersionStatus.DRAFT, index=True
    )
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("standards_versions.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)

    standards: Mapped[list[Standard]] = relationship(
        back_populates="version", order_by="Standard.number", cascade="all, delete-orphan"
    )
    copied_from: Mapped[StandardsVersion | None] = relationship(remote_side="StandardsVersion.id")

    @property
    def editable(self) -> bool:
        return self.status == StandardsVersionStatus.DRAFT

    def __repr__(self) -> str:
        return f"<StandardsVersion {self.name!r} {self.status}>"


class Standard(Base):
    __tablename__ = "standards"
    __table_args__ = (UniqueConstraint("version_id", "number", name="uq_standards_version_id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("standards_versions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    statement: Mapped[str] = mapped_column(Text, nullable=False, default="")

    version: Mapped[StandardsVersion] = relationship(back_populates="standards")
    key_questions: Mapped[list[KeyQuestion]] = relationship(
        back_populates="standard", order_by="KeyQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def heading(self) -> str:
        return f"Standard {self.number}: {self.title}"

    @property
    def prompts(self) -> list[Prompt]:
        return [p for q in self.key_questions for p in q.prompts]


class KeyQuestion(Base):
    __tablename__ = "key_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id", ondelete="CASCADE"), nullable=False, index=True)
    number: Mapped[str] = mapped_column(String(10), nullable=False)  # "1.1"
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    text: Mapped[str] = mapped_column(Text, nullable=False)

    standard: Mapped[Standard] = relationship(back_populates="key_questions")
    prompts: Mapped[list[Prompt]] = relationship(
        back_populates="key_question", order_by="Prompt.position", cascade="all, delete-orphan"
    )


class Prompt(Base):
    __tablename__ = "prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_question_id: Mapped[int] = mapped_column(
        ForeignKey("key_questions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    letter: Mapped[str] = mapped_column(String(2), nullable=False)  # "a"
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    text: Mapped[str] = mapped_column(Text, nullable=False)

    key_question: Mapped[KeyQuestion] = relationship(back_populates="prompts")

    @property
    def label(self) -> str:
        """'1.1 a' — how the standards document refers to a prompt."""
        return f"{self.key_question.number} {self.letter}"


# --- QA assessments ----------------------------------------------------------------------


class AssessmentStage(enum.StrEnum):
    DRAFT = "draft"
    COMPLETE = "complete"
    ISSUED = "issued"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "complete": "Complete", "issued": "Issued"}[self.value]


class Answer(enum.StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return ANSWER_LABELS[self]


ANSWER_LABELS = {
    Answer.YES: "Yes",
    Answer.PARTLY: "Partly",
    Answer.NO: "No",
    Answer.NOT_APPLICABLE: "Not applicable",
}


class Assessment(VersionedMixin, TimestampMixin, Base):
    """The Inspectorate's QA of one review, against the standards version it was made with."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False, unique=True)
    standards_version_id: Mapped[int] = mapped_column(ForeignKey("standards_versions.id"), nullable=False, index=True)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    stage: Mapped[AssessmentStage] = mapped_column(
        enum_column(AssessmentStage), nullable=False, default=AssessmentStage.DRAFT, index=True
    )
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # True when the ratings came from a spreadsheet import: no prompt answers, maybe no feedback.
    imported: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Who assessed it when that person has no account (history from before the portal).
    assessor_name: Mapped[str | None] = mapped_column(String(200))
    # The London date the assessment was completed: set on completion, or from an import.
    assessed_on: Mapped[date | None] = mapped_column(Date)
    assigned_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_on: Mapped[date | None] = mapped_column(Date, index=True)  # London date; imports have only this
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    review: Mapped[Review] = relationship(back_populates="assessment")
    standards_version: Mapped[StandardsVersion] = relationship()
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])
    last_saved_by: Mapped[User | None] = relationship(foreign_keys=[last_saved_by_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    ratings: Mapped[list[StandardRating]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="StandardRating.position"
    )
    answers: Mapped[list[PromptAnswer]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="PromptAnswer.id"
    )

    @property
    def assessor_display_name(self) -> str | None:
        return self.assessor.full_name if self.assessor else self.assessor_name

    @property
    def scores(self) -> list[int | None]:
        return [r.score for r in self.ratings]

    @property
    def composite(self) -> int | None:
        return rating_rules.composite(self.scores)

    @property
    def overall(self) -> Rating | None:
        return rating_rules.band(self.composite)

    def rating_for(self, standard: Standard) -> StandardRating | None:
        return next((r for r in self.ratings if r.standard_id == standard.id), None)

    def answer_for(self, prompt: Prompt) -> PromptAnswer | None:
        return next((a for a in self.answers if a.prompt_id == prompt.id), None)

    @property
    def is_draft(self) -> bool:
        return self.stage == AssessmentStage.DRAFT

    @property
    def is_issued(self) -> bool:
        return self.stage == AssessmentStage.ISSUED


class StandardRating(Base):
    """The rating (0–3) and written feedback for one standard in one assessment."""

    __tablename__ = "standard_ratings"
    __table_args__ = (
        UniqueConstraint("assessment_id", "standard_id", name="uq_standard_ratings_assessment_id_standard_id"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 3)", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # the standard's number
    score: Mapped[int | None] = mapped_column(Integer)
    feedback: Mapped[str] = mapped_column(Text, nullable=False, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="ratings")
    standard: Mapped[Standard] = relationship()

    @property
    def rating(self) -> Rating | None:
        return Rating(self.score) if self.score is not None else None


class PromptAnswer(Base):
    """The assessor's answer (Yes / Partly / No / Not applicable) and note on one prompt."""

    __tablename__ = "prompt_answers"
    __table_args__ = (UniqueConstraint("assessment_id", "prompt_id", name="uq_prompt_answers_assessment_id_prompt_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id"), nullable=False, index=True)
    answer: Mapped[Answer | None] = mapped_column(enum_column(Answer))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="answers")
    prompt: Mapped[Prompt] = relationship()


# --- published reporting years ---------------------------------------------------------------


class PublishedYear(TimestampMixin, Base):
    """A reporting year (April to March) whose figures the Chief Inspector has published.

    Its figures are then a record: changes that would move them (a review's receipt, region,
    category or extension; a QA report's issue or ratings) are refused until an admin reopens it.
    """

    __tablename__ = "published_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    start_year: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    published_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utc_now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    published_by: Mapped[User | None] = relationship()


# --- CSV imports -------------------------------------------------------------------------


class ImportStatus(enum.StrEnum):
    PREVIEWED = "previewed"
    IMPORTED = "imported"


class ReviewImport(TimestampMixin, Base):
    """An uploaded CSV kept server-side between its preview and the person's confirmation.

    The confirmation re-reads this stored text: rows are never trusted from a re-post.
    """

    __tablename__ = "review_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus), nullable=False, default=ImportStatus.PREVIEWED
    )
    imported_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    uploaded_by: Mapped[User | None] = relationship()


@event.listens_for(Session, "after_flush")
def _keep_statuses_current(session: Session, _context: object) -> None:
    """Store each touched review's status: its assurance and its assessment's stage decide it.

    Written with a plain UPDATE after the flush, so that a status change is not an edit of the
    review: it neither bumps the review's version (a form opened on the review stays valid)
    nor needs the review loaded for anything else.
    """
    reviews: set[Review] = set()
    removed: set[Assessment] = set()
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, Review):
                reviews.add(obj)
            elif isinstance(obj, Assessment):
                if obj in session.deleted:
                    removed.add(obj)
                review = obj.review or (session.get(Review, obj.review_id) if obj.review_id else None)
                if review is not None:
                    reviews.add(review)
        for review in reviews:
            if review in session.deleted or review.id is None:
                continue
            assessment = review.assessment
            status = review.derived_status(None if assessment in removed else assessment)
            if review.status != status:
                session.connection().execute(update(Review).where(Review.id == review.id).values(status=status))
                set_committed_value(review, "status", status)
