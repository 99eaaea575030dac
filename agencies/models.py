"""Organisations, the people who belong to them, and one-off password links."""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import TimestampMixin, UTCDateTime, enum_column
from core.formatting import utc_now
from extensions import Base


class OrganisationKind(enum.StrEnum):
    INSPECTORATE = "inspectorate"
    PROBATION_REGION = "probation_region"
    POLICE = "police"
    HEALTH = "health"
    CHILDRENS_SERVICES = "childrens_services"
    ADULT_SOCIAL_CARE = "adult_social_care"
    YOUTH_JUSTICE = "youth_justice"
    HOUSING = "housing"
    PRISON = "prison"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ORGANISATION_KIND_LABELS[self]


ORGANISATION_KIND_LABELS = {
    OrganisationKind.INSPECTORATE: "Inspectorate",
    OrganisationKind.PROBATION_REGION: "Probation region",
    OrganisationKind.POLICE: "Police",
    OrganisationKind.HEALTH: "Health",
    OrganisationKind.CHILDRENS_SERVICES: "Children's services",
    OrganisationKind.ADULT_SOCIAL_CARE: "Adult social care",
    OrganisationKind.YOUTH_JUSTICE: "Youth justice",
    OrganisationKind.HOUSING: "Housing",
    OrganisationKind.PRISON: "Prison",
    OrganisationKind.OTHER: "Other",
}


class Role(enum.StrEnum):
    ADMIN = "admin"
    INSPECTOR = "inspector"
    AGENCY_MEMBER = "agency_member"

    @property
    def label(self) -> str:
        return {"admin": "Admin", "inspector": "Inspector", "agency_member": "Agency member"}[self.value]


class Organisation(TimestampMixin, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind), nullable=False, index=True)
    # A shared mailbox that receives requests as well as the members (optional).
    contact_email: Mapped[str | None] = mapped_column(String(320))
    # The named senior contact an overdue action is escalated to (the admin keeps it).
    senior_contact_name: Mapped[str | None] = mapped_column(String(200))
    senior_contact_email: Mapped[str | None] = mapped_column(String(320))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    people: Mapped[list[User]] = relationship(back_populates="organisation", order_by="User.full_name")

    @property
    def is_inspectorate(self) -> bool:
        return self.kind == OrganisationKind.INSPECTORATE

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)  # the people list sorts by it
    job_title: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Rotated to end every session of this person at once (sign-out, password change, deactivation).
    session_token: Mapped[str] = mapped_column(
        String(64), nullable=False, unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    last_signed_in_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-step sign-in (TOTP). The secret is set when the password step succeeds for someone
    # without a confirmed authenticator, and only counts once a code from it is confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second time step of the last code accepted: a code is never accepted twice.
    totp_last_used_step: Mapped[int | None] = mapped_column(Integer)

    organisation: Mapped[Organisation] = relationship(back_populates="people", lazy="joined")

    # Flask-Login keys the session on the token, not the id, so rotating it signs the person out.
    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    def end_all_sessions(self) -> None:
        self.session_token = secrets.token_urlsafe(32)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None and self.totp_confirmed_at_utc is not None

    @property
    def is_inspectorate(self) -> bool:
        return self.organisation.kind == OrganisationKind.INSPECTORATE

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class PasswordLinkPurpose(enum.StrEnum):
    FIRST_SIGN_IN = "first_sign_in"
    RESET = "reset"


class PasswordLink(TimestampMixin, Base):
    """A single-use, time-limited link to set a password. Only the token's hash is stored."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    purpose: Mapped[PasswordLinkPurpose] = mapped_column(enum_column(PasswordLinkPurpose), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    expires_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def usable(self) -> bool:
        return self.used_at_utc is None and self.expires_at_utc > utc_now()


class RecoveryCode(TimestampMixin, Base):
    """A one-off code that stands in for the authenticator app. Only its hash is stored.

    The codes carry 125 bits of entropy, so (as ASVS 6.5.2 allows) a plain SHA-256 is enough:
    there is nothing to guess offline, and a lookup by hash needs no per-code hashing time.
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    used_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
