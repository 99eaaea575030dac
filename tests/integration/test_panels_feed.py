"""The personal calendar feed: a secret, revocable address that needs no sign-in."""

from __future__ import annotations

from datetime import UTC

from flask import Flask
from icalendar import Calendar

from agencies.models import User
from core.audit import REFUSED_ACTION, AuditEvent
from extensions import db
from panels import operations as operations
from panels.models import CalendarFeedToken
from tests.conftest import sign_in_as
from tests.factories.panels import FEED_ADDRESS, make_feed, make_panel, panel_world


def uids(response_data: bytes) -> dict[str, str]:
    cal = Calendar.from_ical(response_data)
    return {str(v["UID"]): str(v["STATUS"]) for v in cal.walk("VEVENT")}


def test_the_feed_lists_only_the_persons_panels_and_needs_no_sign_in(app: Flask) -> None:
    world = panel_world(schedule=True)
    not_theirs = make_panel(
        world.inspector, cases=[world.other_case], attendees=[world.health], schedule=True, title="Health only"
    )
    draft = make_panel(world.inspector, cases=[world.case], attendees=[world.police], title="Still a draft")
    path = make_feed(sign_in_as(app.test_client(), world.police))

    response = app.test_client().get(path)

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = uids(response.data)
    assert events == {world.panel.uid: "CONFIRMED"}
    assert not_theirs.uid not in events and draft.uid not in events
    cal = Calendar.from_ical(response.data)
    assert cal["METHOD"] == "PUBLISH" and cal.walk("VTIMEZONE")


def test_a_cancelled_panel_stays_in_the_feed_marked_cancelled(app: Flask) -> None:
    world = panel_world(schedule=True)
    path = make_feed(sign_in_as(app.test_client(), world.police))
    operations.cancel_panel(world.panel, "Clash", world.panel.version, world.inspector)
    db.session.commit()

    events = uids(app.test_client().get(path).data)

    assert events == {world.panel.uid: "CANCELLED"}


def test_only_the_hash_of_the_token_is_stored(app: Flask) -> None:
    world = panel_world(schedule=True)
    path = make_feed(sign_in_as(app.test_client(), world.police))
    token = path.removeprefix("/panels/feed/").removesuffix(".ics")
    [stored] = db.session.scalars(db.select(CalendarFeedToken)).all()
    assert stored.token_hash == CalendarFeedToken.hash_token(token) and token not in stored.token_hash
    # The page never shows it again.
    page = sign_in_as(app.test_client(), world.police).get("/panels/calendar-feed").get_data(as_text=True)
    assert token not in page and "cannot show it again" in page


def test_a_revoked_token_gets_404_every_time_and_each_use_is_audited_without_the_token(app: Flask) -> None:
    world = panel_world(schedule=True)
    client = sign_in_as(app.test_client(), world.police)
    old = make_feed(client)
    assert app.test_client().get(old).status_code == 200

    client.post("/panels/calendar-feed/revoke")

    for _ in range(3):
        assert app.test_client().get(old).status_code == 404
    refusals = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == REFUSED_ACTION)).all()
    assert len(refusals) == 3
    token = old.removeprefix("/panels/feed/").removesuffix(".ics")
    reads = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "read.calendar_feed")).all()
    assert len(reads) == 1 and reads[0].actor_id == world.police.id
    for event in [*refusals, *reads]:
        assert token not in str(event.details) and token not in event.summary


def test_a_new_address_replaces_the_old_one(app: Flask) -> None:
    world = panel_world(schedule=True)
    client = sign_in_as(app.test_client(), world.police)
    old = make_feed(client)
    new = make_feed(client)
    assert old != new
    assert app.test_client().get(old).status_code == 404
    assert app.test_client().get(new).status_code == 200


def test_unknown_tokens_and_deactivated_people_get_404(app: Flask) -> None:
    world = panel_world(schedule=True)
    path = make_feed(sign_in_as(app.test_client(), world.police))
    assert app.test_client().get("/panels/feed/not-a-real-token.ics").status_code == 404
    assert app.test_client().get("/panels/feed/" + "x" * 500 + ".ics").status_code == 404
    person = db.session.get(User, world.police.id)
    person.active = False
    db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_the_feed_updates_when_the_panel_moves(app: Flask) -> None:
    from datetime import timedelta

    from tests.factories.panels import details

    world = panel_world(schedule=True)
    path = make_feed(sign_in_as(app.test_client(), world.police))
    panel = world.panel
    new_start = panel.starts_at_utc + timedelta(days=3)
    operations.update_details(
        panel, details(starts_at=new_start, ends_at=new_start + timedelta(hours=1)), panel.version, world.inspector
    )
    db.session.commit()

    [vevent] = Calendar.from_ical(app.test_client().get(path).data).walk("VEVENT")

    assert vevent.decoded("DTSTART").astimezone(UTC) == new_start
    assert vevent["SEQUENCE"] == 1


def test_refreshing_the_page_after_making_an_address_neither_shows_nor_replaces_it(app: Flask) -> None:
    """Post/redirect/get: F5 on the page repeats the GET, not the POST."""
    world = panel_world(schedule=True)
    client = sign_in_as(app.test_client(), world.police)
    address = make_feed(client)

    again = client.get("/panels/calendar-feed").get_data(as_text=True)

    assert FEED_ADDRESS.search(again) is None  # shown once
    assert "We do not keep the address itself" in again
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarFeedToken)) == 1
    assert app.test_client().get(address).status_code == 200


def test_a_new_address_is_made_only_from_the_confirmation(app: Flask) -> None:
    world = panel_world(schedule=True)
    client = sign_in_as(app.test_client(), world.police)
    first = client.post("/panels/calendar-feed")  # the first address needs no confirmation
    assert first.status_code == 303
    address = FEED_ADDRESS.search(client.get(first.location).get_data(as_text=True)).group(1)

    page = client.get("/panels/calendar-feed").get_data(as_text=True)
    assert 'href="/panels/calendar-feed/new"' in page  # a link to the confirmation, not a button that posts
    unconfirmed = client.post("/panels/calendar-feed")
    assert unconfirmed.status_code == 302 and unconfirmed.location.endswith("/panels/calendar-feed/new")
    assert app.test_client().get(address).status_code == 200  # still the same address

    confirmation = client.get("/panels/calendar-feed/new").get_data(as_text=True)
    assert "stops working at once" in confirmation and 'name="replace" value="yes"' in confirmation
    replacement = make_feed(client)
    assert replacement != address
    assert app.test_client().get(address).status_code == 404


def test_the_feed_is_named_for_calendar_apps(app: Flask) -> None:
    world = panel_world(schedule=True)
    client = sign_in_as(app.test_client(), world.police)
    feed = Calendar.from_ical(app.test_client().get(make_feed(client)).data)
    assert feed["X-WR-CALNAME"] == "Learning panels – Priya Constable" and feed["METHOD"] == "PUBLISH"
