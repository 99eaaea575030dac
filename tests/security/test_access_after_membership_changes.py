"""Access follows the facts: a person on a panel's attendee list keeps it only while their
organisation may attend (the Inspectorate, or a current invitation to a case on the agenda).

The weakness this holds shut: someone whose agency's invitation was withdrawn, or who moved to
another organisation, kept the panel page, its .ics, its pack, its reply form and the panel in
their calendar feed, because access was decided by the attendee row alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from agencies.models import OrganisationKind
from cases import operations as case_operations
from extensions import db
from notifications.models import OutboxMessage
from panels import operations
from panels.reminders import send_due_panel_reminders
from tests.conftest import make_organisation
from tests.factories.cases import invitation_of
from tests.factories.panels import PanelWorld, details, panel_world


def panel_urls(world: PanelWorld) -> list[str]:
    panel_id = world.panel.id
    return [
        f"/panels/{panel_id}",
        f"/panels/{panel_id}/invite.ics",
        f"/panels/{panel_id}/pack.pdf",
        f"/panels/{panel_id}/reply",
    ]


def statuses(client, world: PanelWorld) -> dict[str, int]:
    return {url: client.get(url).status_code for url in panel_urls(world)}


def feed_holds_the_panel(client, world: PanelWorld, secret: str) -> bool:
    response = client.get(f"/panels/feed/{secret}.ics")
    assert response.status_code == 200
    return world.panel.uid in response.get_data(as_text=True)


def withdraw_police(world: PanelWorld) -> None:
    case_operations.withdraw_invitation(invitation_of(world.case, world.police_org), "Not involved", world.inspector)
    db.session.commit()


def move_police_elsewhere(world: PanelWorld) -> None:
    world.police.organisation = make_organisation(OrganisationKind.POLICE, "Eastmarch Police")
    db.session.commit()


@pytest.mark.parametrize("change", [withdraw_police, move_police_elsewhere], ids=["withdrawn", "moved"])
def test_the_panel_goes_when_the_facts_that_gave_it_change(client_for, change: Callable[[PanelWorld], None]) -> None:
    world = panel_world()
    secret = operations.new_feed_token(world.police)
    db.session.commit()
    police = client_for(world.police)
    before = statuses(police, world)
    assert all(status in (200, 202) for status in before.values()), before  # 202: pack being prepared
    assert feed_holds_the_panel(police, world, secret)

    change(world)

    after = statuses(client_for(world.police), world)
    assert after == dict.fromkeys(panel_urls(world), 404)
    assert not feed_holds_the_panel(client_for(world.police), world, secret)
    assert world.panel.id not in [
        int(href.split("/")[2])
        for href in _panel_links(client_for(world.police).get("/panels/").get_data(as_text=True))
    ]
    # Those whose facts still hold keep it.
    assert all(status in (200, 202) for status in statuses(client_for(world.health), world).values())
    assert client_for(world.inspector).get(f"/panels/{world.panel.id}").status_code == 200


def _panel_links(page: str) -> list[str]:
    return re.findall(r'href="(/panels/\d+)"', page)


def test_reminders_go_only_to_those_who_may_still_attend() -> None:
    world = panel_world()
    withdraw_police(world)
    send_due_panel_reminders(world.panel.starts_at_utc - timedelta(days=6))
    db.session.commit()
    recipients = set(
        db.session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.template.like("panel%remind%")))
    )
    assert world.health.email in recipients
    assert world.police.email not in recipients


def test_panel_news_goes_only_to_those_who_may_still_attend() -> None:
    world = panel_world()
    withdraw_police(world)
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    moved = details(starts_at=world.panel.starts_at_utc, ends_at=world.panel.ends_at_utc, place="Room 5, County Hall")
    assert operations.update_details(world.panel, moved, world.panel.version, world.inspector) == ["place"]
    db.session.commit()
    recipients = set(db.session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.id > before)))
    assert world.health.email in recipients
    assert world.police.email not in recipients
