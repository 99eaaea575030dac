"""Factories for panel tests: panels made through the same operations the screens use, and a
small world of organisations, people and cases around them.

Cases, returns and QA assessments come from the cases and reviews factories, so they are
made the way those capabilities make them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask.testing import FlaskClient

from agencies.models import Organisation, OrganisationKind, Role, User
from cases.models import MultiAgencyCase
from core.formatting import utc_now
from extensions import db
from notifications.models import OutboxMessage
from panels import operations as operations
from panels.models import AttendeeRole, Panel
from panels.rules import london_date, panel_times
from tests.conftest import make_organisation, make_user
from tests.factories.cases import invitation_of, make_case, write_return
from tests.factories.reviews import issued_review


def future(days: int = 14, at: time = time(10, 0), hours: int = 2) -> tuple[datetime, datetime]:
    """A panel ``days`` from now at a London time, lasting ``hours``."""
    day = london_date(utc_now()) + timedelta(days=days)
    return panel_times(day, at, time(at.hour + hours, at.minute))


def details(
    title: str = "Northshire learning panel",
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    place: str = "Room 3, County Hall",
    video_link: str = "https://meet.example.org/panel",
) -> operations.PanelDetails:
    if starts_at is None:
        starts_at, ends_at = future()
    return operations.PanelDetails(
        title=title,
        starts_at_utc=starts_at,
        ends_at_utc=ends_at or starts_at + timedelta(hours=2),
        place=place,
        video_link=video_link,
    )


def make_panel(
    convener: User,
    *,
    cases: Iterable[MultiAgencyCase] = (),
    attendees: Iterable[tuple[User, AttendeeRole] | User] = (),
    schedule: bool = False,
    convener_role: AttendeeRole | None = AttendeeRole.CHAIR,
    **detail_fields: object,
) -> Panel:
    panel = operations.create_panel(details(**detail_fields), convener, convener_role=convener_role)
    for case in cases:
        operations.add_agenda_item(panel, case, None, convener)
    for entry in attendees:
        person, role = entry if isinstance(entry, tuple) else (entry, AttendeeRole.MEMBER)
        operations.add_attendee(panel, person, role, convener)
    db.session.flush()
    if schedule:
        operations.schedule_panel(panel, panel.version, convener)
    db.session.commit()
    return panel


def panel_emails(to: str | None = None, template: str | None = None) -> list[OutboxMessage]:
    """Outbox rows the panel operations queued (not the cases' own emails), oldest first."""
    query = db.select(OutboxMessage).where(OutboxMessage.template.like("panel%")).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.to_address == to)
    if template is not None:
        query = query.where(OutboxMessage.template == template)
    return list(db.session.scalars(query))


@dataclass
class PanelWorld:
    """The Inspectorate, three agencies asked about a case, a probation region, an agency that
    is asked about nothing, and a scheduled (or draft) panel with the case on its agenda."""

    inspector: User
    admin: User
    police: User
    police_colleague: User  # same force, not on the panel
    health: User
    probation: User
    outsider: User
    police_org: Organisation
    health_org: Organisation
    case: MultiAgencyCase
    other_case: MultiAgencyCase  # health only: the police may see its reference, not its details
    panel: Panel
    people: dict[str, User] = field(default_factory=dict)


POLICE_RETURN_TEXT = "Quick attendance."  # what_went_well in the cases factory's complete findings


def panel_world(*, schedule: bool = True, assessed: bool = True) -> PanelWorld:
    inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.example", full_name="Imogen Inspector")
    admin = make_user(Role.ADMIN, email="admin@inspectorate.example", full_name="Alex Admin")
    police_org = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    health_org = make_organisation(OrganisationKind.HEALTH, "Northshire NHS Foundation Trust")
    region = make_organisation(OrganisationKind.PROBATION_REGION, "North West Probation Region")
    other_force = make_organisation(OrganisationKind.POLICE, "Westvale Police")
    police = make_user(Role.AGENCY_MEMBER, police_org, email="police@police.example", full_name="Priya Constable")
    police_colleague = make_user(
        Role.AGENCY_MEMBER, police_org, email="police.colleague@police.example", full_name="Pat Colleague"
    )
    health = make_user(Role.AGENCY_MEMBER, health_org, email="health@health.example", full_name="Hamid Nurse")
    probation = make_user(Role.AGENCY_MEMBER, region, email="probation@probation.example", full_name="Paul Officer")
    outsider = make_user(
        Role.AGENCY_MEMBER, other_force, email="police2@otherpolice.example", full_name="Owen Sergeant"
    )
    review = issued_review(region=region) if assessed else None
    case = make_case([police_org, health_org], review=review, by=inspector)
    write_return(invitation_of(case, police_org).agency_return, police, submit=True)
    other_case = make_case([health_org], by=inspector)
    panel = make_panel(inspector, cases=[case, other_case], attendees=[police, health], schedule=schedule)
    people = {
        "inspector": inspector,
        "admin": admin,
        "police": police,
        "police_colleague": police_colleague,
        "health": health,
        "probation": probation,
        "outsider": outsider,
    }
    return PanelWorld(
        inspector,
        admin,
        police,
        police_colleague,
        health,
        probation,
        outsider,
        police_org,
        health_org,
        case,
        other_case,
        panel,
        people,
    )


def reloaded(world: PanelWorld) -> PanelWorld:
    """The same world read again in the current session (after ``db.session.remove()``)."""
    from dataclasses import fields

    from sqlalchemy import inspect

    def again(obj):
        return db.session.get(type(obj), inspect(obj).identity[0])

    values = {f.name: again(getattr(world, f.name)) for f in fields(world) if f.name != "people"}
    values["people"] = {role: again(person) for role, person in world.people.items()}
    return PanelWorld(**values)


FEED_ADDRESS = re.compile(r'value="http://portal\.test(/panels/feed/[^"]+\.ics)"')


def make_feed(client: FlaskClient) -> str:
    """Ask for a feed address on the page (confirming a replacement), as a person would; return
    its path, shown on the page the post redirects to."""
    response = client.post("/panels/calendar-feed", data={"replace": "yes"})
    assert response.status_code == 303 and response.location.endswith("/panels/calendar-feed")
    match = FEED_ADDRESS.search(client.get(response.location).get_data(as_text=True))
    assert match, "the new feed address is shown on the page"
    return match.group(1)
