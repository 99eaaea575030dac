"""A case whose three agencies' chronologies overlap, built through the real operations.

Police and children's services both record the visit of 10 March 2025 (a day apart: possibly
the same event); nobody records anything between 2 June and 1 December 2025 (a gap of six
months); the health trust's return is left a draft unless asked (its rows must never show).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from agencies.models import Organisation, OrganisationKind, Role, User
from cases.models import AgencyReturn, MultiAgencyCase
from cases.returns.operations import ChronologyRow, save_draft, submit_return
from extensions import db
from tests.conftest import make_organisation, make_user
from tests.factories.cases import complete_findings, invitation_of, make_case, write_return

POLICE_ROWS = [
    ChronologyRow(
        date(2025, 1, 5), "Call-out to the address: Jordan Testperson shouting at Alice Smith.", "First call"
    ),
    ChronologyRow(date(2025, 3, 10), "Officers visited with a social worker; Ben Smith was at home.", "", True),
    ChronologyRow(date(2025, 6, 2), '=HYPERLINK("http://evil.example") arrest for breach.', "Risk rose"),
]
COUNCIL_ROWS = [
    ChronologyRow(date(2025, 3, 11), "Home visit with police after a referral about Ben.", "Joint visit"),
    ChronologyRow(date(2025, 12, 1), "Case closed to children's services.", ""),
]
HEALTH_DRAFT_ROWS = [ChronologyRow(date(2025, 4, 1), "DRAFT health contact: GP appointment.", "")]


@dataclass
class OverlapWorld:
    case: MultiAgencyCase
    police: Organisation
    health: Organisation
    council: Organisation
    other: Organisation
    inspector: User
    police_member: User
    health_member: User
    council_member: User
    other_member: User
    police_return: AgencyReturn
    health_return: AgencyReturn
    council_return: AgencyReturn


def write_chronology(agency_return: AgencyReturn, by: User, rows: list[ChronologyRow], *, submit: bool) -> None:
    """A complete return whose chronology is ``rows`` (submitted if asked)."""
    write_return(agency_return, by)
    findings = complete_findings()
    findings.chronology = rows
    save_draft(agency_return, findings, agency_return.version, by)
    db.session.flush()
    if submit:
        submit_return(agency_return, agency_return.version, by)
    db.session.commit()


def overlap_world(*, health_submits: bool = False) -> OverlapWorld:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    health = make_organisation(OrganisationKind.HEALTH, "Northshire NHS Trust")
    council = make_organisation(OrganisationKind.CHILDRENS_SERVICES, "Northshire Children's Services")
    other = make_organisation(OrganisationKind.POLICE, "Westvale Police")
    inspector = make_user(Role.INSPECTOR, email="chronology.inspector@inspectorate.test")
    members = {
        name: make_user(Role.AGENCY_MEMBER, organisation, email=f"{name}@chronology.test")
        for name, organisation in (("police", police), ("health", health), ("council", council), ("other", other))
    }
    case = make_case([police, health, council], by=inspector)
    police_return = invitation_of(case, police).agency_return
    health_return = invitation_of(case, health).agency_return
    council_return = invitation_of(case, council).agency_return
    write_chronology(police_return, members["police"], POLICE_ROWS, submit=True)
    write_chronology(council_return, members["council"], COUNCIL_ROWS, submit=True)
    write_chronology(health_return, members["health"], HEALTH_DRAFT_ROWS, submit=health_submits)
    return OverlapWorld(
        case=case,
        police=police,
        health=health,
        council=council,
        other=other,
        inspector=inspector,
        police_member=members["police"],
        health_member=members["health"],
        council_member=members["council"],
        other_member=members["other"],
        police_return=police_return,
        health_return=health_return,
        council_return=council_return,
    )
