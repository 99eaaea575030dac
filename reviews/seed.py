"""Reference data (offence categories, the 2021 draft standards) and the demo reviews."""

from __future__ import annotations

from core.formatting import utc_now
from core.seeding import reference_seeder
from extensions import db
from reviews.models import OffenceCategory, StandardsVersion, StandardsVersionStatus
from reviews.standards import build_version
from reviews.standards_data import FIRST_VERSION_NAME, OFFENCE_CATEGORIES, STANDARDS


@reference_seeder
def seed_offence_categories() -> None:
    # Only into an empty list: once admins have edited it, their names stand (a renamed
    # category must not come back under its old name on the next deployment).
    if db.session.scalar(db.select(OffenceCategory.id).limit(1)) is not None:
        return
    for position, name in enumerate(OFFENCE_CATEGORIES, start=1):
        db.session.add(OffenceCategory(name=name, position=position))
    db.session.flush()


@reference_seeder
def seed_first_standards_version() -> None:
    if db.session.scalar(db.select(StandardsVersion.id).where(StandardsVersion.name == FIRST_VERSION_NAME)):
        return
    already_current = db.session.scalar(
        db.select(StandardsVersion.id).where(StandardsVersion.status == StandardsVersionStatus.CURRENT).limit(1)
    )
    version = build_version(
        FIRST_VERSION_NAME,
        STANDARDS,
        status=StandardsVersionStatus.RETIRED if already_current else StandardsVersionStatus.CURRENT,
    )
    version.published_at_utc = utc_now()
    db.session.flush()

