"""Who sees what: every case and return route, for every kind of person.

People: the inspector, an admin, a member of an invited agency (police), a member of another
invited agency (health: a different return on the same case), a member of an agency that was
not invited (a second police force), a probation region's member, and nobody signed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from agencies.models import Organisation, OrganisationKind, Role, User
from cases.models import AgencyReturn, CaseInvitation, MultiAgencyCase
from cases.operations import withdraw_invitation
from core.audit import AuditEvent
from extensions import db
from notifications.models import OutboxMessage
from reviews.models import Review
from tests.conftest import make_organisation, make_user
from tests.factories.cases import invitation_of, make_case, make_review, write_return

PEOPLE = ("inspector", "admin", "police", "health", "other_police", "probation", "anonymous")


@dataclass
class World:
    case: MultiAgencyCase
    police_invitation: CaseInvitation
    police_return: AgencyReturn
    health_return: AgencyReturn
    submitted_return: AgencyReturn  # police's return on a second case, submitted
    unflagged_review: Review
    people: dict[str, User | None]
    police: Organisation


@pytest.fixture
def world() -> World:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    health = make_organisation(OrganisationKind.HEALTH, "Northshire NHS Trust")
    other_police = make_organisation(OrganisationKind.POLICE, "Westvale Police")
    probation = make_organisation(OrganisationKind.PROBATION_REGION, "North West Probation Region")
    people: dict[str, User | None] = {
        "inspector": make_user(Role.INSPECTOR),
        "admin": make_user(Role.ADMIN),
        "police": make_user(Role.AGENCY_MEMBER, police),
        "health": make_user(Role.AGENCY_MEMBER, health),
        "other_police": make_user(Role.AGENCY_MEMBER, other_police),
        "probation": make_user(Role.AGENCY_MEMBER, probation),
        "anonymous": None,
    }
    case = make_case([police, health], by=people["inspector"])
    second = make_case([police], by=people["inspector"])
    submitted = write_return(invitation_of(second, police).agency_return, people["police"], submit=True)
    unflagged = make_review()
    db.session.commit()
    return World(
        case,
        invitation_of(case, police),
        invitation_of(case, police).agency_return,
        invitation_of(case, health).agency_return,
        submitted,
        unflagged,
        people,
        police,
    )


def _client(client_for, app, person: User | None):
    return client_for(person) if person is not None else app.test_client()


# (path template, expected status per person). 302 for anonymous is the sign-in redirect.
INSPECTORATE_ONLY_ON_CASE = {
    "inspector": 200,
    "admin": 200,
    "police": 403,
    "health": 403,
    "other_police": 404,
    "probation": 404,
    "anonymous": 302,
}
VISIBLE_TO_CASE = {
    "inspector": 200,
    "admin": 200,
    "police": 200,
    "health": 200,
    "other_police": 404,
    "probation": 404,
    "anonymous": 302,
}
POLICE_RETURN_READ = {
    "inspector": 200,
    "admin": 200,
    "police": 200,
    "health": 404,
    "other_police": 404,
    "probation": 404,
    "anonymous": 302,
}
POLICE_RETURN_WRITE = {
    "inspector": 403,
    "admin": 403,
    "police": 200,
    "health": 404,
    "other_police": 404,
    "probation": 404,
    "anonymous": 302,
}

GET_MATRIX = [
    ("/cases", {p: 200 for p in PEOPLE} | {"anonymous": 302}),
    (
        "/cases/new",
        {
            "inspector": 200,
            "admin": 200,
            "police": 403,
            "health": 403,
            "other_police": 403,
            "probation": 403,
            "anonymous": 302,
        },
    ),
    (
        "/cases/reviews/{review}/flag",
        {
            "inspector": 200,
            "admin": 200,
            "police": 404,
            "health": 404,
            "other_police": 404,
            "probation": 404,
            "anonymous": 302,
        },
    ),
    ("/cases/{case}", VISIBLE_TO_CASE),
    ("/cases/{case}/identifiers", VISIBLE_TO_CASE),
    ("/cases/{case}/chronology", VISIBLE_TO_CASE),
    ("/cases/{case}/chronology/named", VISIBLE_TO_CASE),
    ("/cases/{case}/chronology.csv", VISIBLE_TO_CASE),
    ("/cases/{case}/chronology/named.csv", VISIBLE_TO_CASE),
    ("/cases/{case}/chronology/rows/new", INSPECTORATE_ONLY_ON_CASE),
    ("/cases/{case}/people", INSPECTORATE_ONLY_ON_CASE),
    ("/cases/returns/{police_return}/documents", POLICE_RETURN_READ),
    ("/cases/returns/{police_return}/chronology/import", POLICE_RETURN_WRITE),
    ("/cases/returns/chronology-template.csv", {p: 200 for p in PEOPLE} | {"anonymous": 302}),
    ("/cases/returns/chronology-template.xlsx", {p: 200 for p in PEOPLE} | {"anonymous": 302}),
    ("/cases/{case}/edit", INSPECTORATE_ONLY_ON_CASE),
    ("/cases/{case}/invite", INSPECTORATE_ONLY_ON_CASE),
    ("/cases/{case}/close", INSPECTORATE_ONLY_ON_CASE),
    (
        "/cases/invitations/{invitation}/withdraw",
        {
            "inspector": 200,
            "admin": 200,
            "police": 403,
            "health": 404,
            "other_police": 404,
            "probation": 404,
            "anonymous": 302,
        },
    ),
    ("/cases/returns/{police_return}", POLICE_RETURN_READ),
    ("/cases/returns/{police_return}/involvement", POLICE_RETURN_WRITE),
    ("/cases/returns/{police_return}/edit", POLICE_RETURN_WRITE),
    ("/cases/returns/{police_return}/submit", POLICE_RETURN_WRITE),
    (
        "/cases/returns/{submitted_return}/reopen",
        {
            "inspector": 200,
            "admin": 200,
            "police": 403,
            "health": 404,
            "other_police": 404,
            "probation": 404,
            "anonymous": 302,
        },
    ),
    (
        "/cases/retention",
        {
            "inspector": 403,
            "admin": 200,
            "police": 403,
            "health": 403,
            "other_police": 403,
            "probation": 403,
            "anonymous": 302,
        },
    ),
    (
        "/cases/themes",
        {
            "inspector": 403,
            "admin": 200,
            "police": 403,
            "health": 403,
            "other_police": 403,
            "probation": 403,
            "anonymous": 302,
        },
    ),
    (
        "/cases/themes/new",
        {
            "inspector": 403,
            "admin": 200,
            "police": 403,
            "health": 403,
            "other_police": 403,
            "probation": 403,
            "anonymous": 302,
        },
    ),
]


def _fill(path: str, world: World) -> str:
    return path.format(
        case=world.case.id,
        invitation=world.police_invitation.id,
        review=world.unflagged_review.id,
        police_return=world.police_return.id,
        submitted_return=world.submitted_return.id,
    )


@pytest.mark.parametrize(("path", "expected"), GET_MATRIX, ids=[path for path, _ in GET_MATRIX])
def test_get_access_matrix(app, client_for, world: World, path: str, expected: dict[str, int]) -> None:
    url = _fill(path, world)
    for person in PEOPLE:
        response = _client(client_for, app, world.people[person]).get(url)
        assert response.status_code == expected[person], f"{person} GET {url}"
        if expected[person] == 302:
            assert response.headers["Location"].startswith("/login")


def test_the_health_member_cannot_reach_the_police_return_even_by_id(app, client_for, world: World) -> None:
    health = client_for(world.people["health"])
    for suffix in ("", "/involvement", "/edit", "/submit", "/reopen"):
        assert health.get(f"/cases/returns/{world.police_return.id}{suffix}").status_code == 404
    # Their own return on the same case is theirs.
    assert health.get(f"/cases/returns/{world.health_return.id}").status_code == 200
    # And the case page shows them nothing of the police's return.
    page = health.get(f"/cases/{world.case.id}").get_data(as_text=True)
    assert "Northshire Police" not in page and f"/cases/returns/{world.police_return.id}" not in page


def test_posts_by_the_wrong_people_change_nothing(app, client_for, world: World) -> None:
    posts = [
        (f"/cases/invitations/{world.police_invitation.id}/remind", {}),
        (f"/cases/invitations/{world.police_invitation.id}/withdraw", {"reason": "x"}),
        (f"/cases/{world.case.id}/close", {"closed_on": ["1", "1", "2026"]}),
        (f"/cases/{world.case.id}/reopen", {}),
        (f"/cases/returns/{world.police_return.id}/edit", {"action": "save", "version": "1", "good_practice": "x"}),
        (f"/cases/returns/{world.police_return.id}/submit", {"version": "1"}),
        (f"/cases/returns/{world.submitted_return.id}/reopen", {"reason": "x"}),
    ]
    messages_before = db.session.scalar(db.select(db.func.count(OutboxMessage.id)))
    for person, _allowed in (("other_police", set()), ("probation", set()), ("health", set())):
        client = client_for(world.people[person])
        for url, data in posts:
            response = client.post(url, data=data)
            assert response.status_code in (403, 404), f"{person} POST {url}"
    anonymous = app.test_client()
    for url, data in posts:
        assert anonymous.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == messages_before
    assert world.police_invitation.is_active and not world.case.is_closed
    assert world.submitted_return.is_submitted and world.police_return.good_practice == ""


def test_agency_members_cannot_manage_their_own_case(client_for, world: World) -> None:
    police = client_for(world.people["police"])
    assert police.post(f"/cases/invitations/{world.police_invitation.id}/remind").status_code == 403
    assert police.post(f"/cases/returns/{world.submitted_return.id}/reopen", data={"reason": "x"}).status_code == 403
    db.session.expire_all()
    assert world.submitted_return.is_submitted


def test_inspectors_cannot_write_an_agencys_return(client_for, world: World) -> None:
    response = client_for(world.people["inspector"]).post(
        f"/cases/returns/{world.police_return.id}/edit", data={"action": "save", "version": "1", "good_practice": "x"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert world.police_return.good_practice == ""


def test_withdrawing_an_invitation_removes_access_at_once(client_for, world: World) -> None:
    police = client_for(world.people["police"])
    assert police.get(f"/cases/{world.case.id}").status_code == 200
    withdraw_invitation(world.police_invitation, "Asked the wrong force", world.people["inspector"])
    db.session.commit()
    # The same signed-in session, on its very next request.
    for url in (
        f"/cases/{world.case.id}",
        f"/cases/{world.case.id}/identifiers",
        f"/cases/returns/{world.police_return.id}",
        f"/cases/returns/{world.police_return.id}/edit",
    ):
        assert police.get(url).status_code == 404, url
    listing = police.get("/cases").get_data(as_text=True)
    assert world.case.reference not in listing
    # The refusal is in the audit trail.
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "access.refused")) is not None


def test_the_case_list_shows_each_agency_only_its_own_requests(client_for, world: World) -> None:
    reference = world.case.reference
    assert reference in client_for(world.people["police"]).get("/cases").get_data(as_text=True)
    assert reference in client_for(world.people["health"]).get("/cases").get_data(as_text=True)
    for person in ("other_police", "probation"):
        page = client_for(world.people[person]).get("/cases").get_data(as_text=True)
        assert reference not in page and "has not been asked about any cases" in page
    assert reference in client_for(world.people["inspector"]).get("/cases").get_data(as_text=True)
