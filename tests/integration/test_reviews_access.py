"""Every route of the reviews blueprint, for every kind of person: the Inspectorate's inspector
and admin, the review's own probation region, another region, another agency, and nobody."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from agencies.models import OrganisationKind, Role, User
from extensions import db
from reviews import operations
from reviews.models import Assurance, PublishedYear, ReviewImport, StandardsVersion
from reviews.standards import current_version
from tests.conftest import make_organisation, make_user
from tests.factories.reviews import assign, category, issue, make_region, make_review, rate

ROLES = ["inspector", "admin", "region", "other_region", "police", "anonymous"]


@dataclass
class World:
    people: dict[str, User | None]
    ids: dict[str, int]


@pytest.fixture
def world() -> World:
    north = make_region("North West Probation Region")
    wales = make_region("Wales Probation Region")
    inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.test")
    admin = make_user(Role.ADMIN, email="admin@inspectorate.test")
    people: dict[str, User | None] = {
        "inspector": inspector,
        "admin": admin,
        "region": make_user(Role.AGENCY_MEMBER, north, email="reader@probation.example"),
        "other_region": make_user(Role.AGENCY_MEMBER, wales, email="wales@probation.example"),
        "police": make_user(
            Role.AGENCY_MEMBER,
            make_organisation(OrganisationKind.POLICE, "Northshire Police"),
            email="police@police.example",
        ),
        "anonymous": None,
    }
    issued = make_review(region=north, reference="SFO-2024-0001")
    issue(rate(assign(issued, inspector), [2, 2, 2, 2]))
    complete = make_review(region=north, reference="SFO-2024-0002")
    rate(assign(complete, inspector), [1, 1, 1, 1])
    draft = make_review(region=north, reference="SFO-2024-0003")
    assign(draft, inspector)
    sampled = make_review(region=north, reference="SFO-2024-0004", assurance=Assurance.INSPECTORATE)
    version = current_version()
    copy = operations.copy_standards_version(version, "Draft revision", admin)
    upload = ReviewImport(
        uploaded_by=inspector, filename="reviews.csv", content="region,offence_category,received_on\n"
    )
    db.session.add(upload)
    make_review(region=wales, reference="SFO-2024-0005")
    db.session.commit()
    from datetime import date

    draw = operations.draw_sample(
        period_start=date(2024, 1, 1), period_end=date(2024, 12, 31), share_percent=20, seed=1, note="", actor=inspector
    )
    db.session.commit()
    return World(
        people,
        {
            "issued": issued.id,
            "complete": complete.id,
            "draft": draft.id,
            "sampled": sampled.id,
            "version": version.id,
            "standard": version.standards[0].id,
            "copy": copy.id,
            "copy_standard": copy.standards[0].id,
            "copy_question": copy.standards[0].key_questions[0].id,
            "copy_prompt": copy.standards[0].key_questions[0].prompts[0].id,
            "upload": upload.id,
            "draw": draw.id,
            "category": category("Murder").id,
        },
    )


STAFF = {"inspector": 200, "admin": 200, "region": 403, "other_region": 403, "police": 403, "anonymous": 302}
STAFF_OBJECT = {"inspector": 200, "admin": 200, "region": 404, "other_region": 404, "police": 404, "anonymous": 302}
ADMIN_ONLY = {"inspector": 403, "admin": 200, "region": 403, "other_region": 403, "police": 403, "anonymous": 302}
ADMIN_OBJECT = {"inspector": 404, "admin": 200, "region": 404, "other_region": 404, "police": 404, "anonymous": 302}
REPORT = {"inspector": 200, "admin": 200, "region": 200, "other_region": 404, "police": 404, "anonymous": 302}
# Whoever may read the report may ask again for its PDF (then goes back to the download).
REPORT_ACTION = {k: (302 if v == 200 else v) for k, v in REPORT.items()}
REGIONS = {"inspector": 403, "admin": 403, "region": 200, "other_region": 200, "police": 403, "anonymous": 302}

# (endpoint, path template, expected status by role) for every GET page.
PAGES = [
    ("reviews.list_reviews", "/reviews/", STAFF),
    ("reviews.dashboard", "/reviews/dashboard", STAFF),
    ("reviews.create_review", "/reviews/new", STAFF),
    ("reviews.show_review", "/reviews/{issued}", STAFF_OBJECT),
    ("reviews.edit_review", "/reviews/{issued}/edit", STAFF_OBJECT),
    ("reviews.extend_deadline", "/reviews/{draft}/extend", STAFF_OBJECT),
    ("reviews.upload_import", "/reviews/import", STAFF),
    ("reviews.download_import_template", "/reviews/import/template.csv", STAFF),
    (
        "reviews.preview_import",
        "/reviews/import/{upload}",
        {**STAFF_OBJECT, "admin": 404},
    ),  # only the person who uploaded it
    ("reviews.list_draws", "/reviews/samples", STAFF),
    ("reviews.draw_sample", "/reviews/samples/new", STAFF),
    ("reviews.show_draw", "/reviews/samples/{draw}", STAFF_OBJECT),
    ("reviews.assign_assessor", "/reviews/{sampled}/assign", STAFF_OBJECT),
    ("reviews.edit_assessment", "/reviews/{draft}/assessment", STAFF_OBJECT),
    ("reviews.edit_assessment_standard", "/reviews/{draft}/assessment/standards/{standard}", STAFF_OBJECT),
    ("reviews.edit_assessment_summary", "/reviews/{draft}/assessment/summary", STAFF_OBJECT),
    ("reviews.check_assessment", "/reviews/{draft}/assessment/check", STAFF_OBJECT),
    ("reviews.issue_report", "/reviews/{complete}/issue", STAFF_OBJECT),
    ("reviews.show_report", "/reviews/{issued}/qa-report", REPORT),
    # The first download asks for the PDF and says it is being prepared (202).
    (
        "reviews.download_report",
        "/reviews/{issued}/qa-report.pdf",
        {k: (202 if v == 200 else v) for k, v in REPORT.items()},
    ),
    ("reviews.list_my_reports", "/reviews/reports", REGIONS),
    ("reviews.list_offence_categories", "/reviews/offence-categories", ADMIN_ONLY),
    ("reviews.create_offence_category", "/reviews/offence-categories/new", ADMIN_ONLY),
    ("reviews.edit_offence_category", "/reviews/offence-categories/{category}", ADMIN_OBJECT),
    ("reviews.list_standards_versions", "/reviews/standards", STAFF),
    ("reviews.show_standards_version", "/reviews/standards/{version}", STAFF_OBJECT),
    ("reviews.copy_standards_version", "/reviews/standards/{version}/copy", {**STAFF_OBJECT, "inspector": 403}),
    ("reviews.edit_standard_wording", "/reviews/standards/standard/{copy_standard}", ADMIN_OBJECT),
    ("reviews.edit_key_question_wording", "/reviews/standards/key-question/{copy_question}", ADMIN_OBJECT),
    ("reviews.edit_prompt_wording", "/reviews/standards/prompt/{copy_prompt}", ADMIN_OBJECT),
    ("reviews.list_published_years", "/reviews/reporting-years", ADMIN_ONLY),
]
# POST-only routes: whoever may not act is refused and nothing changes.
ACTIONS = [
    ("reviews.confirm_import", "/reviews/import/{upload}/confirm", {**STAFF_OBJECT, "admin": 404}),
    ("reviews.publish_standards_version", "/reviews/standards/{copy}/publish", {**STAFF_OBJECT, "inspector": 403}),
    ("reviews.discard_standards_version", "/reviews/standards/{copy}/delete", {**STAFF_OBJECT, "inspector": 403}),
    ("reviews.retry_report", "/reviews/{issued}/qa-report/retry", REPORT_ACTION),
    ("reviews.publish_year", "/reviews/reporting-years/2023/publish", ADMIN_ONLY),
    ("reviews.reopen_year", "/reviews/reporting-years/2023/reopen", ADMIN_ONLY),
]


def test_the_matrix_covers_every_route_of_the_blueprint(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("reviews.")}
    assert endpoints == {e for e, _p, _s in PAGES} | {e for e, _p, _s in ACTIONS}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "path", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_pages(
    client,
    client_for,
    world: World,
    role: str,
    endpoint: str,
    path: str,
    expected: dict[str, int],
) -> None:
    person = world.people[role]
    http = client_for(person) if person else client
    response = http.get(path.format(**world.ids))
    assert response.status_code == expected[role], (role, endpoint)
    if expected[role] == 302:
        assert response.headers["Location"].startswith("/login")


# Every (action, role) the action refuses; the roles it allows are tested with the feature.
REFUSALS = [
    (endpoint, path, expected, role) for endpoint, path, expected in ACTIONS for role in ROLES if expected[role] != 200
]


@pytest.mark.parametrize(
    ("endpoint", "path", "expected", "role"),
    REFUSALS,
    ids=[f"{endpoint}-{role}" for endpoint, _path, _expected, role in REFUSALS],
)
def test_actions_are_refused_to_everyone_else(
    client,
    client_for,
    world: World,
    role: str,
    endpoint: str,
    path: str,
    expected: dict[str, int],
) -> None:
    person = world.people[role]
    http = client_for(person) if person else client
    response = http.post(path.format(**world.ids))
    assert response.status_code == expected[role], (role, endpoint)
    assert db.session.get(StandardsVersion, world.ids["copy"]) is not None
    assert db.session.get(ReviewImport, world.ids["upload"]).status.value == "previewed"
    assert db.session.scalar(db.select(PublishedYear.id)) is None


@pytest.mark.parametrize("role", ["region", "other_region", "police"])
def test_agency_people_cannot_change_reviews_by_posting(client_for, world: World, role: str) -> None:
    http = client_for(world.people[role])
    from reviews.models import Review

    review_id = world.ids["draft"]
    before = db.session.get(Review, review_id).version
    assessments = {key: db.session.get(Review, world.ids[key]).assessment for key in ("draft", "complete")}
    assessed = {key: (a.version, a.stage, a.summary) for key, a in assessments.items()}
    for path in (
        f"/reviews/{review_id}/edit",
        f"/reviews/{review_id}/extend",
        f"/reviews/{review_id}/assessment/standards/{world.ids['standard']}",
        f"/reviews/{review_id}/assessment/summary",
        f"/reviews/{review_id}/assessment/check",
        f"/reviews/{world.ids['complete']}/assessment/check",
        f"/reviews/{world.ids['complete']}/issue",
        f"/reviews/{world.ids['sampled']}/assign",
    ):
        assert http.post(path, data={"summary": "hijacked"}).status_code == 404
    assert http.post("/reviews/new", data={"summary": "x"}).status_code == 403
    assert http.post("/reviews/samples/new", data={}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Review, review_id).version == before
    assert {key: (a.version, a.stage, a.summary) for key, a in assessments.items()} == assessed
