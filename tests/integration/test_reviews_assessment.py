"""The QA assessment: assignment, per-prompt answers, per-standard ratings and feedback, the
derived composite and band, draft and completion rules, stale saves, and issuing the report."""

from __future__ import annotations

import re

from agencies.models import OrganisationKind, Role
from core.audit import AuditEvent
from extensions import db
from notifications.models import OutboxMessage
from reviews.models import Answer, Assessment, AssessmentStage, Assurance
from reviews.standards import current_version
from tests.conftest import make_organisation, make_user
from tests.factories.reviews import assign, issue, make_inspector, make_region, make_review, rate


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _ids() -> tuple[list[int], list[int]]:
    version = current_version()
    return [s.id for s in version.standards], [p.id for s in version.standards for p in s.prompts]


def _standard_page(assessment: Assessment, number: int) -> str:
    standard = assessment.standards_version.standards[number - 1]
    return f"/reviews/{assessment.review_id}/assessment/standards/{standard.id}"


def _standard_form(assessment: Assessment, number: int, **overrides: object) -> dict[str, object]:
    """Standard ``number``'s page filled in whole: every prompt answered, rated (2, 1, 2, 3) and explained."""
    standard = assessment.standards_version.standards[number - 1]
    data: dict[str, object] = {
        "version": assessment.version,
        f"rating_{standard.id}": str([2, 1, 2, 3][number - 1]),
        f"feedback_{standard.id}": f"Feedback on standard {number}.",
        "save_return": "Save and return to the task list",
    }
    for prompt in standard.prompts:
        data[f"answer_{prompt.id}"] = "yes"
    if number == 1:
        data[f"note_{standard.prompts[0].id}"] = "Clear on the risk assessment."
    data.update(overrides)
    return data


def _fill_every_standard(client, assessment: Assessment) -> None:
    for number in (1, 2, 3, 4):
        db.session.refresh(assessment)
        response = client.post(_standard_page(assessment, number), data=_standard_form(assessment, number))
        assert response.status_code == 302, _page(response)
    db.session.refresh(assessment)


def test_an_inspector_is_assigned_to_a_sampled_review(client_for, inspector) -> None:
    review = make_review(assurance=Assurance.INSPECTORATE)
    colleague = make_inspector("colleague@inspectorate.test")
    client = client_for(inspector)
    page = _page(client.get(f"/reviews/{review.id}/assign"))
    assert colleague.full_name in page
    assert (
        client.post(f"/reviews/{review.id}/assign", data={"version": 0, "assessor_id": colleague.id}).status_code == 302
    )
    assessment = review.assessment
    assert assessment.assessor == colleague and assessment.stage == AssessmentStage.DRAFT
    assert assessment.standards_version.name == "2021 draft"
    assert [r.position for r in assessment.ratings] == [1, 2, 3, 4]
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "assessment.assigned"))
    assert event.details["assessor"] == "colleague@inspectorate.test"
    # Reassigning keeps the same assessment.
    client.post(f"/reviews/{review.id}/assign", data={"version": assessment.version, "assessor_id": inspector.id})
    db.session.refresh(assessment)
    assert assessment.assessor == inspector
    assert db.session.scalar(db.select(db.func.count(Assessment.id))) == 1


def test_only_sampled_reviews_can_be_assigned_and_only_to_inspectors(client_for, inspector) -> None:
    unsampled = make_review()
    client = client_for(inspector)
    page = _page(client.post(f"/reviews/{unsampled.id}/assign", data={"version": 0, "assessor_id": inspector.id}))
    assert "Only reviews sampled for Inspectorate QA can be assigned" in page
    sampled = make_review(assurance=Assurance.INSPECTORATE)
    member = make_user(Role.AGENCY_MEMBER)
    page = _page(client.post(f"/reviews/{sampled.id}/assign", data={"version": 0, "assessor_id": member.id}))
    assert "Select an inspector" in page and "Not a valid choice" not in page
    assert db.session.scalar(db.select(db.func.count(Assessment.id))) == 0


def test_the_standard_pages_show_every_prompt_of_its_version(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    client = client_for(inspector)
    tasks = _page(client.get(f"/reviews/{assessment.review_id}/assessment"))
    _standards, prompts = _ids()
    assert len(prompts) == 41
    pages = "".join(_page(client.get(_standard_page(assessment, number))) for number in (1, 2, 3, 4))
    for prompt_id in prompts:
        assert f'name="answer_{prompt_id}"' in pages and f'name="note_{prompt_id}"' in pages
        assert f'name="answer_{prompt_id}"' not in tasks
    assert "Standard 4: Victims and their families" in tasks
    assert "Does the SFO review sufficiently highlight areas of good practice where they existed?" in pages
    assert pages.count('value="not_applicable"') == 41


def test_a_draft_saves_with_blanks_and_the_composite_is_derived(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    standards, prompts = _ids()
    client = client_for(inspector)
    response = client.post(
        _standard_page(assessment, 1),
        data={
            "version": assessment.version,
            f"rating_{standards[0]}": "3",
            f"answer_{prompts[2]}": "partly",
            f"note_{prompts[2]}": "Missed opportunities are listed, not analysed.",
            "save_return": "Save and return to the task list",
            # Typed composites and bands are ignored: they are derived, never typed.
            "composite": "12",
            "overall": "Outstanding",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/assessment")
    db.session.refresh(assessment)
    assert assessment.stage == AssessmentStage.DRAFT
    assert assessment.scores == [3, None, None, None] and assessment.composite is None and assessment.overall is None
    answer = assessment.answer_for(
        next(p for s in assessment.standards_version.standards for p in s.prompts if p.id == prompts[2])
    )
    assert answer.answer == Answer.PARTLY and answer.note == "Missed opportunities are listed, not analysed."
    page = _page(client.get(_standard_page(assessment, 1)))
    assert "Missed opportunities are listed, not analysed." in page
    assert f'name="answer_{prompts[2]}" type="radio" value="partly" checked' in page
    assert page.count(" checked") == 2  # that answer and the rating of standard 1


def test_completion_needs_every_standard_complete_and_says_where_to_fix_it(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    standards, prompts = _ids()
    client = client_for(inspector)
    _fill_every_standard(client, assessment)
    # Standard 2 loses its rating, standard 4 its feedback, standard 3 an answer.
    standard_3 = assessment.standards_version.standards[2]
    for number, change in (
        (2, {f"rating_{standards[1]}": ""}),
        (4, {f"feedback_{standards[3]}": "   "}),
        (3, {f"answer_{standard_3.prompts[1].id}": ""}),
    ):
        db.session.refresh(assessment)
        client.post(_standard_page(assessment, number), data=_standard_form(assessment, number, **change))
    db.session.refresh(assessment)
    page = _page(client.post(f"/reviews/{assessment.review_id}/assessment/check", data={"version": assessment.version}))
    assert "<title>Error: Check your answers" in page
    assert "Select a rating for standard 2, Overall judgements" in page
    assert "Enter feedback explaining the rating for standard 4, Victims and their families" in page
    assert "Answer every prompt of standard 3" in page and "(1 prompt not answered)" in page
    assert f'href="{_standard_page(assessment, 2)}#rating_{standards[1]}"' in page
    assert f'href="{_standard_page(assessment, 4)}#feedback_{standards[3]}"' in page
    assert f'href="{_standard_page(assessment, 3)}#answer_{standard_3.prompts[1].id}"' in page
    db.session.refresh(assessment)
    assert assessment.stage == AssessmentStage.DRAFT and assessment.scores == [2, None, 2, 3]


def test_bad_values_are_refused_with_messages(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    standards, prompts = _ids()
    page = _page(
        client_for(inspector).post(
            _standard_page(assessment, 1),
            data={
                "version": assessment.version,
                f"answer_{prompts[0]}": "maybe",
                f"rating_{standards[0]}": "4",
                f"note_{prompts[1]}": "x" * 2001,
                "save_continue": "Save and continue",
            },
        )
    )
    assert page.count("Select one of the options") >= 2
    assert "Must be 2,000 characters or fewer" in page
    db.session.refresh(assessment)
    assert assessment.answers == []


def test_completing_derives_the_band_and_shows_tags_with_words(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    client = client_for(inspector)
    _fill_every_standard(client, assessment)
    response = client.post(f"/reviews/{assessment.review_id}/assessment/check", data={"version": assessment.version})
    assert response.status_code == 302 and response.headers["Location"].endswith("/qa-report")
    db.session.refresh(assessment)
    assert assessment.stage == AssessmentStage.COMPLETE and assessment.composite == 8
    assert assessment.overall.label == "Good"
    page = _page(client.get(f"/reviews/{assessment.review_id}/qa-report"))
    assert '<strong class="govuk-tag govuk-tag--turquoise">Good</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--green">Outstanding</strong>' in page
    assert "add up to 8 out of 12" in page
    assert "Clear on the risk assessment." in page  # prompt notes are part of the report
    assert (
        db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "assessment.completed")).details["composite"]
        == 8
    )


def test_a_stale_save_is_refused_and_what_was_typed_is_kept(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    standards, _prompts = _ids()
    colleague = make_inspector("colleague@inspectorate.test")
    opened_at = assessment.version
    # The colleague saves first.
    first = client_for(colleague).post(
        _standard_page(assessment, 1),
        data={
            "version": opened_at,
            f"rating_{standards[0]}": "1",
            f"feedback_{standards[0]}": "Colleague's feedback",
            "save_return": "Save and return to the task list",
        },
    )
    assert first.status_code == 302
    # The inspector, working from the page opened before, saves over it.
    mine = {
        "version": opened_at,
        f"rating_{standards[0]}": "3",
        f"feedback_{standards[0]}": "My careful feedback",
        "save_return": "Save and return to the task list",
    }
    page = _page(client_for(inspector).post(_standard_page(assessment, 1), data=mine))
    assert "Your changes have not been saved" in page and "<title>Error:" in page
    assert "My careful feedback" in page  # kept in the form
    assert "Colleague&#39;s feedback" in page or "Colleague's feedback" in page  # shown beside it
    db.session.refresh(assessment)
    assert assessment.scores[0] == 1 and assessment.ratings[0].feedback == "Colleague's feedback"
    # The form now carries the latest version, so saving again (having seen theirs) works.
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    assert int(version) == assessment.version
    again = client_for(inspector).post(_standard_page(assessment, 1), data={**mine, "version": version})
    assert again.status_code == 302
    db.session.refresh(assessment)
    assert assessment.scores[0] == 3


def test_issuing_emails_the_regions_people_a_link_only(client_for, inspector) -> None:
    region = make_region("North West Probation Region")
    region.contact_email = "sfo-team@probation.example"
    other_region = make_region("Wales Probation Region")
    make_user(Role.AGENCY_MEMBER, region, email="reader@probation.example")
    make_user(Role.AGENCY_MEMBER, region, email="gone@probation.example", active=False)
    make_user(Role.AGENCY_MEMBER, other_region, email="wales@probation.example")
    make_user(
        Role.AGENCY_MEMBER,
        make_organisation(OrganisationKind.POLICE, "Northshire Police"),
        email="police@police.example",
    )
    review = make_review(region=region)
    assessment = rate(assign(review, inspector), [2, 1, 2, 3], feedback="Secret feedback text")
    client = client_for(inspector)
    page = _page(client.get(f"/reviews/{review.id}/issue"))
    assert "reader@probation.example" in page and "gone@probation.example" not in page
    response = client.post(f"/reviews/{review.id}/issue", data={"version": assessment.version})
    assert response.status_code == 302
    db.session.refresh(assessment)
    assert assessment.stage == AssessmentStage.ISSUED and assessment.issued_on is not None
    messages = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.to_address)).all()
    assert [m.to_address for m in messages] == ["reader@probation.example", "sfo-team@probation.example"]
    for message in messages:
        assert message.subject == f"OFFICIAL-SENSITIVE: QA report on SFO review {review.reference}"
        assert f"/reviews/{review.id}/qa-report" in message.body_text
        assert "Secret feedback text" not in message.body_text + message.body_html
        assert message.concerning_type == "Assessment"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "qa_report.issued"))
    assert sorted(event.details["recipients"]) == ["reader@probation.example", "sfo-team@probation.example"]
    # Issued is final.
    assert client.get(f"/reviews/{review.id}/assessment").status_code == 403
    for page in (_standard_page(assessment, 1), f"/reviews/{review.id}/assessment/summary"):
        assert client.get(page).status_code == 403
        assert client.post(page, data={"version": assessment.version, "summary": "Too late"}).status_code == 403
    assert (
        client.post(f"/reviews/{review.id}/assessment/check", data={"version": assessment.version}).status_code == 403
    )
    assert client.post(f"/reviews/{review.id}/issue", data={"version": assessment.version}).status_code == 403


def test_an_incomplete_assessment_cannot_be_issued(client_for, inspector) -> None:
    assessment = rate(assign(make_review(), inspector), [2, None, None, None], complete=False)
    client = client_for(inspector)
    response = client.post(f"/reviews/{assessment.review_id}/issue", data={"version": assessment.version})
    assert response.status_code == 302 and response.headers["Location"].endswith("/assessment")
    db.session.refresh(assessment)
    assert assessment.stage == AssessmentStage.DRAFT
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0


def test_a_stale_issue_is_refused(client_for, inspector) -> None:
    assessment = rate(assign(make_review(), inspector), [2, 2, 2, 2])
    opened_at = assessment.version
    rate(assessment, [3, 2, 2, 2])  # changed after the issue page was opened
    response = client_for(inspector).post(f"/reviews/{assessment.review_id}/issue", data={"version": opened_at})
    assert response.status_code == 302
    db.session.refresh(assessment)
    assert assessment.stage == AssessmentStage.COMPLETE


def test_changing_a_complete_assessment_reopens_it_as_a_draft(client_for, inspector) -> None:
    assessment = rate(assign(make_review(), inspector), [2, 2, 2, 2])
    client = client_for(inspector)
    # Saving a page unchanged leaves it complete...
    unchanged = {
        "version": assessment.version,
        f"rating_{assessment.ratings[0].standard_id}": "2",
        f"feedback_{assessment.ratings[0].standard_id}": assessment.ratings[0].feedback,
        "save_return": "Save and return to the task list",
    }
    assert client.post(_standard_page(assessment, 1), data=unchanged).status_code == 302
    db.session.refresh(assessment)
    assert assessment.stage == AssessmentStage.COMPLETE
    # ...a change makes it a draft again, to be completed once more.
    response = client.post(
        _standard_page(assessment, 1), data={**unchanged, f"rating_{assessment.ratings[0].standard_id}": "3"}
    )
    assert response.status_code == 302
    db.session.refresh(assessment)
    assert assessment.stage == AssessmentStage.DRAFT
    assert "The assessment is a draft again" in _page(client.get(response.headers["Location"]))
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "assessment.reopened")) is not None


def test_an_issued_assessment_keeps_its_wording_after_the_standards_change(client_for, admin, inspector) -> None:
    review = make_review()
    assessment = rate(assign(review, inspector), [2, 1, 2, 3])
    issue(assessment)
    old_version = assessment.standards_version
    old_prompt = old_version.standards[1].prompts[3]
    client = client_for(admin)
    assert client.post(f"/reviews/standards/{old_version.id}/copy", data={"name": "2025 revision"}).status_code == 302
    from reviews.models import StandardsVersion

    new = db.session.scalar(db.select(StandardsVersion).where(StandardsVersion.name == "2025 revision"))
    new_prompt = new.standards[1].prompts[3]
    assert new_prompt.id != old_prompt.id and new_prompt.text == old_prompt.text
    assert (
        client.post(f"/reviews/standards/prompt/{new_prompt.id}", data={"text": "Reworded prompt 2.1 d"}).status_code
        == 302
    )
    # The version in use cannot be reworded.
    assert client.post(f"/reviews/standards/prompt/{old_prompt.id}", data={"text": "Sneaky"}).status_code == 403
    assert client.post(f"/reviews/standards/{new.id}/publish").status_code == 302
    db.session.refresh(old_version)
    assert current_version().id == new.id and old_version.status.value == "retired"
    # A new assessment uses the new wording; the issued one keeps the old.
    fresh = assign(make_review(), inspector)
    assert fresh.standards_version_id == new.id
    page = _page(client_for(inspector).get(_standard_page(fresh, 2)))
    assert "Reworded prompt 2.1 d" in page
    db.session.refresh(old_prompt)
    assert old_prompt.text == "Does the SFO review sufficiently highlight areas of good practice where they existed?"
    report = _page(client_for(inspector).get(f"/reviews/{review.id}/qa-report"))
    assert "2021 draft" in report and "Reworded prompt" not in report
