"""A review's status is stored (so open work is found by index) and always follows its
assurance and its assessment's stage; migration 0008 fills it in for existing reviews."""

from __future__ import annotations

from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from extensions import db
from reviews.models import Assurance, Review, ReviewStatus
from reviews.queries import awaiting_report
from tests.factories.reviews import assign, issue, make_review, rate
from tests.integration.test_migrations import fresh_database_url  # noqa: F401 - the fixture


def _stored(review: Review) -> str:
    return db.session.execute(text("SELECT status FROM reviews WHERE id = :id"), {"id": review.id}).scalar_one()


def test_the_stored_status_follows_the_review_through_qa(app) -> None:
    review = make_review()
    assert _stored(review) == ReviewStatus.AWAITING_SAMPLE

    review.assurance = Assurance.INSPECTORATE
    db.session.commit()
    assert _stored(review) == review.status == ReviewStatus.AWAITING_ASSIGNMENT

    version_before_qa = review.version
    assessment = assign(review)
    assert _stored(review) == review.status == ReviewStatus.IN_PROGRESS
    rate(assessment, [2, 2, 3, 1])
    assert _stored(review) == review.status == ReviewStatus.COMPLETE
    issue(assessment)
    assert _stored(review) == review.status == ReviewStatus.ISSUED
    # The assessment's progress is not an edit of the review: a form opened on it stays valid.
    assert review.version == version_before_qa

    db.session.delete(assessment)
    db.session.commit()
    assert _stored(review) == ReviewStatus.AWAITING_ASSIGNMENT


def test_hmpps_reviews_and_issued_reports_are_not_open_work(app) -> None:
    waiting = make_review(received_on=date(2024, 5, 2))
    hmpps = make_review(received_on=date(2024, 5, 3), assurance=Assurance.HMPPS)
    issued = make_review(received_on=date(2024, 5, 6))
    issue(rate(assign(issued), [2, 2, 2, 2]))
    drafting = make_review(received_on=date(2024, 5, 7))
    assign(drafting)
    open_ids = set(db.session.scalars(db.select(Review.id).where(awaiting_report())))
    assert {waiting.id, drafting.id} <= open_ids
    assert not {hmpps.id, issued.id} & open_ids


def test_the_migration_fills_in_the_status_of_existing_reviews(fresh_database_url: str) -> None:  # noqa: F811
    from portal.app import create_app

    app = create_app("test", SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with app.app_context():
        upgrade(revision="0007_learning")
        with db.engine.begin() as connection:
            connection.execute(
                text("""
                INSERT INTO organisations (id, name, kind, active, created_at_utc, updated_at_utc)
                VALUES (1, 'Wales Probation Region', 'probation_region', true, '2024-01-01', '2024-01-01')""")
            )
            category = connection.execute(text("SELECT id FROM offence_categories LIMIT 1")).scalar()
            if category is None:
                connection.execute(
                    text("""INSERT INTO offence_categories (id, name, active, position, created_at_utc,
                                           updated_at_utc) VALUES (1, 'Murder', true, 1, '2024-01-01', '2024-01-01')""")
                )
                category = 1
            connection.execute(
                text("""
                INSERT INTO standards_versions (id, name, status, created_at_utc, updated_at_utc)
                VALUES (9, 'v', 'current', '2024-01-01', '2024-01-01')""")
            )
            for number, assurance in enumerate(
                ["awaiting_sample", "hmpps", "inspectorate", "inspectorate", "inspectorate"], start=1
            ):
                connection.execute(
                    text("""
                    INSERT INTO reviews (id, reference, region_id, offence_category_id, received_on, summary,
                                         assurance, target_due_on, due_on, version, created_at_utc, updated_at_utc)
                    VALUES (:id, :reference, 1, :category, '2024-05-01', '', :assurance, '2024-05-22',
                            '2024-05-22', 1, '2024-05-01', '2024-05-01')"""),
                    {"id": number, "reference": f"SFO-2024-000{number}", "category": category, "assurance": assurance},
                )
            for review_id, stage in ((4, "draft"), (5, "issued")):
                connection.execute(
                    text("""
                    INSERT INTO assessments (review_id, standards_version_id, stage, summary, imported, version,
                                             created_at_utc, updated_at_utc)
                    VALUES (:review, 9, :stage, '', false, 1, '2024-05-01', '2024-05-01')"""),
                    {"review": review_id, "stage": stage},
                )
        upgrade()
        with db.engine.connect() as connection:
            statuses = dict(connection.execute(text("SELECT id, status FROM reviews ORDER BY id")).all())
        assert statuses == {1: "awaiting_sample", 2: "hmpps", 3: "awaiting_assignment", 4: "in_progress", 5: "issued"}
        downgrade(revision="0007_learning")
        db.engine.dispose()
