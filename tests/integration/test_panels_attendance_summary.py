"""The annual summary's agency engagement comes from the attendance registers of the panels
held: one place for each agency at each panel, represented by an invitee, a named deputy or
someone who came on the day; apologies counted."""

from __future__ import annotations

from datetime import date

from extensions import db
from learning.rules import ReportingYear
from learning.summary.figures import year_figures
from panels.models import Attendance, PanelStatus, PanelWalkIn
from tests.factories.panels import panel_world


def test_agency_engagement_uses_attendance_not_replies() -> None:
    world = panel_world(schedule=True)
    panel = world.panel
    rows = {a.user.email: a for a in panel.attendees}
    rows["police@police.example"].attendance = Attendance.DEPUTY
    rows["police@police.example"].deputy_name = "Sergeant Byrne"
    rows["health@health.example"].attendance = Attendance.APOLOGIES
    panel.status = PanelStatus.HELD
    db.session.commit()
    year = ReportingYear.containing(panel.starts_at_utc.date())
    work = year_figures(year, date(year.start_year + 1, 3, 31)).multi_agency
    # Police (a deputy) and health (apologies): two agency places, one represented; the
    # Inspectorate's own people are not an agency place.
    assert (work.panel_places, work.panel_places_represented, work.panel_apologies) == (2, 1, 1)

    # Someone from health came on the day after all.
    db.session.add(PanelWalkIn(panel=panel, full_name="Dr Khan", organisation_id=world.health.organisation_id))
    db.session.commit()
    work = year_figures(year, date(year.start_year + 1, 3, 31)).multi_agency
    assert (work.panel_places, work.panel_places_represented) == (2, 2)
    assert work.represented_share.text == "2 [low]"
