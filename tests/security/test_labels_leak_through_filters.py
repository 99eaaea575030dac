"""No label leaks through a query string: an id in the request (a filter, a value to keep, a
breadcrumb or back link, a CSV column) is turned into a name only through the scoped finder
the views use, so a person never reads the title of a panel, the name of an organisation or
the words of learning they may not see by putting its id in a URL.

The walk requests every GET route as people who may not see those objects, first plainly and
then with the ids of hidden objects in every query argument that takes one; a label absent
from the plain page must stay absent. (The weakness this holds shut: ``/learning/actions?panel=<id>``
put any panel's title, drafts included, into the panel filter's options for anyone.)
"""

from __future__ import annotations

import re
from itertools import zip_longest
from pathlib import Path

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import select

from agencies.access import is_inspectorate_staff
from agencies.models import Organisation, OrganisationKind, User
from cases.models import MultiAgencyCase, ReturnLearningPoint
from cases.permissions import case_for
from extensions import db
from learning.models import ActionRecord, LearningItem
from learning.permissions import visible_actions
from panels.models import Panel, PanelDecision, PanelStatus
from panels.permissions import panel_for
from tests.conftest import ROOT, sign_in_as
from tests.factories.learning import panel_for as build_panel
from tests.factories.panels import future
from tests.factories.security import routes, seed_demo

# Query-string arguments that name an object by id, and the kind of object each names.
ID_ARGUMENTS = {
    "panel": "panel",
    "owner": "organisation",
    "organisation": "organisation",
    "agency": "organisation",
    "item": "item",
    "point": "point",
    "case": "case",
    "decision": "decision",
}
# Arguments naming reference data everyone signed in may read (themes, QA standards, regions).
REFERENCE_ARGUMENTS = {"theme", "standard", "region", "category"}
KINDS = ("panel", "organisation", "item", "point", "case", "decision")
DRAFT_TITLE = "DRAFT - Leakproof family"
APP_PACKAGES = ("agencies", "cases", "core", "learning", "notifications", "panels", "portal", "reviews")
_READS_AN_ID = re.compile(
    r"""id_args?\(\s*"(\w+)"|_int_arg\(\s*args,\s*"(\w+)"|request\.args\.get(?:list)?\(\s*"(\w+)",\s*type=int"""
)


def test_every_id_argument_the_views_read_is_walked() -> None:
    """An argument added later is walked too: the views' readers of ids are found in the source."""
    read = set()
    for package in APP_PACKAGES:
        for path in Path(ROOT, package).rglob("*.py"):
            read |= {next(name for name in match if name) for match in _READS_AN_ID.findall(path.read_text("utf-8"))}
    assert "panel" in read
    assert read - set(ID_ARGUMENTS) - REFERENCE_ARGUMENTS == set()


def hidden_objects(user: User) -> dict[str, list[tuple[int, str]]]:
    """Per kind, the (id, label) of objects this person may not see."""
    seen_action_panels = set(
        db.session.scalars(
            visible_actions(user).with_only_columns(ActionRecord.panel_id).where(ActionRecord.panel_id.is_not(None))
        )
    )
    panels = [
        (panel.id, panel.title)
        for panel in db.session.scalars(select(Panel).order_by(Panel.id))
        if panel_for(user, panel.id) is None and panel.id not in seen_action_panels
    ]
    organisations = [
        (organisation.id, organisation.name)
        for organisation in db.session.scalars(select(Organisation).order_by(Organisation.id))
        # The Inspectorate's name is on every page; the agencies' are the ones to keep hidden.
        if organisation.id != user.organisation_id and organisation.kind != OrganisationKind.INSPECTORATE
    ]
    inspectorate = is_inspectorate_staff(user)
    items = [] if inspectorate else [(i.id, i.description[:60]) for i in db.session.scalars(select(LearningItem))]
    points = [
        (point.id, point.description[:60])
        for point in db.session.scalars(select(ReturnLearningPoint))
        if not inspectorate and point.agency_return.invitation.organisation_id != user.organisation_id
    ]
    cases = [
        (case.id, case.reference)
        for case in db.session.scalars(select(MultiAgencyCase).order_by(MultiAgencyCase.id))
        if case_for(user, case.id) is None
    ]
    hidden_panel_ids = {panel_id for panel_id, _ in panels}
    decisions = [
        (decision.id, decision.decision[:60])
        for decision in db.session.scalars(select(PanelDecision).order_by(PanelDecision.id))
        if decision.panel_id in hidden_panel_ids
    ]
    return {
        "panel": panels,
        "organisation": organisations,
        "item": items,
        "point": points,
        "case": cases,
        "decision": decisions,
    }


def shown(label: str, page: str) -> bool:
    return label in page or str(escape(label)) in page


@pytest.mark.parametrize("who", ["outsider", "police", "probation"])
def test_ids_in_query_strings_never_name_what_the_person_may_not_see(app: Flask, who: str) -> None:
    people = seed_demo()
    case = db.session.scalars(select(MultiAgencyCase).order_by(MultiAgencyCase.id)).first()
    build_panel([case] if case else [], starts_at=future()[0], status=PanelStatus.DRAFT, title=DRAFT_TITLE)
    user = people[who]
    hidden = hidden_objects(user)
    assert DRAFT_TITLE in {label for _, label in hidden["panel"]}
    # One request per row: the n-th hidden object of every kind at once.
    rows = list(zip_longest(*(hidden[kind][:3] for kind in KINDS)))
    client = sign_in_as(app.test_client(), user)
    problems = []
    walked = set()
    for route in routes(app, "GET"):
        if route.url.endswith(".pdf"):
            continue
        plain = client.get(route.url)
        if plain.status_code != 200:
            continue
        walked.add(route.endpoint)
        baseline = plain.get_data().decode("utf-8", "replace")
        for row in rows:
            chosen = dict(zip(KINDS, row, strict=True))
            query = "&".join(
                f"{argument}={chosen[kind][0]}" for argument, kind in ID_ARGUMENTS.items() if chosen[kind] is not None
            )
            url = f"{route.url}{'&' if '?' in route.url else '?'}{query}"
            page = client.get(url).get_data().decode("utf-8", "replace")
            for kind, entry in chosen.items():
                if entry is not None and shown(entry[1], page) and not shown(entry[1], baseline):
                    problems.append(f"{url}: the {kind} {entry[1]!r}")
    assert {"learning.list_actions", "learning.download_actions"} <= walked
    assert problems == [], "\n".join(problems)


def test_the_tracker_names_a_panel_or_owner_the_person_may_see(client_for) -> None:
    """The scoping keeps what is allowed: an agency's own organisation, and any panel for the
    Inspectorate."""
    people = seed_demo()
    panel = build_panel([], starts_at=future()[0], status=PanelStatus.DRAFT, title=DRAFT_TITLE)
    police = people["police"]
    page = client_for(police).get(f"/learning/actions?owner={police.organisation_id}").get_data(as_text=True)
    assert shown(police.organisation.name, page)
    page = client_for(people["inspector"]).get(f"/learning/actions?panel={panel.id}").get_data(as_text=True)
    assert DRAFT_TITLE in page
