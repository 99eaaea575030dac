"""Reference data (every installation) and demo data (development only), in the order each
depends on the last. Every seeder is idempotent: running them twice changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from agencies.seed import seed_demo_organisations_and_people
from cases.seed import seed_case_settings, seed_demo_case
from cases.themes import seed_learning_themes
from extensions import db
from learning.seed import seed_demo_learning, seed_demo_minutes
from panels.seed import seed_demo_panel
from reviews.seed import seed_demo_reviews, seed_first_standards_version, seed_offence_categories

REFERENCE_SEEDERS: list[Callable[[], None]] = [
    seed_offence_categories,
    seed_first_standards_version,
    seed_learning_themes,
    seed_case_settings,
]

# After the demo organisations and people: reviews, then a case on one of them, then a panel
# for the case, then the learning and actions that panel agreed, then a panel held weeks ago
# whose approved minutes agreed learning.
DEMO_SEEDERS: list[Callable[[], list[str]]] = [
    seed_demo_reviews,
    seed_demo_case,
    seed_demo_panel,
    seed_demo_learning,
    seed_demo_minutes,
]


def seed_reference_data() -> None:
    for seeder in REFERENCE_SEEDERS:
        seeder()
    db.session.flush()


def seed_demo_data(password: str) -> list[str]:
    created = seed_demo_organisations_and_people(password)
    for seeder in DEMO_SEEDERS:
        created.extend(seeder())
    return created
