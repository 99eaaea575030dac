"""Reference data: the learning themes every installation starts with (admins edit the list)."""

from __future__ import annotations

from core.seeding import reference_seeder
from extensions import db
from learning.models import LearningTheme

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


@reference_seeder
def seed_learning_themes() -> None:
    """Seed the starting list into an empty table, once.

    An installation that already has themes keeps its own list: admins may have renamed,
    reordered or retired the starting ones, and seeding again must not bring them back.
    """
    if db.session.scalar(db.select(LearningTheme.id).limit(1)) is not None:
        return
    for position, name in enumerate(THEMES, start=1):
        db.session.add(LearningTheme(name=name, position=position))
    db.session.flush()
