"""Demo organisations and people (development only; idempotent)."""

from __future__ import annotations

import base64
import binascii
import os

from sqlalchemy import select

from agencies.models import Organisation, OrganisationKind, Role, User
from agencies.passwords import hash_password
from core.formatting import utc_now
from extensions import db

# Demo organisations: the Inspectorate, partner agencies, and probation regions (every region
# so that sampling has strata to cover).
DEMO_ORGANISATIONS: list[tuple[str, OrganisationKind]] = [
    ("HM Inspectorate of Probation", OrganisationKind.INSPECTORATE),
    ("Northshire Police", OrganisationKind.POLICE),
    ("Westvale Police", OrganisationKind.POLICE),
    ("Northshire NHS Foundation Trust", OrganisationKind.HEALTH),
    ("Northshire County Council Children's Services", OrganisationKind.CHILDRENS_SERVICES),
    ("Northshire Adult Social Care", OrganisationKind.ADULT_SOCIAL_CARE),
    ("Northshire Housing Partnership", OrganisationKind.HOUSING),
    ("North West Probation Region", OrganisationKind.PROBATION_REGION),
    ("North East Probation Region", OrganisationKind.PROBATION_REGION),
    ("Yorkshire and the Humber Probation Region", OrganisationKind.PROBATION_REGION),
    ("Greater Manchester Probation Region", OrganisationKind.PROBATION_REGION),
    ("West Midlands Probation Region", OrganisationKind.PROBATION_REGION),
    ("East Midlands Probation Region", OrganisationKind.PROBATION_REGION),
    ("East of England Probation Region", OrganisationKind.PROBATION_REGION),
    ("London Probation Region", OrganisationKind.PROBATION_REGION),
    ("Kent, Surrey and Sussex Probation Region", OrganisationKind.PROBATION_REGION),
    ("South West Probation Region", OrganisationKind.PROBATION_REGION),
    ("South Central Probation Region", OrganisationKind.PROBATION_REGION),
    ("Wales Probation Region", OrganisationKind.PROBATION_REGION),
]

# (email, full name, job title, organisation, role)
DEMO_ACCOUNTS: list[tuple[str, str, str, str, Role]] = [
    ("admin@inspectorate.example", "Alex Admin", "Portal administrator", "HM Inspectorate of Probation", Role.ADMIN),
    ("inspector@inspectorate.example", "Imogen Inspector", "Inspector", "HM Inspectorate of Probation", Role.INSPECTOR),
    (
        "police@police.example",
        "Priya Constable",
        "Detective Sergeant, Public Protection",
        "Northshire Police",
        Role.AGENCY_MEMBER,
    ),
    (
        "health@health.example",
        "Hamid Nurse",
        "Safeguarding Lead",
        "Northshire NHS Foundation Trust",
        Role.AGENCY_MEMBER,
    ),
    (
        "childrens@council.example",
        "Chloe Social",
        "Service Manager",
        "Northshire County Council Children's Services",
        Role.AGENCY_MEMBER,
    ),
    (
        "probation@probation.example",
        "Paul Officer",
        "SFO Review Manager",
        "North West Probation Region",
        Role.AGENCY_MEMBER,
    ),
    ("police2@otherpolice.example", "Owen Sergeant", "Detective Inspector", "Westvale Police", Role.AGENCY_MEMBER),
]


def seed_demo_organisations_and_people(password: str) -> list[str]:
    created: list[str] = []
    by_name = {o.name: o for o in db.session.scalars(select(Organisation))}
    for name, kind in DEMO_ORGANISATIONS:
        if name not in by_name:
            by_name[name] = Organisation(name=name, kind=kind)
            db.session.add(by_name[name])
            created.append(name)
    db.session.flush()
    existing = {u.email: u for u in db.session.scalars(select(User))}
    password_hash = hash_password(password)
    totp_secret = demo_totp_secret()
    for email, full_name, job_title, organisation, role in DEMO_ACCOUNTS:
        user = existing.get(email)
        if user is None:
            user = User(
                email=email,
                full_name=full_name,
                job_title=job_title,
                organisation=by_name[organisation],
                role=role,
                password_hash=password_hash,
            )
            db.session.add(user)
            created.append(email)
        if totp_secret and (user.totp_secret != totp_secret or user.totp_confirmed_at_utc is None):
            # Two-step sign-in already set up with the shared demo secret, so that with
            # REQUIRE_TWO_FACTOR=1 a demo account signs in with a code from DEMO_TOTP_SECRET.
            user.totp_secret = totp_secret
            user.totp_confirmed_at_utc = utc_now()
            user.totp_last_used_step = None
            # Not listed in ``created``: seed-demo would take that for new accounts and print a
            # made-up password they do not have.
    db.session.flush()
    return created


def demo_totp_secret() -> str | None:
    """DEMO_TOTP_SECRET, checked: base32 (A-Z, 2-7), at least 16 characters (80 bits)."""
    raw = os.environ.get("DEMO_TOTP_SECRET", "").replace(" ", "").strip().upper().rstrip("=")
    if not raw:
        return None
    try:
        base64.b32decode(raw + "=" * (-len(raw) % 8))
    except (binascii.Error, ValueError):
        raise ValueError("DEMO_TOTP_SECRET must be base32: the letters A to Z and the digits 2 to 7") from None
    if len(raw) < 16:
        raise ValueError("DEMO_TOTP_SECRET must be at least 16 base32 characters long")
    return raw
