"""An agency's return: involvement, drafts with chronology rows and learning points, submit,
lock, reopen; colleagues editing at once; nothing typed is lost."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from agencies.models import Organisation, OrganisationKind, Role, User
from cases.models import AgencyReturn, Involvement, MultiAgencyCase, ReturnStatus
from cases.themes import LearningLevel
from core.audit import AuditEvent
from extensions import db
from notifications.models import OutboxMessage
from tests.conftest import make_organisation, make_user
from tests.factories.cases import invitation_of, make_case, make_theme, today, write_return


def tags(page: str) -> list[str]:
    return re.findall(r'class="govuk-tag[^"]*">\s*([^<]+?)\s*<', page)


def _date(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


class Setting:
    def __init__(self) -> None:
        self.police: Organisation = make_organisation(OrganisationKind.POLICE, "Northshire Police")
        self.inspector: User = make_user(Role.INSPECTOR, email="flagger@inspectorate.test")
        self.officer: User = make_user(
            Role.AGENCY_MEMBER, self.police, email="officer@police.example", full_name="Olivia Officer"
        )
        self.colleague: User = make_user(
            Role.AGENCY_MEMBER, self.police, email="colleague@police.example", full_name="Carl Colleague"
        )
        self.case: MultiAgencyCase = make_case([self.police], by=self.inspector)
        self.agency_return: AgencyReturn = invitation_of(self.case, self.police).agency_return
        self.theme = make_theme("Information sharing")
        db.session.commit()

    @property
    def url(self) -> str:
        return f"/cases/returns/{self.agency_return.id}"

    def refresh(self) -> AgencyReturn:
        db.session.expire_all()
        return self.agency_return


@pytest.fixture
def s() -> Setting:
    return Setting()


def return_data(s: Setting, version: int, **overrides) -> dict:
    data = {
        "action": "save",
        "version": str(version),
        "author_name": "Olivia Officer",
        "author_role": "Detective Sergeant",
        "author_involved": "no",
        "records_reviewed": "Crime reports",
        "records_secured_on": _date(today() - timedelta(days=3)),
        "chronology-0-happened_on": _date(today() - timedelta(days=200)),
        "chronology-0-what_happened": "First call-out",
        "chronology-0-significance": "Start of concerns",
        "chronology-1-happened_on": _date(today() - timedelta(days=100)),
        "chronology-1-what_happened": "Second call-out",
        "chronology-1-significance": "",
        "what_went_well": "Attended fast",
        "missed_opportunities": "No MARAC referral",
        "underpinning_reasons": ["workload", "training"],
        "underpinning_detail": "Busy team",
        "learning_points-0-description": "Link repeat incidents",
        "learning_points-0-theme_id": str(s.theme.id),
        "learning_points-0-level": "multi_agency",
        "good_practice": "Shared the DASH",
        "recommendations": "Automate flags",
    }
    data.update(overrides)
    return data


def confirm_involvement(s: Setting, client) -> None:
    response = client.post(
        f"{s.url}/involvement",
        data={
            "version": str(s.refresh().version),
            "involvement": "involved",
            "contact_started_on": _date(today() - timedelta(days=300)),
            "contact_ended_on": ["", "", ""],
            "involvement_nature": "Call-outs to the address",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_involvement_must_be_explained_when_involved_and_errors_keep_the_answers(s: Setting, client_for) -> None:
    client = client_for(s.officer)
    page = client.post(
        f"{s.url}/involvement",
        data={
            "version": str(s.agency_return.version),
            "involvement": "involved",
            "contact_started_on": ["", "", ""],
            "contact_ended_on": ["3", "", "2025"],
            "involvement_nature": "",
        },
    ).get_data(as_text=True)
    assert "Enter when your agency&#39;s contact started" in page or "Enter when your agency's contact started" in page
    assert "Contact ended must include a month" in page
    assert "Describe the nature of your agency" in page
    assert 'value="involved" checked' in page and 'value="3"' in page

    confirm_involvement(s, client)
    r = s.refresh()
    assert r.involvement == Involvement.INVOLVED and r.involvement_confirmed_at_utc is not None
    page = client_for(s.inspector).get(f"/cases/{s.case.id}").get_data(as_text=True)
    assert "Involvement confirmed" in tags(page)


def test_not_involved_agencies_submit_a_short_return(s: Setting, client_for) -> None:
    client = client_for(s.officer)
    client.post(
        f"{s.url}/involvement",
        data={
            "version": str(s.agency_return.version),
            "involvement": "not_involved",
            "contact_started_on": ["", "", ""],
            "contact_ended_on": ["", "", ""],
            "involvement_nature": "Searched the PNC and our crime system: no records",
        },
    )
    r = s.refresh()
    client.post(
        f"{s.url}/edit",
        data={
            "action": "save",
            "version": str(r.version),
            "author_name": "Olivia Officer",
            "author_role": "DS",
            "author_involved": "no",
            "records_reviewed": "PNC, crime system",
            "records_secured_on": _date(today()),
        },
    )
    r = s.refresh()
    response = client.post(f"{s.url}/submit", data={"version": str(r.version)})
    assert response.status_code == 302
    assert s.refresh().status == ReturnStatus.SUBMITTED


def test_a_draft_with_two_chronology_rows_and_a_learning_point_is_saved(s: Setting, client_for) -> None:
    client = client_for(s.officer)
    confirm_involvement(s, client)
    response = client.post(f"{s.url}/edit", data=return_data(s, s.refresh().version))
    assert response.status_code == 302
    r = s.refresh()
    assert [e.what_happened for e in r.chronology] == ["First call-out", "Second call-out"]
    assert r.chronology[0].happened_on == today() - timedelta(days=200)
    assert [(p.description, p.theme_id, p.level) for p in r.learning_points] == [
        ("Link repeat incidents", s.theme.id, LearningLevel.MULTI_AGENCY)
    ]
    assert r.underpinning_reasons == ["workload", "training"] and r.author_involved is False
    assert r.last_saved_by == s.officer and r.status == ReturnStatus.DRAFT
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "return.draft_saved")) is not None
    page = client.get(f"{s.url}/edit").get_data(as_text=True)
    assert "Second call-out" in page and "Link repeat incidents" in page
    # Any member of the agency sees and can continue the same draft.
    assert "Second call-out" in client_for(s.colleague).get(f"{s.url}/edit").get_data(as_text=True)
    assert "Draft" in tags(client_for(s.inspector).get(f"/cases/{s.case.id}").get_data(as_text=True))


def test_adding_and_removing_rows_keeps_what_was_typed(s: Setting, client_for) -> None:
    client = client_for(s.officer)
    confirm_involvement(s, client)
    version = s.refresh().version
    typed = return_data(s, version, action="add-chronology", **{"chronology-1-happened_on": ["12", "", "2025"]})
    page = client.post(f"{s.url}/edit", data=typed).get_data(as_text=True)
    assert "govuk-error-summary" not in page  # adding a row is not a save: no validation yet
    assert "Contact 3" in page and 'name="chronology-2-what_happened"' in page
    assert "First call-out" in page and "Second call-out" in page and "Shared the DASH" in page
    assert 'value="12"' in page  # the half-typed date is still there

    typed = return_data(s, version, action="remove-chronology-0")
    page = client.post(f"{s.url}/edit", data=typed).get_data(as_text=True)
    assert "First call-out" not in page and "Second call-out" in page and "Contact 2" not in page
    assert 'name="chronology-0-what_happened"' in page

    typed = return_data(s, version, action="add-learning_points")
    page = client.post(f"{s.url}/edit", data=typed).get_data(as_text=True)
    assert "Learning point 2" in page and "Link repeat incidents" in page
    # None of this saved anything.
    assert s.refresh().chronology == [] and s.agency_return.version == version


def test_validation_errors_keep_the_typed_text_and_save_nothing(s: Setting, client_for) -> None:
    client = client_for(s.officer)
    confirm_involvement(s, client)
    version = s.refresh().version
    hostile = return_data(
        s,
        version,
        author_name="Olivia\r\nBcc: evil@example.com",
        what_went_well="<script>alert('x')</script>",
        good_practice="x" * 20_001,
        **{"chronology-1-happened_on": ["31", "2", "2025"], "learning_points-0-theme_id": "99999"},
    )
    response = client.post(f"{s.url}/edit", data=hostile)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: " in page
    assert "Enter text on one line" in page
    assert "Must be 20,000 characters or fewer" in page
    assert "Date must be a real date" in page
    assert "Choose a theme from the list" in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "<script>alert('x')" not in page
    assert "First call-out" in page and "Second call-out" in page
    # Error summary links land on the fields.
    assert 'href="#chronology-1-happened_on"' in page and 'id="chronology-1-happened_on"' in page
    assert s.refresh().version == version and s.agency_return.chronology == []


def test_draft_submit_locked_reopened(s: Setting, client_for) -> None:
    client = client_for(s.officer)
    # Submitting an empty return is refused with the list of what is missing.
    page = client.post(f"{s.url}/submit", data={"version": str(s.agency_return.version)}).get_data(as_text=True)
    assert "Your return is not ready to submit" in page and "Confirm whether your agency was involved" in page
    assert s.refresh().status == ReturnStatus.DRAFT

    confirm_involvement(s, client)
    client.post(f"{s.url}/edit", data=return_data(s, s.refresh().version, action="check"))
    check = client.get(f"{s.url}/submit").get_data(as_text=True)
    assert "Before you can submit" not in check and "Submit return" in check
    response = client.post(f"{s.url}/submit", data={"version": str(s.refresh().version)})
    assert response.status_code == 302
    r = s.refresh()
    assert r.status == ReturnStatus.SUBMITTED and r.submitted_by == s.officer
    assert "Submitted" in tags(client_for(s.inspector).get(f"/cases/{s.case.id}").get_data(as_text=True))
    told = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_address == s.inspector.email))
    assert told is not None and "Northshire Police has replied" in told.subject

    # Locked: the edit pages send the agency back with a message, and posts change nothing.
    for suffix in ("/edit", "/involvement", "/submit"):
        response = client.get(s.url + suffix)
        assert response.status_code == 302 and response.headers["Location"] == s.url
    locked_version = r.version
    client.post(f"{s.url}/edit", data=return_data(s, locked_version, good_practice="Changed after submit"))
    assert s.refresh().good_practice == "Shared the DASH"
    assert client.get(s.url).get_data(as_text=True).count("submitted, so it is locked") == 1  # said once

    # Only the Inspectorate reopens, with a reason that is audited and sent to the agency.
    page = client_for(s.inspector).post(f"{s.url}/reopen", data={"reason": ""}).get_data(as_text=True)
    assert "Enter why you are reopening the return" in page
    client_for(s.inspector).post(f"{s.url}/reopen", data={"reason": "Please add the March call-out"})
    r = s.refresh()
    assert r.status == ReturnStatus.DRAFT and r.reopen_reason == "Please add the March call-out"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "return.reopened"))
    assert event.details["reason"] == "Please add the March call-out" and event.actor_id == s.inspector.id
    reopened_mail = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.template == "case_return_reopened")
    ).all()
    assert {m.to_address for m in reopened_mail} == {s.officer.email, s.colleague.email}
    assert all("Please add the March call-out" in m.body_text for m in reopened_mail)
    assert "Please add the March call-out" in client.get(s.url).get_data(as_text=True)

    # Editable again, and can be submitted again.
    client.post(f"{s.url}/edit", data=return_data(s, r.version, good_practice="Added the March call-out"))
    assert s.refresh().good_practice == "Added the March call-out"
    client.post(f"{s.url}/submit", data={"version": str(s.refresh().version)})
    assert s.refresh().status == ReturnStatus.SUBMITTED


def test_a_stale_save_is_refused_and_the_typed_text_is_kept(s: Setting, client_for) -> None:
    officer, colleague = client_for(s.officer), client_for(s.colleague)
    confirm_involvement(s, officer)
    opened_at = s.refresh().version
    # Both open the form at the same version; the colleague saves first.
    colleague.post(f"{s.url}/edit", data=return_data(s, opened_at, good_practice="Colleague's good practice"))
    assert s.refresh().good_practice == "Colleague's good practice"

    response = officer.post(f"{s.url}/edit", data=return_data(s, opened_at, good_practice="Officer's own words"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: " in page
    assert "Someone else changed this record while you were editing it" in page
    assert 'href="#version"' in page and 'id="version"' in page
    assert "Officer&#39;s own words" in page  # nothing typed is lost
    assert "Colleague&#39;s good practice" in page  # and the colleague's version is shown
    assert "Carl Colleague" in page
    assert s.refresh().good_practice == "Colleague's good practice"

    # The refreshed form carries the latest version, so saving again (having seen it) goes through.
    hidden = re.search(r'<input[^>]*id="version-field"[^>]*>', page).group(0)
    assert f'value="{s.agency_return.version}"' in hidden
    officer.post(f"{s.url}/edit", data=return_data(s, s.agency_return.version, good_practice="Officer's own words"))
    assert s.refresh().good_practice == "Officer's own words"


def test_a_stale_involvement_save_is_refused_too(s: Setting, client_for) -> None:
    version = s.agency_return.version
    client_for(s.colleague).post(
        f"{s.url}/involvement",
        data={"version": str(version), "involvement": "not_involved", "involvement_nature": "No records"},
    )
    page = (
        client_for(s.officer)
        .post(
            f"{s.url}/involvement",
            data={"version": str(version), "involvement": "still_checking", "involvement_nature": "Still looking"},
        )
        .get_data(as_text=True)
    )
    assert "Someone else changed this record" in page and "Still looking" in page
    assert 'value="still_checking" checked' in page
    assert s.refresh().involvement == Involvement.NOT_INVOLVED


def test_a_colleague_submitting_while_you_edit_locks_without_losing_your_text(s: Setting, client_for) -> None:
    write_return(s.agency_return, s.colleague)
    version = s.refresh().version
    client_for(s.colleague).post(f"{s.url}/submit", data={"version": str(version)})
    page = (
        client_for(s.officer)
        .post(f"{s.url}/edit", data=return_data(s, version, good_practice="Late thoughts"))
        .get_data(as_text=True)
    )
    # The save is refused, but what the officer typed comes back with the reason.
    assert "Late thoughts" in page and "submitted, so it is locked" in page and "<title>Error: " in page
    assert s.refresh().good_practice == "Shared the risk assessment."


def test_a_closed_case_locks_its_returns(s: Setting, client_for) -> None:
    client_for(s.inspector).post(f"/cases/{s.case.id}/close", data={"closed_on": _date(today())})
    response = client_for(s.officer).get(f"{s.url}/edit")
    assert response.status_code == 302
    assert "This case is closed" in client_for(s.officer).get(s.url).get_data(as_text=True)


# --- the limit on a whole return -----------------------------------------------------------------

INVOLVEMENT_NATURE = "Call-outs to the address"  # what confirm_involvement saved
COUNTED = [
    "author_name",
    "author_role",
    "records_reviewed",
    "what_went_well",
    "missed_opportunities",
    "underpinning_detail",
    "good_practice",
    "recommendations",
    "chronology-0-what_happened",
    "chronology-0-significance",
    "chronology-1-what_happened",
    "chronology-1-significance",
    "learning_points-0-description",
]


def words(length: int) -> str:
    """Readable text of exactly ``length`` characters (nothing the form's strip would remove)."""
    text = ("The officer attended and recorded the concerns. " * (length // 40 + 1))[:length]
    return text[:-1] + "." if text.endswith(" ") else text


def sized_return_data(s: Setting, version: int, total: int) -> dict:  # type: ignore[type-arg]
    """The usual return, with chronology rows added until the whole return is ``total`` characters."""
    data = return_data(s, version)
    length = len(INVOLVEMENT_NATURE) + sum(len(data[name]) for name in COUNTED)
    row = 2
    while length < total:
        data[f"chronology-{row}-happened_on"] = _date(today() - timedelta(days=50))
        for name in ("what_happened", "significance"):
            part = min(5000, total - length)
            data[f"chronology-{row}-{name}"] = words(part) if part else ""
            length += part
        row += 1
    return data


def test_the_form_says_how_long_a_return_may_be(s: Setting, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(s.officer).get(f"{s.url}/edit").get_data(as_text=True)
    assert 'id="return-size"' in page
    assert "A return can be up to 200,000 characters long in total" in page


def test_a_return_of_the_largest_size_allowed_is_saved(s: Setting, client_for) -> None:  # type: ignore[no-untyped-def]
    from cases.returns.operations import return_length

    client = client_for(s.officer)
    confirm_involvement(s, client)
    response = client.post(f"{s.url}/edit", data=sized_return_data(s, s.refresh().version, 200_000))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert return_length(s.refresh()) == 200_000


def test_a_return_over_the_limit_is_refused_and_keeps_what_was_typed(s: Setting, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(s.officer)
    confirm_involvement(s, client)
    version = s.refresh().version
    data = sized_return_data(s, version, 200_001)
    data["good_practice"] = "Shared the DASH promptly"  # typed with the rest; 9 more characters
    response = client.post(f"{s.url}/edit", data=data)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Error: Your return on" in page
    assert "There is a problem" in page
    message = (
        "Your return is 200,010 characters long. A return can be up to 200,000 characters in total, across every "
        "box, chronology row and learning point: shorten it, then save it again"
    )
    assert page.count(message) == 2  # in the error summary and beside the limit
    assert 'href="#return-size"' in page and "govuk-form-group--error" in page
    # Everything typed is on the page again; nothing was saved.
    assert "Shared the DASH promptly" in page and "Second call-out" in page
    assert data["chronology-5-what_happened"] in page
    r = s.refresh()
    assert r.version == version and r.chronology == [] and not r.good_practice


def test_the_involvement_answer_counts_towards_the_limit(s: Setting, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(s.officer)
    confirm_involvement(s, client)
    assert client.post(f"{s.url}/edit", data=sized_return_data(s, s.refresh().version, 199_990)).status_code == 302
    longer = INVOLVEMENT_NATURE + " and to the school, twice"
    response = client.post(
        f"{s.url}/involvement",
        data={
            "version": str(s.refresh().version),
            "involvement": "involved",
            "contact_started_on": _date(today() - timedelta(days=300)),
            "contact_ended_on": ["", "", ""],
            "involvement_nature": longer,
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Your return is 200,015 characters long" in page and 'href="#involvement_nature"' in page
    assert longer in page
    assert s.refresh().involvement_nature == INVOLVEMENT_NATURE


def test_a_return_saved_before_a_lower_limit_cannot_be_submitted(s: Setting, client_for, app) -> None:  # type: ignore[no-untyped-def]
    client = client_for(s.officer)
    confirm_involvement(s, client)
    assert client.post(f"{s.url}/edit", data=return_data(s, s.refresh().version)).status_code == 302
    limit = app.config["RETURN_MAX_CHARACTERS"]
    app.config["RETURN_MAX_CHARACTERS"] = 100
    try:
        page = client.get(f"{s.url}/submit").get_data(as_text=True)
        response = client.post(f"{s.url}/submit", data={"version": str(s.refresh().version)})
    finally:
        app.config["RETURN_MAX_CHARACTERS"] = limit
    assert "Shorten your return to 100 characters or fewer" in page
    assert f'href="{s.url}/edit#return-size"' in page
    assert response.status_code == 200 and s.refresh().status == ReturnStatus.DRAFT
