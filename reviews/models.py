"""SFO reviews and the offence categories they are filed under.

The reference (SFO-YYYY-NNNN) is the identifier: no names of the person on probation or of
victims are held here. Sampling, standards, assessments and extensions extend this module.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencies.models import Organisation
from core.db import TimestampMixin
from extensions import db

REFERENCE_PATTERN = r"^SFO-\d{4}-\d{4}$"


class OffenceCategory(TimestampMixin, db.Model):
    """A list admins can edit; seeded with the categories in the issue."""

    __tablename__ = "offence_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    position: Mapped[int] = mapped_column(nullable=False, default=0)


class Review(TimestampMixin, db.Model):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(13), unique=True, nullable=False)
    region_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    offence_category_id: Mapped[int] = mapped_column(ForeignKey("offence_categories.id"), nullable=False, index=True)
    received_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    offence_on: Mapped[date | None] = mapped_column(Date)
    charged_on: Mapped[date | None] = mapped_column(Date)
    author_role: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")

    region: Mapped[Organisation] = relationship(lazy="joined")
    offence_category: Mapped[OffenceCategory] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Review {self.reference}>"
