"""Who may see and change reviews, sample draws, standards, assessments and QA reports.

Built on ``agencies.access``: the register is the Inspectorate's; a probation region's
people see the issued QA reports on their own region's reviews and nothing else here.
"""

from __future__ import annotations

from agencies import access
from agencies.models import OrganisationKind, User
from extensions import db
from reviews.models import (
    AssessmentStage,
    KeyQuestion,
    OffenceCategory,
    Prompt,
    Review,
    ReviewImport,
    SampleDraw,
    Standard,
    StandardsVersion,
)

# --- predicates ------------------------------------------------------------------------

may_view_register = access.is_inspectorate_staff
may_manage_reviews = access.is_inspector  # register entries, imports, sampling, QA
may_manage_reference_data = access.is_admin  # offence categories, standards wording


def is_probation_member(user: User) -> bool:
    return access.is_agency_member(user) and user.organisation.kind == OrganisationKind.PROBATION_REGION


# The "QA reports" page: a probation region's issued reports (the menu shows it to them alone).
may_read_region_reports = is_probation_member


def may_change_review(user: User, _review: Review) -> bool:
    return may_manage_reviews(user)


def may_assess(user: User, review: Review) -> bool:
    """Inspectors work on an assigned assessment until its report is issued."""
    return may_manage_reviews(user) and review.assessment is not None and not review.assessment.is_issued


def may_copy_standards(user: User, _version: StandardsVersion) -> bool:
    return may_manage_reference_data(user)


def may_edit_wording(user: User, item: StandardsVersion | Standard | KeyQuestion | Prompt) -> bool:
    return may_manage_reference_data(user) and _version_of(item).editable


def _version_of(item: StandardsVersion | Standard | KeyQuestion | Prompt) -> StandardsVersion:
    if isinstance(item, Prompt):
        item = item.key_question
    if isinstance(item, KeyQuestion):
        item = item.standard
    if isinstance(item, Standard):
        item = item.version
    return item


# --- finders (scoped loads for access.load) -----------------------------------------------


def review_for_staff(user: User, review_id: int) -> Review | None:
    return db.session.get(Review, review_id) if may_view_register(user) else None


def report_for(user: User, review_id: int) -> Review | None:
    """The review whose QA report the person may read: the Inspectorate any report; a
    probation region's people the issued reports on their own region's reviews."""
    review = db.session.get(Review, review_id)
    if review is None or review.assessment is None:
        return None
    if may_view_register(user):
        return review
    if (
        is_probation_member(user)
        and access.belongs_to(user, review.region_id)
        and review.assessment.stage == AssessmentStage.ISSUED
    ):
        return review
    return None


def draw_for_staff(user: User, draw_id: int) -> SampleDraw | None:
    return db.session.get(SampleDraw, draw_id) if may_view_register(user) else None


def import_for_uploader(user: User, import_id: int) -> ReviewImport | None:
    """An upload is previewed and confirmed by the person who uploaded it, no one else."""
    if not may_manage_reviews(user):
        return None
    upload = db.session.get(ReviewImport, import_id)
    return upload if upload is not None and upload.uploaded_by_id == user.id else None


def standards_version_for_staff(user: User, version_id: int) -> StandardsVersion | None:
    return db.session.get(StandardsVersion, version_id) if may_view_register(user) else None


def standard_for_assessor(user: User, standard_id: int) -> Standard | None:
    """A standard, for a page of an assessment (whose view then insists it is of the
    assessment's own version)."""
    return db.session.get(Standard, standard_id) if may_manage_reviews(user) else None


def standard_for_admin(user: User, standard_id: int) -> Standard | None:
    return db.session.get(Standard, standard_id) if may_manage_reference_data(user) else None


def key_question_for_admin(user: User, key_question_id: int) -> KeyQuestion | None:
    return db.session.get(KeyQuestion, key_question_id) if may_manage_reference_data(user) else None


def prompt_for_admin(user: User, prompt_id: int) -> Prompt | None:
    return db.session.get(Prompt, prompt_id) if may_manage_reference_data(user) else None


def offence_category_for_admin(user: User, category_id: int) -> OffenceCategory | None:
    return db.session.get(OffenceCategory, category_id) if may_manage_reference_data(user) else None
