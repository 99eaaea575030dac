"""The QA assessment as a GOV.UK task list: a page per standard whose status (not started, in
progress, completed) comes from what is saved, the composite as it builds up, a summary page,
and a check-your-answers page that completes the assessment or says which page to fix."""

from __future__ import annotations

import re

from extensions import db
from reviews import operations
from reviews.models import Answer, Assessment, AssessmentStage
from tests.factories.reviews import assign, make_inspector, make_review


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _url(assessment: Assessment, number: int) -> str:
    standard = assessment.standards_version.standards[number - 1]
    return f"/reviews/{assessment.review_id}/assessment/standards/{standard.id}"


def _whole(assessment: Assessment, number: int, *, score: int = 2, button: str = "save_return") -> dict[str, object]:
    """Standard ``number`` filled in whole: every prompt answered (the last Not applicable)."""
    standard = assessment.standards_version.standards[number - 1]
    data: dict[str, object] = {
        "version": assessment.version,
        f"rating_{standard.id}": str(score),
        f"feedback_{standard.id}": f"Feedback on standard {number}.",
        button: "pressed",
    }
    for prompt in standard.prompts:
        data[f"answer_{prompt.id}"] = "yes"
    data[f"answer_{standard.prompts[-1].id}"] = "not_applicable"
    return data


def _row(page: str, name: str) -> str:
    """The text of the task list row named ``name`` (its link or title, hint and status)."""
    for item in re.findall(r'<li class="govuk-task-list__item.*?</li>', page, flags=re.S):
        if name in item:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
    raise AssertionError(f"no task list row {name!r}")


def _tasks(client, assessment: Assessment) -> str:
    return _page(client.get(f"/reviews/{assessment.review_id}/assessment"))


def test_statuses_move_from_not_started_to_in_progress_to_completed(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    client = client_for(inspector)
    page = _tasks(client, assessment)
    assert "You have completed 0 of 4 sections" in page
    for number in (1, 2, 3, 4):
        assert _row(page, f"Standard {number}:").endswith("Not started")
    assert _row(page, "Summary of the judgements").endswith("Not started")
    check = _row(page, "Check your answers and complete")
    assert check.endswith("Cannot start yet")
    assert f'href="/reviews/{assessment.review_id}/assessment/check"' not in page  # not a link yet

    # One answer: in progress.
    standard = assessment.standards_version.standards[0]
    response = client.post(
        _url(assessment, 1),
        data={"version": assessment.version, f"answer_{standard.prompts[0].id}": "no", "save_return": "x"},
    )
    assert response.status_code == 302
    page = _tasks(client, assessment)
    assert _row(page, "Standard 1:").endswith("In progress")
    assert f"1 of {len(standard.prompts)} prompts answered, not rated yet" in _row(page, "Standard 1:")
    assert "You have completed 0 of 4 sections" in page

    # Rated and explained but a prompt left blank: still in progress.
    db.session.refresh(assessment)
    partial = _whole(assessment, 1)
    partial[f"answer_{standard.prompts[1].id}"] = ""
    client.post(_url(assessment, 1), data=partial)
    assert _row(_tasks(client, assessment), "Standard 1:").endswith("In progress")

    # Every prompt answered (Not applicable counts), rated and explained: completed.
    db.session.refresh(assessment)
    client.post(_url(assessment, 1), data=_whole(assessment, 1))
    page = _tasks(client, assessment)
    assert _row(page, "Standard 1:").endswith("Completed")
    assert "You have completed 1 of 4 sections" in page
    assert _row(page, "Check your answers and complete").endswith("Cannot start yet")

    for number in (2, 3, 4):
        db.session.refresh(assessment)
        client.post(_url(assessment, number), data=_whole(assessment, number))
    page = _tasks(client, assessment)
    assert "You have completed 4 of 4 sections" in page
    assert _row(page, "Check your answers and complete").endswith("Not started")
    assert f'href="/reviews/{assessment.review_id}/assessment/check"' in page


def test_saving_one_standard_keeps_the_others(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    client = client_for(inspector)
    first = assessment.standards_version.standards[0]
    response = client.post(
        _url(assessment, 1),
        data={
            **_whole(assessment, 1, score=3),
            f"note_{first.prompts[0].id}": "Standard 1's note",
        },
    )
    assert response.status_code == 302
    db.session.refresh(assessment)
    client.post(_url(assessment, 2), data=_whole(assessment, 2, score=0))
    db.session.refresh(assessment)
    assert assessment.scores == [3, 0, None, None]
    assert assessment.ratings[0].feedback == "Feedback on standard 1."
    kept = assessment.answer_for(first.prompts[0])
    assert kept.answer == Answer.YES and kept.note == "Standard 1's note"
    assert len([a for a in assessment.answers if a.answer is not None]) == len(first.prompts) + len(
        assessment.standards_version.standards[1].prompts
    )
    # Standard 1's page still shows what was saved on it.
    page = _page(client.get(_url(assessment, 1)))
    assert "Standard 1&#39;s note" in page or "Standard 1's note" in page
    # The summary page saves the summary alone.
    db.session.refresh(assessment)
    summary = f"/reviews/{assessment.review_id}/assessment/summary"
    assert "Summary of the judgements" in _page(client.get(summary))
    response = client.post(summary, data={"version": assessment.version, "summary": "A sound review."})
    assert response.status_code == 302 and response.headers["Location"].endswith("/assessment")
    db.session.refresh(assessment)
    assert assessment.summary == "A sound review." and assessment.scores == [3, 0, None, None]
    assert _row(_tasks(client, assessment), "Summary of the judgements").endswith("Completed")


def test_save_and_continue_goes_to_the_next_standard_then_the_task_list(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    client = client_for(inspector)
    response = client.post(_url(assessment, 1), data=_whole(assessment, 1, button="save_continue"))
    assert response.headers["Location"] == _url(assessment, 2)
    db.session.refresh(assessment)
    response = client.post(_url(assessment, 4), data=_whole(assessment, 4, button="save_continue"))
    assert response.headers["Location"] == f"/reviews/{assessment.review_id}/assessment"


def test_a_stale_save_of_a_standard_is_refused_and_keeps_what_was_typed(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    colleague = make_inspector("colleague@inspectorate.test")
    opened_at = assessment.version
    standard = assessment.standards_version.standards[1]
    # A colleague saves standard 1 after the inspector opened standard 2.
    assert client_for(colleague).post(_url(assessment, 1), data=_whole(assessment, 1)).status_code == 302
    mine = {**_whole(assessment, 2, score=3), "version": opened_at, f"feedback_{standard.id}": "My careful words"}
    page = _page(client_for(inspector).post(_url(assessment, 2), data=mine))
    assert "<title>Error:" in page and "Your changes have not been saved" in page
    assert "My careful words" in page
    assert f'name="rating_{standard.id}" type="radio" value="3" checked' in page
    db.session.refresh(assessment)
    assert assessment.scores == [2, None, None, None]  # the colleague's save stands, nothing overwritten
    assert assessment.ratings[1].feedback == ""


def test_the_check_page_refuses_completion_with_links_to_the_pages_to_fix(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    client = client_for(inspector)
    for number in (1, 2, 4):
        db.session.refresh(assessment)
        client.post(_url(assessment, number), data=_whole(assessment, number))
    db.session.refresh(assessment)
    third = assessment.standards_version.standards[2]
    check = f"/reviews/{assessment.review_id}/assessment/check"
    # Reached directly while standard 3 is not started, the page shows what is saved...
    page = _page(client.get(check))
    assert "Not answered" in page and "Feedback on standard 2." in page
    assert f'href="{_url(assessment, 2)}#answer_{assessment.standards_version.standards[1].prompts[0].id}"' in page
    # ...and refuses to complete, linking each problem to its page.
    page = _page(client.post(check, data={"version": assessment.version}))
    assert "<title>Error: Check your answers" in page and "There is a problem" in page
    assert f'href="{_url(assessment, 3)}#answer_{third.prompts[0].id}"' in page
    assert f'href="{_url(assessment, 3)}#rating_{third.id}"' in page
    assert f'href="{_url(assessment, 3)}#feedback_{third.id}"' in page
    assert f"{_url(assessment, 1)}#" not in page.split("govuk-error-summary__body")[1].split("</div>")[0]
    db.session.refresh(assessment)
    assert assessment.stage == AssessmentStage.DRAFT

    client.post(_url(assessment, 3), data=_whole(assessment, 3))
    db.session.refresh(assessment)
    response = client.post(check, data={"version": assessment.version})
    assert response.status_code == 302 and response.headers["Location"].endswith("/qa-report")
    db.session.refresh(assessment)
    assert assessment.stage == AssessmentStage.COMPLETE and assessment.composite == 8
    # Complete: the task list says so, and the check page offers the report instead of the button.
    assert _row(_tasks(client, assessment), "Check your answers and complete").endswith("Completed")
    page = _page(client.get(check))
    assert "Mark as complete" not in page and "Check the QA report, then issue it" in page


def test_a_stale_completion_is_refused(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    client = client_for(inspector)
    for number in (1, 2, 3, 4):
        db.session.refresh(assessment)
        client.post(_url(assessment, number), data=_whole(assessment, number))
    db.session.refresh(assessment)
    opened_at = assessment.version
    client_for(make_inspector("colleague@inspectorate.test")).post(
        _url(assessment, 4), data=_whole(assessment, 4, score=0)
    )
    page = _page(client.post(f"/reviews/{assessment.review_id}/assessment/check", data={"version": opened_at}))
    assert "Your changes have not been saved" in page and "<title>Error:" in page
    db.session.refresh(assessment)
    assert assessment.stage == AssessmentStage.DRAFT and assessment.scores == [2, 2, 2, 0]


def test_the_composite_is_shown_as_it_builds_up(client_for, inspector) -> None:
    assessment = assign(make_review(), inspector)
    client = client_for(inspector)
    assert "Not yet known: no standard is rated yet" in _tasks(client, assessment)
    client.post(_url(assessment, 1), data=_whole(assessment, 1, score=3))
    db.session.refresh(assessment)
    client.post(_url(assessment, 2), data=_whole(assessment, 2, score=1))
    page = _tasks(client, assessment)
    assert "Not yet known (4 so far, from 2 of 4 standards rated)" in page
    assert "Not yet known: shown once all 4 standards are rated" in page
    for number, score in ((3, 3), (4, 3)):
        db.session.refresh(assessment)
        client.post(_url(assessment, number), data=_whole(assessment, number, score=score))
    page = _tasks(client, assessment)
    assert "10 out of 12" in page and '<strong class="govuk-tag govuk-tag--turquoise">Good</strong>' in page
    check = _page(client.get(f"/reviews/{assessment.review_id}/assessment/check"))
    assert "10 out of 12" in check


def test_a_standard_of_another_version_or_none_is_not_found(client_for, admin, inspector) -> None:
    assessment = assign(make_review(), inspector)
    copy = operations.copy_standards_version(assessment.standards_version, "Draft revision", admin)
    db.session.commit()
    client = client_for(inspector)
    assert client.get(f"/reviews/{assessment.review_id}/assessment/standards/{copy.standards[0].id}").status_code == 404
    assert (
        client.post(
            f"/reviews/{assessment.review_id}/assessment/standards/{copy.standards[0].id}",
            data=_whole(assessment, 1),
        ).status_code
        == 404
    )
    assert client.get(f"/reviews/{assessment.review_id}/assessment/standards/999999").status_code == 404
    assert client.get(f"/reviews/{assessment.review_id}/assessment/standards/99999999999").status_code == 404
    db.session.refresh(assessment)
    assert assessment.answers == [] and assessment.scores == [None] * 4


def test_the_check_page_costs_the_same_however_much_is_answered(client_for, inspector, count_queries) -> None:
    assessment = assign(make_review(), inspector)
    client = client_for(inspector)
    check = f"/reviews/{assessment.review_id}/assessment/check"
    client.get(check)  # warm-up: per-process caches
    db.session.expire_all()  # both measures start from an empty identity map
    with count_queries() as empty:
        _page(client.get(check))
    for number in (1, 2, 3, 4):
        db.session.refresh(assessment)
        client.post(_url(assessment, number), data=_whole(assessment, number))
    db.session.expire_all()
    with count_queries() as full:
        _page(client.get(check))
    assert full.count == empty.count
