"""Views of the reviews blueprint: thin, over ``operations`` (changes) and ``queries`` (reads)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from agencies import access
from agencies.models import Organisation, User
from core import audit, renders
from core.db import StaleEdit
from core.downloads import send_download
from core.files import upload_allowance
from core.formatting import govuk_date, london_today
from core.forms import ConfirmForm, PortalForm, VersionedForm
from core.pagination import paginate
from extensions import db
from reviews import importing, operations, queries, report_document, tasklist
from reviews import permissions as can
from reviews.forms import (
    AssessmentStandardForm,
    AssessmentSummaryForm,
    AssignForm,
    CompleteAssessmentForm,
    CopyStandardsForm,
    ExtensionForm,
    ImportConfirmForm,
    ImportUploadForm,
    IssueForm,
    OffenceCategoryForm,
    ReviewForm,
    SampleDrawForm,
    StandardWordingForm,
    WordingForm,
    standard_form_class,
)
from reviews.models import (
    Answer,
    Assessment,
    AssessmentStage,
    ImportStatus,
    KeyQuestion,
    OffenceCategory,
    Prompt,
    Review,
    ReviewImport,
    ReviewStatus,
    SampleDraw,
    SampleDrawEntry,
    Standard,
    StandardsVersion,
)
from reviews.operations import ReviewProblem
from reviews.sampling import Candidate, coverage
from reviews.standards import current_version, load_version
from reviews.validation import date_problems, timeline_problems

reviews_bp = Blueprint("reviews", __name__, url_prefix="/reviews")


@reviews_bp.app_template_global("qa_report_history")
def qa_report_history(review: Review) -> list[Any]:
    """The report's history for its page and its PDF, wherever the template is rendered."""
    return queries.report_history(review)


reviews_bp.add_app_template_global(queries.timeline_title, "review_timeline_title")

# --- the register ------------------------------------------------------------------------


@reviews_bp.get("/")
@access.allow(can.may_view_register)
def list_reviews() -> ResponseReturnValue:
    filters = queries.RegisterFilters.from_args(request.args)
    page = paginate(queries.register_query(filters, london_today()))
    return render_template(
        "reviews/list.html",
        page=page,
        filters=filters,
        regions=queries.region_choices(),
        categories=queries.category_choices(include_inactive=True),
        statuses=list(ReviewStatus),
        due_filters=queries.DUE_FILTERS,
        sorts=queries.SORTS,
        today=london_today(),
    )


@reviews_bp.get("/dashboard")
@access.allow(access.is_inspector)
def dashboard() -> ResponseReturnValue:
    today = london_today()
    return render_template("reviews/dashboard.html", today=today, **queries.dashboard(today, current_user))


def _review_form_choices(form: ReviewForm, review: Review | None = None) -> None:
    form.region_id.choices = [
        SelectChoice(0, "Select a probation region"),
        *(SelectChoice(*pair) for pair in queries.region_choices()),
    ]
    form.offence_category_id.choices = [
        SelectChoice(0, "Select an offence category"),
        *(
            SelectChoice(*pair)
            for pair in queries.category_choices(keep=review.offence_category_id if review else None)
        ),
    ]


EXTENSION_ANSWERS = {"yes": True, "no": False, "unknown": None}


def _extension_answer(review: Review) -> str:
    """The radios hold words; the review holds yes, no or not recorded."""
    return next(key for key, value in EXTENSION_ANSWERS.items() if value is review.probation_extension)


def _details_from(form: ReviewForm) -> operations.ReviewDetails | None:
    region = db.session.get(Organisation, form.region_id.data)
    category = db.session.get(OffenceCategory, form.offence_category_id.data)
    dates = (form.received_on.data, form.offence_on.data, form.charged_on.data)
    for field, message in date_problems(*dates, london_today()):
        form[field].errors = [*form[field].errors, message]
    extension = EXTENSION_ANSWERS.get(str(form.probation_extension.data))
    timeline = (
        form.hmpps_notified_on.data,
        form.due_to_inspectorate_on.data,
        extension,
        form.probation_extension_days.data,
    )
    if not form.probation_extension_days.errors:
        for field, message in timeline_problems(form.received_on.data, *timeline, london_today()):
            form[field].errors = [*form[field].errors, message]
    if region is None:
        form.region_id.errors = [*form.region_id.errors, "Select the probation region"]
    if category is None:
        form.offence_category_id.errors = [*form.offence_category_id.errors, "Select the offence category"]
    if any(form[name].errors for name in form._fields):
        return None
    assert region is not None and category is not None
    return operations.ReviewDetails(
        region=region,
        offence_category=category,
        received_on=form.received_on.entered,
        offence_on=form.offence_on.data,
        charged_on=form.charged_on.data,
        author_role=form.author_role.data or None,
        summary=form.summary.data,
        hmpps_notified_on=form.hmpps_notified_on.data,
        due_to_inspectorate_on=form.due_to_inspectorate_on.data,
        probation_extension=extension,
        probation_extension_days=form.probation_extension_days.data,
    )


def _problem_to_form(form: PortalForm, problem: ReviewProblem) -> None:
    field = form._fields.get(problem.field) if problem.field else None
    if field is not None:
        field.errors = [*field.errors, str(problem)]
    else:
        # Not about one field: said above the form, as GOV.UK says things that are not errors.
        flash(str(problem), "info")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


SAVED, STALE, REFUSED = "saved", "stale", "refused"


def _save(form: VersionedForm, change: Callable[[], object], latest_version: Callable[[], int | None]) -> str:
    """Make ``change`` and commit; on a stale or refused save roll back and say so on the form.

    A stale save keeps what was typed; the form's version moves to the latest, so the next
    save (made after seeing the other person's change) goes through.
    """
    try:
        change()
        db.session.commit()
    except (StaleEdit, StaleDataError):
        db.session.rollback()
        form.version.data = latest_version()
        return STALE
    except ReviewProblem as problem:
        db.session.rollback()
        _problem_to_form(form, problem)
        return REFUSED
    return SAVED


@reviews_bp.route("/new", methods=["GET", "POST"])
@access.allow(can.may_manage_reviews)
def create_review() -> ResponseReturnValue:
    form = ReviewForm()
    _review_form_choices(form)
    del form.reason  # a reason is asked for only when an issued report's review changes
    if form.validate_on_submit() and (details := _details_from(form)):
        try:
            review = operations.create_review(details, reference=form.reference.data or None)
            db.session.commit()
        except ReviewProblem as problem:
            db.session.rollback()
            _problem_to_form(form, problem)
        except IntegrityError:
            # Another person took the same reference in the same moment; the next save takes the next one.
            db.session.rollback()
            form.reference.errors = [
                *form.reference.errors,
                "Someone added a review with this reference at the same moment. Save again.",
            ]
        else:
            flash(f"{review.reference} added to the register", "success")
            return redirect(url_for("reviews.show_review", review_id=review.id))
    return render_template("reviews/review_form.html", form=form, review=None)


@reviews_bp.get("/<int:review_id>")
@access.load("review_id", can.review_for_staff)
def show_review(review: Review) -> ResponseReturnValue:
    issued = review.status == ReviewStatus.ISSUED
    return render_template(
        "reviews/review.html",
        review=review,
        events=(events := queries.timeline(review)),
        names=audit.actor_names(events),
        today=london_today(),
        timeline_title=queries.timeline_title,
        readings=queries.report_readings(review) if issued else 0,
    )


@reviews_bp.route("/<int:review_id>/edit", methods=["GET", "POST"])
@access.load("review_id", can.review_for_staff, can.may_change_review)
def edit_review(review: Review) -> ResponseReturnValue:
    if request.method == "GET":
        form = ReviewForm(obj=review, probation_extension=_extension_answer(review))
    else:
        form = ReviewForm()
    _review_form_choices(form, review)
    del form.reference  # the reference identifies the case everywhere: it never changes
    issued = review.status == ReviewStatus.ISSUED
    if not issued:
        del form.reason
    if form.fills_from_record():
        form.version.data = review.version
    outcome = None
    messages: list[Any] = []
    if form.validate_on_submit() and (details := _details_from(form)):

        def change() -> None:
            messages.extend(
                operations.update_review(
                    review,
                    details,
                    version=form.version.data,
                    reason=form.reason.data if issued else None,
                    actor=current_user,
                )
            )

        outcome = _save(form, change, lambda: _latest(Review, review.id))
        if outcome == SAVED:
            told = f" Both regions have been told ({_count(len(messages), 'email')})." if messages else ""
            flash(f"{review.reference} saved.{told}", "success")
            return redirect(url_for("reviews.show_review", review_id=review.id))
    return render_template("reviews/review_form.html", form=form, review=review, stale=outcome == STALE, issued=issued)


Versioned = TypeVar("Versioned", Review, Assessment)


def _latest(model: type[Versioned], object_id: int) -> int | None:
    found = db.session.get(model, object_id)
    return found.version if found is not None else None


@reviews_bp.route("/<int:review_id>/extend", methods=["GET", "POST"])
@access.load("review_id", can.review_for_staff, can.may_change_review)
def extend_deadline(review: Review) -> ResponseReturnValue:
    form = ExtensionForm()
    if form.fills_from_record():
        form.version.data = review.version
    outcome = None
    if form.validate_on_submit():

        def extend() -> None:
            review.check_version(form.version.data)
            operations.extend_deadline(
                review, new_due_on=form.new_due_on.entered, reason=form.reason.data, actor=current_user
            )

        outcome = _save(form, extend, lambda: _latest(Review, review.id))
        if outcome == SAVED:
            flash(f"The QA report on {review.reference} is now due on {govuk_date(review.due_on)}", "success")
            return redirect(url_for("reviews.show_review", review_id=review.id))
    return render_template("reviews/extension_form.html", form=form, review=review, stale=outcome == STALE)


# --- import ------------------------------------------------------------------------------


@reviews_bp.route("/import", methods=["GET", "POST"])
@access.allow(can.may_manage_reviews)
@upload_allowance("REVIEW_IMPORT_ALLOWANCE")
def upload_import() -> ResponseReturnValue:
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = ["Select a CSV file"]
        else:
            data = upload.stream.read(importing.MAX_BYTES + 1)
            text = importing.decode(data) if len(data) <= importing.MAX_BYTES else None
            if len(data) > importing.MAX_BYTES:
                form.file.errors = ["The file must be smaller than 2 MB"]
            elif not data.strip():
                form.file.errors = ["The selected file is empty"]
            elif text is None:
                form.file.errors = ["The selected file must be a CSV file"]
            else:
                stored = operations.store_upload(upload.filename, text, current_user)
                db.session.commit()
                return redirect(url_for("reviews.preview_import", import_id=stored.id))
    return render_template(
        "reviews/import_upload.html",
        form=form,
        columns=importing.COLUMNS,
        labels=importing.COLUMN_LABELS,
        notes=importing.COLUMN_NOTES,
        required=importing.REQUIRED_COLUMNS,
    )


@reviews_bp.get("/import/template.csv")
@access.allow(can.may_manage_reviews)
def download_import_template() -> ResponseReturnValue:
    return send_download(importing.template_csv(), "sfo-reviews-import-template.csv", "text/csv")


# The success message names this many references at most; the import's page lists them all.
LISTED_REFERENCES = 10


def _listed(references: list[str]) -> str:
    shown = references[:LISTED_REFERENCES]
    more = len(references) - len(shown)
    if more:
        return f"{', '.join(shown)} and {more} more (the import's page lists them all)"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _render_preview(upload: ReviewImport, form: ImportConfirmForm) -> str:
    check = importing.check_csv(upload.content, importing.load_lookups(london_today()))
    return render_template(
        "reviews/import_preview.html",
        references=queries.import_references(upload) if upload.status == ImportStatus.IMPORTED else None,
        upload=upload,
        check=check,
        form=form,
        Outcome=importing.Outcome,
        labels=importing.COLUMN_LABELS,
    )


@reviews_bp.get("/import/<int:import_id>")
@access.load("import_id", can.import_for_uploader, as_name="upload")
def preview_import(upload: ReviewImport) -> ResponseReturnValue:
    return _render_preview(upload, ImportConfirmForm())


@reviews_bp.post("/import/<int:import_id>/confirm")
@access.load("import_id", can.import_for_uploader, as_name="upload")
def confirm_import(upload: ReviewImport) -> ResponseReturnValue:
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_preview(upload, form)
    try:
        operations.commit_import(upload, current_user, reason=form.reason.data)
    except ReviewProblem as problem:
        db.session.rollback()
        if problem.field == "reason":
            form.reason.errors = [str(problem)]
            return _render_preview(upload, form)
        flash(str(problem), "info")
        return redirect(url_for("reviews.preview_import", import_id=upload.id))
    db.session.commit()
    skipped = upload.skipped_count
    created = queries.import_references(upload)["created"]
    flash(
        f"{_count(upload.created_count, 'review')} imported."
        + (f" {_count(upload.updated_count, 'review')} updated." if upload.updated_count else "")
        + (
            f" {_count(skipped, 'row')} of the file {'was' if skipped == 1 else 'were'} not imported."
            if skipped
            else ""
        )
        + (f" Added: {_listed(created)}." if created else ""),
        "success",
    )
    return redirect(url_for("reviews.list_reviews", sort="received", direction="desc"))


# --- sampling ----------------------------------------------------------------------------


@reviews_bp.get("/samples")
@access.allow(can.may_view_register)
def list_draws() -> ResponseReturnValue:
    page = paginate(select(SampleDraw).order_by(SampleDraw.drawn_at_utc.desc(), SampleDraw.id.desc()))
    awaiting = db.session.scalar(
        select(func.count(Review.id)).where(queries.status_condition(ReviewStatus.AWAITING_SAMPLE))
    )
    return render_template("reviews/draws.html", page=page, awaiting=awaiting)


@reviews_bp.route("/samples/new", methods=["GET", "POST"])
@access.allow(can.may_manage_reviews)
def draw_sample() -> ResponseReturnValue:
    form = SampleDrawForm()
    if form.fills_from_record():
        earliest = db.session.scalar(
            select(func.min(Review.received_on)).where(queries.status_condition(ReviewStatus.AWAITING_SAMPLE))
        )
        form.period_start.data = earliest
        form.period_end.data = london_today()
    if form.validate_on_submit() and form.confirmed.data != "yes":
        population = db.session.scalar(
            select(func.count(Review.id)).where(
                queries.status_condition(ReviewStatus.AWAITING_SAMPLE),
                Review.received_on >= form.period_start.entered,
                Review.received_on <= form.period_end.entered,
            )
        )
        return render_template("reviews/draw_check.html", form=form, population=population)
    if form.validate_on_submit():
        seed = form.seed.data if form.seed.data is not None else operations.new_seed()
        try:
            draw = operations.draw_sample(
                period_start=form.period_start.entered,
                period_end=form.period_end.entered,
                share_percent=form.share_percent.data,
                seed=seed,
                note=form.note.data or "",
                actor=current_user,
            )
            db.session.commit()
        except ReviewProblem as problem:
            db.session.rollback()
            _problem_to_form(form, problem)
        except IntegrityError:
            # Someone drew a sample of some of these reviews at the same moment (SQLite has no row locks).
            db.session.rollback()
            flash(
                "Someone else drew a sample of some of these reviews at the same time. Check the sample draws "
                "before drawing again.",
                "info",
            )
        else:
            flash(
                f"Sample drawn: {draw.sample_size} of {_count(draw.population_size, 'review')} for Inspectorate QA",
                "success",
            )
            return redirect(url_for("reviews.show_draw", draw_id=draw.id))
    return render_template("reviews/draw_form.html", form=form)


@reviews_bp.get("/samples/<int:draw_id>")
@access.load("draw_id", can.draw_for_staff)
def show_draw(draw: SampleDraw) -> ResponseReturnValue:
    entries = db.session.scalars(
        select(SampleDrawEntry)
        .where(SampleDrawEntry.draw_id == draw.id)
        .options(selectinload(SampleDrawEntry.review))
        .order_by(SampleDrawEntry.selected.desc(), SampleDrawEntry.pick_order, SampleDrawEntry.id)
    ).all()
    population = [Candidate(e.review_id, e.region_name, e.category_name) for e in entries]
    regions, categories = coverage(population, [e.review_id for e in entries if e.selected])
    return render_template(
        "reviews/draw.html",
        draw=draw,
        picks=[e for e in entries if e.selected],
        others=[e for e in entries if not e.selected],
        regions=regions,
        categories=categories,
    )


# --- assessment --------------------------------------------------------------------------


@reviews_bp.route("/<int:review_id>/assign", methods=["GET", "POST"])
@access.load("review_id", can.review_for_staff, can.may_change_review)
def assign_assessor(review: Review) -> ResponseReturnValue:
    form = AssignForm()
    form.assessor_id.choices = [
        SelectChoice(0, "Select an inspector"),
        *(SelectChoice(*pair) for pair in queries.inspector_choices()),
    ]
    assessment = review.assessment
    if form.fills_from_record():
        form.version.data = assessment.version if assessment else 0
        form.assessor_id.data = assessment.assessor_id if assessment and assessment.assessor_id else current_user.id
    outcome = None
    if form.validate_on_submit():
        assessor = db.session.get(User, form.assessor_id.data)

        def assign() -> None:
            if assessment is not None:
                assessment.check_version(form.version.data)
            if assessor is None:
                raise ReviewProblem("Select an inspector", "assessor_id")
            operations.assign_assessor(review, assessor, current_user)

        outcome = _save(form, assign, lambda: _latest(Assessment, assessment.id) if assessment else 0)
        if outcome == SAVED and assessor is not None:  # saved only with an inspector chosen
            flash(f"{review.reference} assigned to {assessor.full_name}", "success")
            return redirect(url_for("reviews.show_review", review_id=review.id))
    return render_template("reviews/assign.html", form=form, review=review, stale=outcome == STALE)


def _loaded_assessment(review: Review) -> Assessment:
    """The review's assessment with all its pages show; the access checks (``may_assess``,
    ``report_for``) admit only reviews that have one."""
    assessment = operations.load_assessment(review.assessment.id) if review.assessment else None
    if assessment is None:
        abort(404)
    return assessment


def _standard_input(
    form: AssessmentStandardForm, standard: Standard
) -> tuple[dict[int, tuple[Answer | None, str]], tuple[int | None, str]]:
    answers: dict[int, tuple[Answer | None, str]] = {}
    for prompt in standard.prompts:
        raw = form[f"answer_{prompt.id}"].data
        answers[prompt.id] = (Answer(raw) if raw else None, form[f"note_{prompt.id}"].data or "")
    raw_rating = form[f"rating_{standard.id}"].data
    return answers, (int(raw_rating) if raw_rating else None, form[f"feedback_{standard.id}"].data or "")


def _fill_standard_form(form: AssessmentStandardForm, assessment: Assessment, standard: Standard) -> None:
    for prompt in standard.prompts:
        answer = assessment.answer_for(prompt)
        if answer is not None:
            form[f"answer_{prompt.id}"].data = answer.answer.value if answer.answer else None
            form[f"note_{prompt.id}"].data = answer.note
    rating = assessment.rating_for(standard)
    if rating is not None:
        form[f"rating_{standard.id}"].data = str(rating.score) if rating.score is not None else None
        form[f"feedback_{standard.id}"].data = rating.feedback
    form.version.data = assessment.version


class _LatestAssessment:
    """For ``_save``: the latest version after a stale save, keeping the other person's save
    (``theirs``) to show beside what was typed."""

    def __init__(self, assessment: Assessment) -> None:
        self.assessment_id = assessment.id
        self.theirs: Assessment | None = None

    def __call__(self) -> int | None:
        self.theirs = operations.load_assessment(self.assessment_id)
        return self.theirs.version if self.theirs else None


def _reopened(was_complete: bool, changed: bool) -> None:
    if was_complete and changed:
        flash(
            "The assessment is a draft again because you changed it. Check your answers and mark it as "
            "complete when it is ready.",
            "info",
        )


@reviews_bp.get("/<int:review_id>/assessment")
@access.load("review_id", can.review_for_staff, can.may_assess)
def edit_assessment(review: Review) -> ResponseReturnValue:
    """The assessment's task list: a page per standard, the summary, then check and complete."""
    assessment = _loaded_assessment(review)
    return render_template(
        "reviews/assessment_tasklist.html",
        review=review,
        assessment=assessment,
        tasks=tasklist.task_list(assessment),
        today=london_today(),
    )


@reviews_bp.route("/<int:review_id>/assessment/standards/<int:standard_id>", methods=["GET", "POST"])
@access.load("review_id", can.review_for_staff, can.may_assess)
@access.load("standard_id", can.standard_for_assessor)
def edit_assessment_standard(review: Review, standard: Standard) -> ResponseReturnValue:
    assessment = _loaded_assessment(review)
    found = tasklist.standard_of(assessment, standard.id)
    if found is None:
        abort(404)  # a standard of another version
    standard = found
    form = standard_form_class(standard)()
    if form.fills_from_record():
        _fill_standard_form(form, assessment, standard)
    latest = _LatestAssessment(assessment)
    if form.validate_on_submit():
        answers, rating = _standard_input(form, standard)
        was_complete = assessment.stage == AssessmentStage.COMPLETE
        changed = False

        def save() -> None:
            nonlocal changed
            changed = operations.save_standard(
                assessment, standard, answers, rating, version=form.version.data, actor=current_user
            )

        if _save(form, save, latest) == SAVED:
            _reopened(was_complete, changed)
            following = tasklist.next_standard(assessment, standard)
            if form.save_continue.data and following is not None:
                return redirect(
                    url_for("reviews.edit_assessment_standard", review_id=review.id, standard_id=following.id)
                )
            if changed:
                flash(f"{standard.heading} saved", "success")
            return redirect(url_for("reviews.edit_assessment", review_id=review.id))
    return render_template(
        "reviews/assessment_standard.html",
        form=form,
        review=review,
        assessment=assessment,
        standard=standard,
        stale=latest.theirs,
    )


@reviews_bp.route("/<int:review_id>/assessment/summary", methods=["GET", "POST"])
@access.load("review_id", can.review_for_staff, can.may_assess)
def edit_assessment_summary(review: Review) -> ResponseReturnValue:
    assessment = _loaded_assessment(review)
    form = AssessmentSummaryForm()
    if form.fills_from_record():
        form.summary.data = assessment.summary
        form.version.data = assessment.version
    latest = _LatestAssessment(assessment)
    if form.validate_on_submit():
        was_complete = assessment.stage == AssessmentStage.COMPLETE
        changed = False

        def save() -> None:
            nonlocal changed
            changed = operations.save_summary(
                assessment, form.summary.data or "", version=form.version.data, actor=current_user
            )

        if _save(form, save, latest) == SAVED:
            _reopened(was_complete, changed)
            if changed:
                flash("Summary saved", "success")
            return redirect(url_for("reviews.edit_assessment", review_id=review.id))
    return render_template(
        "reviews/assessment_summary.html",
        form=form,
        review=review,
        assessment=assessment,
        stale=latest.theirs,
    )


@reviews_bp.route("/<int:review_id>/assessment/check", methods=["GET", "POST"])
@access.load("review_id", can.review_for_staff, can.may_assess)
def check_assessment(review: Review) -> ResponseReturnValue:
    """Check your answers, then mark the assessment as complete."""
    assessment = _loaded_assessment(review)
    form = CompleteAssessmentForm()
    if form.fills_from_record():
        form.version.data = assessment.version
    problems: list[tasklist.Problem] = []
    latest = _LatestAssessment(assessment)
    if form.validate_on_submit():
        problems = tasklist.completion_problems(assessment)
        if not problems:
            outcome = _save(
                form,
                lambda: operations.complete_assessment(assessment, version=form.version.data, actor=current_user),
                latest,
            )
            if outcome == SAVED:
                flash("Assessment complete. Check the QA report, then issue it.", "success")
                return redirect(url_for("reviews.show_report", review_id=review.id))
            if latest.theirs is not None:
                assessment = latest.theirs
    return render_template(
        "reviews/assessment_check.html",
        form=form,
        review=review,
        assessment=assessment,
        tasks=tasklist.task_list(assessment),
        problems=problems,
        stale=latest.theirs,
    )


@reviews_bp.route("/<int:review_id>/issue", methods=["GET", "POST"])
@access.load("review_id", can.review_for_staff, can.may_assess)
def issue_report(review: Review) -> ResponseReturnValue:
    assessment = review.assessment
    assert assessment is not None
    if assessment.stage != AssessmentStage.COMPLETE:
        flash("Complete the assessment before issuing its QA report", "info")
        return redirect(url_for("reviews.edit_assessment", review_id=review.id))
    form = IssueForm()
    if form.fills_from_record():
        form.version.data = assessment.version
    if form.validate_on_submit():
        try:
            messages = operations.issue_report(
                assessment,
                version=form.version.data,
                actor=current_user,
                issued_on=form.issued_on.data,
                reason=form.reason.data,
            )
            db.session.commit()
        except (StaleEdit, StaleDataError):
            db.session.rollback()
            flash(
                "Someone changed the assessment after you opened this page. Check the QA report again before "
                "issuing it.",
                "info",
            )
            return redirect(url_for("reviews.show_report", review_id=review.id))
        except ReviewProblem as problem:
            db.session.rollback()
            if problem.field in ("issued_on", "reason"):
                _problem_to_form(form, problem)
            else:
                flash(str(problem), "info")
                return redirect(url_for("reviews.show_review", review_id=review.id))
        else:
            when = "" if assessment.issued_on == london_today() else f" as sent on {govuk_date(assessment.issued_on)}"
            if messages:
                flash(
                    f"QA report issued{when}. {len(messages)} {'person has' if len(messages) == 1 else 'people have'} "
                    f"been emailed a link to it in {review.region.name}.",
                    "success",
                )
            else:
                flash(
                    f"QA report issued{when}, but nobody in {review.region.name} has an account to be told about it. "
                    "Ask an admin to add the region's SFO review team.",
                    "info",
                )
            return redirect(url_for("reviews.show_review", review_id=review.id))
    return render_template(
        "reviews/issue.html",
        form=form,
        review=review,
        assessment=assessment,
        recipients=operations.report_recipients(review),
        today=london_today(),
    )


# --- QA reports --------------------------------------------------------------------------


def _report_context(review: Review) -> dict[str, Any]:
    return report_document.report_context(review)


@reviews_bp.get("/<int:review_id>/qa-report")
@access.load("review_id", can.report_for)
def show_report(review: Review) -> ResponseReturnValue:
    operations.record_report_access(review, pdf=False, actor=current_user)
    return render_template(
        "reviews/qa_report.html", **_report_context(review), may_issue=can.may_assess(current_user, review)
    )


def _report_document(review: Review) -> renders.StoredPdf:
    return renders.StoredPdf(
        report_document.QA_REPORT,
        review.id,
        None,
        report_document.report_source(review).fingerprint(),
        filename=f"qa-report-{review.reference}.pdf",
        name="QA report",
        about=f"SFO review {review.reference}",
        back_url=url_for("reviews.show_report", review_id=review.id),
        back_text="Back to the QA report",
        retry_url=url_for("reviews.retry_report", review_id=review.id),
    )


@reviews_bp.get("/<int:review_id>/qa-report.pdf")
@access.load("review_id", can.report_for)
def download_report(review: Review) -> ResponseReturnValue:
    """The stored PDF of the report as it is now; written by the background renderer, never here."""
    return renders.serve(
        _report_document(review), lambda: operations.record_report_access(review, pdf=True, actor=current_user)
    )


@reviews_bp.post("/<int:review_id>/qa-report/retry")
@access.load("review_id", can.report_for)
def retry_report(review: Review) -> ResponseReturnValue:
    """Ask the renderer again for a report PDF it could not prepare."""
    if ConfirmForm().validate_on_submit():
        renders.ask_again(
            _report_document(review),
            lambda: audit.record(
                "reviews.qa_report_pdf_retried", review, f"Asked again for the PDF of {review.reference}"
            ),
        )
    return redirect(url_for("reviews.download_report", review_id=review.id))


@reviews_bp.get("/reports")
@access.allow(can.may_read_region_reports)
def list_my_reports() -> ResponseReturnValue:
    page = paginate(queries.region_reports(current_user))
    return render_template("reviews/my_reports.html", page=page)


# --- published reporting years (admin) -------------------------------------------------------


@reviews_bp.get("/reporting-years")
@access.allow(can.may_manage_reference_data)
def list_published_years() -> ResponseReturnValue:
    today = london_today()
    return render_template(
        "reviews/published_years.html", years=queries.reporting_years(today), confirm=ConfirmForm(), today=today
    )


def _published_year_action(start_year: int, action: str) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    label = operations.year_label(start_year)
    try:
        if action == "publish":
            operations.publish_year(start_year, current_user, london_today())
            message = f"{label} is published: its figures can no longer change"
        else:
            operations.reopen_year(start_year, current_user)
            message = f"{label} is reopened: its figures can be corrected, then published again"
    except ReviewProblem as problem:
        db.session.rollback()
        flash(str(problem), "info")
        return redirect(url_for("reviews.list_published_years"))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("reviews.list_published_years"))


@reviews_bp.post("/reporting-years/<int(min=1900, max=9998):start_year>/publish")
@access.allow(can.may_manage_reference_data)
def publish_year(start_year: int) -> ResponseReturnValue:
    return _published_year_action(start_year, "publish")


@reviews_bp.post("/reporting-years/<int(min=1900, max=9998):start_year>/reopen")
@access.allow(can.may_manage_reference_data)
def reopen_year(start_year: int) -> ResponseReturnValue:
    return _published_year_action(start_year, "reopen")


# --- offence categories (admin) --------------------------------------------------------------


@reviews_bp.get("/offence-categories")
@access.allow(can.may_manage_reference_data)
def list_offence_categories() -> ResponseReturnValue:
    counts = {
        key: count
        for key, count in db.session.execute(
            select(Review.offence_category_id, func.count(Review.id)).group_by(Review.offence_category_id)
        )
    }
    categories = db.session.scalars(
        select(OffenceCategory).order_by(OffenceCategory.position, OffenceCategory.name)
    ).all()
    return render_template("reviews/offence_categories.html", categories=categories, counts=counts)


@reviews_bp.route("/offence-categories/new", methods=["GET", "POST"])
@access.allow(can.may_manage_reference_data)
def create_offence_category() -> ResponseReturnValue:
    form = OffenceCategoryForm()
    del form.active
    if form.validate_on_submit():
        try:
            category = operations.create_offence_category(form.name.data)
        except ReviewProblem as problem:
            _problem_to_form(form, problem)
        else:
            db.session.commit()
            flash(f"{category.name} added", "success")
            return redirect(url_for("reviews.list_offence_categories"))
    return render_template("reviews/offence_category_form.html", form=form, category=None)


@reviews_bp.route("/offence-categories/<int:category_id>", methods=["GET", "POST"])
@access.load("category_id", can.offence_category_for_admin)
def edit_offence_category(category: OffenceCategory) -> ResponseReturnValue:
    form = OffenceCategoryForm(obj=category if request.method == "GET" else None)
    if form.fills_from_record():
        form.active.data = "yes" if category.active else "no"
    if form.validate_on_submit():
        try:
            operations.update_offence_category(category, name=form.name.data, active=form.active.data == "yes")
        except ReviewProblem as problem:
            _problem_to_form(form, problem)
        else:
            db.session.commit()
            flash(f"{category.name} saved", "success")
            return redirect(url_for("reviews.list_offence_categories"))
    return render_template("reviews/offence_category_form.html", form=form, category=category)


# --- standards versions --------------------------------------------------------------------


@reviews_bp.get("/standards")
@access.allow(can.may_view_register)
def list_standards_versions() -> ResponseReturnValue:
    versions = db.session.scalars(
        select(StandardsVersion).order_by(StandardsVersion.created_at_utc.desc(), StandardsVersion.id.desc())
    ).all()
    in_use = {
        key: count
        for key, count in db.session.execute(
            select(Assessment.standards_version_id, func.count(Assessment.id)).group_by(Assessment.standards_version_id)
        )
    }
    return render_template(
        "reviews/standards_versions.html", versions=versions, in_use=in_use, current=current_version()
    )


@reviews_bp.get("/standards/<int:version_id>")
@access.load("version_id", can.standards_version_for_staff)
def show_standards_version(version: StandardsVersion) -> ResponseReturnValue:
    loaded = load_version(version.id)
    used_by = db.session.scalar(select(func.count(Assessment.id)).where(Assessment.standards_version_id == version.id))
    return render_template(
        "reviews/standards_version.html",
        version=loaded,
        confirm=ConfirmForm(),
        used_by=used_by,
        may_edit=can.may_edit_wording(current_user, version),
        may_copy=can.may_manage_reference_data(current_user),
    )


@reviews_bp.route("/standards/<int:version_id>/copy", methods=["GET", "POST"])
@access.load("version_id", can.standards_version_for_staff, can.may_copy_standards)
def copy_standards_version(version: StandardsVersion) -> ResponseReturnValue:
    form = CopyStandardsForm()
    if form.validate_on_submit():
        try:
            copy = operations.copy_standards_version(version, form.name.data, current_user)
        except ReviewProblem as problem:
            _problem_to_form(form, problem)
        else:
            db.session.commit()
            flash(f"“{copy.name}” created as a draft. Change its wording, then put it into use.", "success")
            return redirect(url_for("reviews.show_standards_version", version_id=copy.id))
    return render_template("reviews/standards_copy.html", form=form, version=version)


def _standards_admin_action(version: StandardsVersion, action: str) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if action == "publish":
            operations.publish_standards_version(version)
            message = f"“{version.name}” is now in use for new assessments"
        else:
            operations.discard_standards_version(version)
            message = f"Draft “{version.name}” deleted"
    except ReviewProblem as problem:
        db.session.rollback()
        flash(str(problem), "info")
        return redirect(url_for("reviews.show_standards_version", version_id=version.id))
    db.session.commit()
    flash(message, "success")
    if action == "publish":
        return redirect(url_for("reviews.show_standards_version", version_id=version.id))
    return redirect(url_for("reviews.list_standards_versions"))


@reviews_bp.post("/standards/<int:version_id>/publish")
@access.load("version_id", can.standards_version_for_staff, can.may_edit_wording)
def publish_standards_version(version: StandardsVersion) -> ResponseReturnValue:
    return _standards_admin_action(version, "publish")


@reviews_bp.post("/standards/<int:version_id>/delete")
@access.load("version_id", can.standards_version_for_staff, can.may_edit_wording)
def discard_standards_version(version: StandardsVersion) -> ResponseReturnValue:
    return _standards_admin_action(version, "discard")


@reviews_bp.route("/standards/standard/<int:standard_id>", methods=["GET", "POST"])
@access.load("standard_id", can.standard_for_admin, can.may_edit_wording)
def edit_standard_wording(standard: Standard) -> ResponseReturnValue:
    form = StandardWordingForm(obj=standard if request.method == "GET" else None)
    if form.validate_on_submit():
        operations.update_standard_wording(standard, title=form.title.data, statement=form.statement.data)
        db.session.commit()
        flash(f"Standard {standard.number} saved", "success")
        return redirect(url_for("reviews.show_standards_version", version_id=standard.version_id))
    return render_template(
        "reviews/wording_form.html",
        form=form,
        version=standard.version,
        what=f"standard {standard.number}",
        current=standard.heading,
    )


@reviews_bp.route("/standards/key-question/<int:key_question_id>", methods=["GET", "POST"])
@access.load("key_question_id", can.key_question_for_admin, can.may_edit_wording, as_name="question")
def edit_key_question_wording(question: KeyQuestion) -> ResponseReturnValue:
    return _edit_text(
        question, f"key question {question.number}", question.standard.version, operations.update_key_question_wording
    )


@reviews_bp.route("/standards/prompt/<int:prompt_id>", methods=["GET", "POST"])
@access.load("prompt_id", can.prompt_for_admin, can.may_edit_wording)
def edit_prompt_wording(prompt: Prompt) -> ResponseReturnValue:
    return _edit_text(
        prompt, f"prompt {prompt.label}", prompt.key_question.standard.version, operations.update_prompt_wording
    )


def _edit_text(
    item: KeyQuestion | Prompt, what: str, version: StandardsVersion, update: Callable[..., object]
) -> ResponseReturnValue:
    form = WordingForm(obj=item if request.method == "GET" else None)
    if form.validate_on_submit():
        update(item, text=form.text.data)
        db.session.commit()
        flash(f"Wording of {what} saved", "success")
        return redirect(url_for("reviews.show_standards_version", version_id=version.id))
    return render_template("reviews/wording_form.html", form=form, version=version, what=what, current=item.text)
