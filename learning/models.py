"""Models of the learning package: learning themes (an admin-edited list) and learning levels.

Action records and the annual summary build on these.
"""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TimestampMixin
from extensions import db


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


class LearningTheme(TimestampMixin, db.Model):
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
