"""Choosing what an action answers: the prompt select offers only the chosen standard's prompts
(without a script, "Show this standard's prompts" is a second step that saves nothing and keeps
what was typed), and the owner select lists the case's agencies first."""

from __future__ import annotations

import json
from datetime import timedelta
from html.parser import HTMLParser

from core.submissions import FormSubmission
from extensions import db
from learning.models import ActionRecord
from tests.factories.cases import inspectorate_inspector, today
from tests.factories.learning import assessed_review, learning_case, make_action, theme

NO_STANDARD_HINT = "Choose a standard first: a prompt belongs to a standard."


class _Select(HTMLParser):
    """The options of one <select> (by id): (optgroup label or None, value, text, selected)."""

    def __init__(self, select_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.select_id = select_id
        self.inside = False
        self.group: str | None = None
        self.current: list | None = None
        self.options: list[tuple[str | None, str, str, bool]] = []
        self.attributes: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "select" and found.get("id") == self.select_id:
            self.inside, self.attributes = True, found
        elif self.inside and tag == "optgroup":
            self.group = found.get("label")
        elif self.inside and tag == "option":
            self.current = [self.group, found.get("value"), "", "selected" in found]

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.current[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self.current is not None:
            group, value, text, selected = self.current
            self.options.append((group, value, text.strip(), selected))
            self.current = None
        elif tag == "optgroup":
            self.group = None
        elif tag == "select":
            self.inside = False


def select(page: str, select_id: str) -> _Select:
    parser = _Select(select_id)
    parser.feed(page)
    assert parser.attributes, f"no select #{select_id}"
    return parser


def values(page: str, select_id: str) -> list[str]:
    return [value for _group, value, _text, _selected in select(page, select_id).options]


def hidden(page: str, name: str) -> str:
    class _Hidden(HTMLParser):
        value = ""

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found = dict(attrs)
            if tag == "input" and found.get("name") == name:
                _Hidden.value = found.get("value") or ""

    _Hidden().feed(page)
    return _Hidden.value


def _form(owner_id: int, **overrides: object) -> dict[str, object]:
    due = today() + timedelta(days=60)
    data: dict[str, object] = {
        "title": "Link repeat incidents before grading",
        "what_will_change": "The control room checks earlier incidents at the address.",
        "owner_id": str(owner_id),
        "level": "local",
        "theme_id": str(theme("Domestic abuse").id),
        "due_on": [str(due.day), str(due.month), str(due.year)],
        "evidence_measure": "A dip sample of 30 incidents.",
        "standard_id": "0",
        "prompt_id": "0",
        "submit": "y",
    }
    data.update(overrides)
    return data


def _prompt_ids(standard) -> list[str]:
    return [str(prompt.id) for prompt in standard.prompts]


def test_with_no_standard_chosen_only_no_prompt_is_offered(client_for) -> None:
    case, _police, _childrens, _officer = learning_case()
    page = client_for(inspectorate_inspector()).get(f"/learning/cases/{case.id}/actions/new").get_data(as_text=True)
    assert values(page, "prompt_id") == ["0"]
    assert NO_STANDARD_HINT in page
    assert "Show this standard&#39;s prompts" in page and 'name="choose_standard"' in page
    # Every standard's prompts are in the page for the script, keyed by standard id.
    offers = json.loads(select(page, "standard_id").attributes["data-prompt-offers"] or "")
    for standard in case.review.assessment.standards_version.standards:
        assert [o["value"] for o in offers[str(standard.id)]["options"]] == ["0", *_prompt_ids(standard)]
    assert offers["none"]["options"] == [{"value": "0", "text": "No prompt"}]
    assert 'src="/static/js/action-prompts.mjs"' in page


def test_a_standard_asked_for_in_the_link_narrows_the_prompts(client_for) -> None:
    case, _police, _childrens, _officer = learning_case()
    standard = case.review.assessment.standards_version.standards[2]
    client = client_for(inspectorate_inspector())
    page = client.get(f"/learning/cases/{case.id}/actions/new?standard={standard.id}").get_data(as_text=True)
    assert values(page, "prompt_id") == ["0", *_prompt_ids(standard)]
    assert f"Only the prompts of {standard.heading}." in page


def test_the_second_step_narrows_the_prompts_keeps_what_was_typed_and_saves_nothing(client_for) -> None:
    case, police, _childrens, _officer = learning_case()
    standards = case.review.assessment.standards_version.standards
    client = client_for(inspectorate_inspector())
    url = f"/learning/cases/{case.id}/actions/new"
    token = hidden(client.get(url).get_data(as_text=True), "form_token")
    assert token
    actions_before = db.session.scalar(db.select(db.func.count(ActionRecord.id)))

    # The evidence measure is left empty: the step checks nothing but the standard.
    data = _form(police.id, title="Typed before choosing", standard_id=str(standards[1].id), form_token=token)
    data.pop("submit")
    data.update(evidence_measure="", choose_standard="Show this standard's prompts")
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" not in page and "<title>Error:" not in page
    assert "Nothing has been saved yet" in page  # also what Enter in a text field leads to
    assert values(page, "prompt_id") == ["0", *_prompt_ids(standards[1])]
    assert [v for _g, v, _t, chosen in select(page, "standard_id").options if chosen] == [str(standards[1].id)]
    assert [v for _g, v, _t, chosen in select(page, "owner_id").options if chosen] == [str(police.id)]
    assert 'value="Typed before choosing"' in page
    assert "The control room checks earlier incidents at the address." in page
    assert hidden(page, "form_token") == token
    assert db.session.scalar(db.select(db.func.count(ActionRecord.id))) == actions_before
    assert db.session.scalar(db.select(FormSubmission).where(FormSubmission.token == token)) is None

    # The real save that follows, with the same one-time token, records the action once.
    prompt = standards[1].prompts[1]
    saved = client.post(
        url,
        data=_form(
            police.id,
            title="Typed before choosing",
            standard_id=str(standards[1].id),
            prompt_id=str(prompt.id),
            form_token=token,
        ),
    )
    assert saved.status_code == 302
    action = db.session.scalar(db.select(ActionRecord).where(ActionRecord.title == "Typed before choosing"))
    assert action is not None and (action.standard_id, action.prompt_id) == (standards[1].id, prompt.id)
    assert db.session.scalar(db.select(db.func.count(ActionRecord.id))) == actions_before + 1


def test_a_prompt_of_another_standard_or_without_a_standard_is_refused(client_for) -> None:
    case, police, _childrens, _officer = learning_case()
    standards = case.review.assessment.standards_version.standards
    client = client_for(inspectorate_inspector())
    url = f"/learning/cases/{case.id}/actions/new"
    other = client.post(
        url, data=_form(police.id, standard_id=str(standards[0].id), prompt_id=str(standards[3].prompts[0].id))
    )
    page = other.get_data(as_text=True)
    assert "<title>Error:" in page and "There is a problem" in page
    assert 'href="#prompt_id"' in page
    assert f"Choose a prompt from {standards[0].heading}, or no prompt" in page
    assert values(page, "prompt_id") == ["0", *_prompt_ids(standards[0])]

    alone = client.post(url, data=_form(police.id, prompt_id=str(standards[3].prompts[0].id)))
    assert "Choose the standard first: a prompt belongs to a standard" in alone.get_data(as_text=True)
    assert db.session.scalar(db.select(ActionRecord)) is None


def test_owners_list_the_cases_agencies_first(client_for) -> None:
    case, police, childrens, _officer = learning_case()
    client = client_for(inspectorate_inspector())
    page = client.get(f"/learning/cases/{case.id}/actions/new").get_data(as_text=True)
    options = select(page, "owner_id").options
    assert options[0][:3] == (None, "0", "Choose the owner")
    groups = [group for group, *_rest in options[1:]]
    case_agencies = [text for group, _v, text, _s in options if group == "This case's agencies"]
    assert case_agencies == sorted([police.name, childrens.name])
    others = [text for group, _v, text, _s in options if group == "Other organisations"]
    assert others and police.name not in others and childrens.name not in others
    assert groups == ["This case's agencies"] * 2 + ["Other organisations"] * len(others)

    # An agency whose invitation is withdrawn is no longer one of the case's agencies.
    case.invitation_for(childrens.id).withdrawn_at_utc = case.invitation_for(childrens.id).invited_at_utc
    db.session.commit()
    page = client.get(f"/learning/cases/{case.id}/actions/new").get_data(as_text=True)
    grouped = {text: group for group, _v, text, _s in select(page, "owner_id").options}
    assert grouped[police.name] == "This case's agencies"
    assert grouped[childrens.name] == "Other organisations"

    # A grouped owner is accepted.
    assert client.post(f"/learning/cases/{case.id}/actions/new", data=_form(childrens.id)).status_code == 302


def test_an_action_recorded_from_a_review_without_a_case_lists_owners_without_groups(client_for) -> None:
    review = assessed_review()
    page = client_for(inspectorate_inspector()).get(f"/learning/reviews/{review.id}/actions/new").get_data(as_text=True)
    options = select(page, "owner_id").options
    assert len(options) > 1
    assert {group for group, *_rest in options} == {None}
    assert "<optgroup" not in page


def test_editing_an_action_offers_only_its_standards_prompts(client_for) -> None:
    case, police, _childrens, _officer = learning_case()
    action = make_action(police, case=case, standard_number=3)
    standard = action.standard
    client = client_for(inspectorate_inspector())
    page = client.get(f"/learning/actions/{action.id}/edit").get_data(as_text=True)
    assert values(page, "prompt_id") == ["0", *_prompt_ids(standard)]
    assert f"Only the prompts of {standard.heading}." in page

    # Choosing another standard on the edit form: the step shows its prompts and saves nothing.
    other = case.review.assessment.standards_version.standards[0]
    data = _form(police.id, version=str(action.version), title="Changed, not saved", standard_id=str(other.id))
    data.pop("submit")
    data["choose_standard"] = "Show this standard's prompts"
    step = client.post(f"/learning/actions/{action.id}/edit", data=data).get_data(as_text=True)
    assert values(step, "prompt_id") == ["0", *_prompt_ids(other)]
    assert 'value="Changed, not saved"' in step
    db.session.expire_all()
    assert action.title != "Changed, not saved" and action.standard_id == standard.id


def test_the_second_step_with_a_standard_not_offered_says_so(client_for) -> None:
    case, police, _childrens, _officer = learning_case()
    data = _form(police.id, standard_id="99999", choose_standard="Show this standard's prompts")
    data.pop("submit")
    page = client_for(inspectorate_inspector()).post(f"/learning/cases/{case.id}/actions/new", data=data)
    text = page.get_data(as_text=True)
    assert "Choose a standard from the standards this review was assessed against" in text
    assert values(text, "prompt_id") == ["0"] and NO_STANDARD_HINT in text
    assert db.session.scalar(db.select(ActionRecord)) is None
