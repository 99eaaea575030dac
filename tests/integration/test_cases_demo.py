"""The demo data: a flagged case for police, health and children's services, each with a
submitted return whose chronologies overlap (one likely duplicate, one gap) and one document
on the police return; the second police force sees nothing of it."""

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
    assert {r.status for r in by_agency.values()} == {ReturnStatus.SUBMITTED}

    # The merged chronology: one likely duplicate and one gap, names replaced by roles.
    from cases.chronology.merged import load_merged_chronology
    from cases.documents.models import ReturnDocument

    chronology = load_merged_chronology(case, organisation_ids=None)
    assert len(chronology.counts) == 3
    (pair,) = chronology.pairs
    assert {pair.first.agency, pair.second.agency} == {"Northshire Police", "Northshire NHS Foundation Trust"}
    assert len(chronology.gaps) == 1
    assert "Casey" not in " ".join(r.what_happened for r in chronology.rows_by_key.values())
    (document,) = db.session.scalars(db.select(ReturnDocument)).all()
    assert document.agency_return is by_agency["Northshire Police"] and document.file.is_pdf

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
    assert db.session.scalar(db.select(db.func.count(ReturnDocument.id))) == 1
