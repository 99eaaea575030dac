"""The demo data: a flagged case for police, health and children's services, with a submitted
police return and a health draft; the second police force sees nothing of it."""

from __future__ import annotations

from cases.models import MultiAgencyCase, ReturnStatus
from cases.seed import DEMO_AGENCIES
from extensions import db
from portal.seeding import seed_demo_data
from tests.conftest import sign_in_as


def _people() -> dict[str, object]:
    from agencies.models import User

    return {u.email: u for u in db.session.scalars(db.select(User))}


def test_the_demo_case_and_who_sees_it(app) -> None:
    seed_demo_data("harbour meadow lantern copper")
    db.session.commit()
    case = db.session.scalar(db.select(MultiAgencyCase))
    assert case is not None and case.person_name
    by_agency = {i.organisation.name: i.agency_return for i in case.invitations}
    assert set(by_agency) == set(DEMO_AGENCIES)
    assert by_agency["Northshire Police"].status == ReturnStatus.SUBMITTED
    assert by_agency["Northshire NHS Foundation Trust"].status == ReturnStatus.DRAFT
    assert by_agency["Northshire NHS Foundation Trust"].findings_saved_at_utc is not None
    assert by_agency["Northshire County Council Children's Services"].last_saved_at_utc is None

    people = _people()
    for email in ("police@police.example", "health@health.example", "childrens@council.example"):
        client = sign_in_as(app.test_client(), people[email])
        assert case.reference in client.get("/cases").get_data(as_text=True), email
        assert client.get(f"/cases/{case.id}").status_code == 200
    outsider = sign_in_as(app.test_client(), people["police2@otherpolice.example"])
    assert case.reference not in outsider.get("/cases").get_data(as_text=True)
    assert outsider.get(f"/cases/{case.id}").status_code == 404
    for invitation in case.invitations:
        assert outsider.get(f"/cases/returns/{invitation.agency_return.id}").status_code == 404

    # Seeding again changes nothing.
    count = db.session.scalar(db.select(db.func.count(MultiAgencyCase.id)))
    seed_demo_data("harbour meadow lantern copper")
    assert db.session.scalar(db.select(db.func.count(MultiAgencyCase.id))) == count
