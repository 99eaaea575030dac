"""State changes in the learning package."""

from __future__ import annotations

from sqlalchemy import func

from core import audit
from extensions import db
from learning.models import LearningTheme


class DuplicateThemeError(ValueError):
    """Another theme already has this name."""


def _name_taken(name: str, exclude_id: int | None = None) -> bool:
    query = db.select(LearningTheme.id).where(func.lower(LearningTheme.name) == func.lower(name))
    if exclude_id is not None:
        query = query.where(LearningTheme.id != exclude_id)
    return db.session.scalar(query) is not None


def create_theme(name: str, active: bool = True) -> LearningTheme:
    if _name_taken(name):
        raise DuplicateThemeError("A theme with this name already exists")
    last = db.session.scalar(db.select(func.max(LearningTheme.position))) or 0
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
