"""Learning themes (an admin-edited list) and learning levels: the reference data agencies
file their learning points under, which action records and the annual summary count by.
"""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from core import audit
from core.db import TimestampMixin
from extensions import Base, db


class LearningLevel(enum.StrEnum):
    """Where a piece of learning has to be acted on (used by learning points and action records)."""

    LOCAL = "local"
    REGIONAL = "regional"
    NATIONAL = "national"
    MULTI_AGENCY = "multi_agency"

    @property
    def label(self) -> str:
        return LEARNING_LEVEL_LABELS[self]


LEARNING_LEVEL_LABELS = {
    LearningLevel.LOCAL: "Local",
    LearningLevel.REGIONAL: "Regional",
    LearningLevel.NATIONAL: "National",
    LearningLevel.MULTI_AGENCY: "Multi-agency",
}


class LearningTheme(TimestampMixin, Base):
    """A theme learning points and actions are filed under, so recurring learning can be counted.

    Themes in use are never deleted, only made inactive: old learning keeps its theme.
    """

    __tablename__ = "learning_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    position: Mapped[int] = mapped_column(nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<LearningTheme {self.id} {self.name!r}>"


# --- changes (admin) ----------------------------------------------------------------------


class DuplicateThemeError(ValueError):
    """Another theme already has this name."""


def _name_taken(name: str, exclude_id: int | None = None) -> bool:
    query = select(LearningTheme.id).where(func.lower(LearningTheme.name) == func.lower(name))
    if exclude_id is not None:
        query = query.where(LearningTheme.id != exclude_id)
    return db.session.scalar(query) is not None


def create_theme(name: str, active: bool = True) -> LearningTheme:
    if _name_taken(name):
        raise DuplicateThemeError("A theme with this name already exists")
    last = db.session.scalar(select(func.max(LearningTheme.position))) or 0
    theme = LearningTheme(name=name, active=active, position=last + 1)
    db.session.add(theme)
    db.session.flush()
    audit.record("theme.created", theme, f"Added the learning theme {name}")
    return theme


def update_theme(theme: LearningTheme, *, name: str, active: bool) -> None:
    if _name_taken(name, exclude_id=theme.id):
        raise DuplicateThemeError("A theme with this name already exists")
    before = {"name": theme.name, "active": theme.active}
    theme.name = name
    theme.active = active
    after = {"name": name, "active": active}
    if before != after:
        audit.record("theme.updated", theme, f"Changed the learning theme {name}", before=before, after=after)


# --- reference data --------------------------------------------------------------------------

THEMES = [
    "Risk assessment",
    "Risk management planning",
    "Information sharing",
    "Domestic abuse",
    "Child safeguarding",
    "Adult safeguarding",
    "Mental health",
    "Substance misuse",
    "MAPPA",
    "Accommodation",
    "Management oversight",
    "Workload and resources",
    "Victim contact",
    "Partnership working",
]


def seed_learning_themes() -> None:
    """Seed the starting list into an empty table, once.

    An installation that already has themes keeps its own list: admins may have renamed,
    reordered or retired the starting ones, and seeding again must not bring them back.
    """
    if db.session.scalar(select(LearningTheme.id).limit(1)) is not None:
        return
    for position, name in enumerate(THEMES, start=1):
        db.session.add(LearningTheme(name=name, position=position))
    db.session.flush()
