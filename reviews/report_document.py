"""The QA report PDF as a rendered document (core/renders.py): the background renderer writes
it, a download reads the stored file. One per review (it is stamped with the review, not the
reader); the fingerprint is a hash of its HTML, so any change to what it shows is a new version.
"""

from __future__ import annotations

from typing import Any

from core.pdf import PdfSource, pdf_source
from core.renders import DocumentKind, Rendered
from extensions import db
from reviews.models import Review
from reviews.operations import load_assessment

QA_REPORT = "qa_report"


def report_context(review: Review) -> dict[str, Any]:
    """What the report page and its PDF show: the review, its assessment and the standards' wording."""
    assessment = load_assessment(review.assessment.id) if review.assessment is not None else None
    if assessment is None:
        raise LookupError(f"Review {review.id} has no assessment to report on")
    return {"review": review, "assessment": assessment, "version": assessment.standards_version}


def report_source(review: Review) -> PdfSource:
    # The reference in the footer of every page: a printed page that strays still says what it is.
    return pdf_source(
        "reviews/qa_report_pdf.html",
        title=f"QA report on SFO review {review.reference}",
        stamp=f"QA report on {review.reference}",
        **report_context(review),
    )


def render_report(review_id: int, _recipient_id: int | None) -> Rendered | None:
    """The worker's job: the report as it is now, or None if there is none to report."""
    review = db.session.get(Review, review_id)
    if review is None or review.assessment is None:
        return None
    source = report_source(review)
    return Rendered(data=source.write_pdf(), fingerprint=source.fingerprint())


QA_REPORT_DOCUMENT = DocumentKind(QA_REPORT, render_report)
