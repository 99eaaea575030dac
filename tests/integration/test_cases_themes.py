"""Learning themes: seeded with the issue's list, edited by admins only."""

from __future__ import annotations

from cases.themes import THEMES, LearningTheme, seed_learning_themes
from core.audit import AuditEvent
from extensions import db


def test_the_starting_themes_are_seeded_once() -> None:
    names = list(db.session.scalars(db.select(LearningTheme.name).order_by(LearningTheme.position)))
    assert names == THEMES
    assert {"Risk assessment", "MAPPA", "Partnership working", "Victim contact"} <= set(names)
    seed_learning_themes()
    assert db.session.scalar(db.select(db.func.count(LearningTheme.id))) == len(THEMES)


def test_an_admin_renamed_theme_is_not_brought_back_by_seeding() -> None:
    theme = db.session.scalar(db.select(LearningTheme).where(LearningTheme.name == "MAPPA"))
    theme.name = "MAPPA and multi-agency risk management"
    db.session.commit()
    seed_learning_themes()
    assert db.session.scalar(db.select(LearningTheme).where(LearningTheme.name == "MAPPA")) is None


def test_admin_adds_renames_and_retires_themes(client_for, admin) -> None:
    client = client_for(admin)
    assert "Information sharing" in client.get("/cases/themes").get_data(as_text=True)
    client.post("/cases/themes/new", data={"name": "Neurodiversity", "active": "y"})
    theme = db.session.scalar(db.select(LearningTheme).where(LearningTheme.name == "Neurodiversity"))
    assert theme.active and theme.position == len(THEMES) + 1
    page = client.post("/cases/themes/new", data={"name": "neurodiversity", "active": "y"}).get_data(as_text=True)
    assert "A theme with this name already exists" in page
    page = client.post("/cases/themes/new", data={"name": "", "active": "y"}).get_data(as_text=True)
    assert "Enter the name of the theme" in page and "<title>Error: " in page

    client.post(f"/cases/themes/{theme.id}", data={"name": "Neurodiversity and learning disability"})
    db.session.expire_all()
    assert theme.name == "Neurodiversity and learning disability" and not theme.active  # unticked: retired
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "theme.updated"))
    assert event.details["before"] == {"name": "Neurodiversity", "active": True}
    assert {"theme.created", "theme.updated"} <= set(db.session.scalars(db.select(AuditEvent.action)))


def test_a_retired_theme_is_not_offered_for_new_learning_points(client_for) -> None:
    from agencies.models import OrganisationKind, Role
    from tests.conftest import make_organisation, make_user
    from tests.factories.cases import invitation_of, make_case

    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    officer = make_user(Role.AGENCY_MEMBER, police)
    case = make_case([police])
    retired = db.session.scalar(db.select(LearningTheme).where(LearningTheme.name == "Accommodation"))
    retired.active = False
    db.session.commit()
    page = client_for(officer).get(f"/cases/returns/{invitation_of(case, police).agency_return.id}/edit")
    html = page.get_data(as_text=True)
    assert ">Mental health<" in html and ">Accommodation<" not in html
