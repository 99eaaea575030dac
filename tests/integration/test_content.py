"""Content: date hints give an example still to come, summary rows do not repeat their key,
each "Change" link lands on its own field, and the beta banner asks for feedback."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from agencies.models import OrganisationKind, Role
from cases.models import Involvement
from core.formatting import london_today
from extensions import db
from tests.conftest import make_organisation, make_user
from tests.factories.cases import invitation_of, make_case, make_review


def _hint_dates(page: str) -> list[str]:
    return re.findall(r"For example, (\d{1,2} \d{1,2} \d{4})", unescape(page))


def _as_date(text: str):
    from datetime import date

    day, month, year = (int(part) for part in text.split())
    return date(year, month, day)


def test_dates_that_lie_ahead_have_an_example_still_to_come(client_for, inspector) -> None:
    client = client_for(inspector)
    review = make_review()
    pages = [f"/cases/reviews/{review.id}/flag", "/panels/new"]
    for path in pages:
        examples = [_as_date(text) for text in _hint_dates(client.get(path).get_data(as_text=True))]
        assert examples, path
    flag = [_as_date(t) for t in _hint_dates(client.get(pages[0]).get_data(as_text=True))]
    assert flag[0] > london_today(), "the reply-by date's example is in the future"
    panel = [_as_date(t) for t in _hint_dates(client.get(pages[1]).get_data(as_text=True))]
    assert panel[0] > london_today() and panel[0] - london_today() >= timedelta(days=7)


def test_a_return_summary_does_not_repeat_its_key_and_change_links_land_on_their_field(client_for) -> None:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    officer = make_user(Role.AGENCY_MEMBER, police)
    case = make_case([police])
    agency_return = invitation_of(case, police).agency_return
    agency_return.involvement = Involvement.INVOLVED
    db.session.commit()
    page = client_for(officer).get(f"/cases/returns/{agency_return.id}").get_data(as_text=True)
    rows = re.findall(
        r'<dt class="govuk-summary-list__key">\s*(.*?)\s*</dt>\s*'
        r'<dd class="govuk-summary-list__value">\s*(.*?)\s*</dd>',
        page,
        re.S,
    )
    assert rows and all(
        re.sub(r"<[^>]+>", "", key).strip() != re.sub(r"<[^>]+>", "", value).strip() for key, value in rows
    )
    changes = re.findall(r'href="([^"]+)">\s*Change', page)
    anchors = [href.split("#", 1)[1] for href in changes if "#" in href]
    assert len(anchors) == len(changes), "every Change link names its field"
    assert len(set(anchors)) == len(anchors), "no two Change links land on the same field"
    assert {"involvement", "contact_started_on", "author_name", "records_secured_on"} <= set(anchors)
    # The anchors are the fields' ids on the form they open.
    form = client_for(officer).get(f"/cases/returns/{agency_return.id}/involvement").get_data(as_text=True)
    for anchor in ("involvement", "contact_started_on", "involvement_nature"):
        assert f'id="{anchor}"' in form, anchor


def test_a_reviews_change_links_land_on_their_fields(client_for, inspector) -> None:
    review = make_review()
    client = client_for(inspector)
    page = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    anchors = re.findall(rf'href="/reviews/{review.id}/edit#([a-z_]+)"', page)
    form = client.get(f"/reviews/{review.id}/edit").get_data(as_text=True)
    assert "region_id" in anchors and "summary" in anchors
    for anchor in set(anchors):
        assert f'id="{anchor}"' in form, anchor


def test_the_beta_banner_links_to_feedback(app, client) -> None:
    page = client.get("/login").get_data(as_text=True)
    banner = page.partition("govuk-phase-banner")[2].partition("</div>")[0]
    assert 'href="mailto:' in banner and "feedback</a>" in banner
    app.config["FEEDBACK_URL"] = "https://forms.example/learning-panels"
    try:
        assert 'href="https://forms.example/learning-panels"' in client.get("/login").get_data(as_text=True)
    finally:
        app.config["FEEDBACK_URL"] = ""
