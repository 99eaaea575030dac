"""The QA rating scale of Annexe A (sections 2.4 and 2.5): pure functions, no database.

Each of the four standards is rated 0 to 3; the composite is their sum (0 to 12) and the
overall rating is the band the composite falls in. Both are derived here and nowhere else,
so nobody ever types a composite or an overall rating.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

STANDARD_COUNT = 4
MAX_SCORE = 3
MAX_COMPOSITE = STANDARD_COUNT * MAX_SCORE


class Rating(enum.IntEnum):
    INADEQUATE = 0
    REQUIRES_IMPROVEMENT = 1
    GOOD = 2
    OUTSTANDING = 3

    @property
    def label(self) -> str:
        return RATING_LABELS[self]

    @property
    def tag_class(self) -> str:
        """A GOV.UK tag colour; always shown with the words, never colour alone."""
        return RATING_TAG_CLASSES[self]

    @classmethod
    def parse(cls, text: str | int | None) -> Rating | None:
        """'2', 2, 'Good', 'good', 'requires improvement' → a Rating; anything else → None."""
        if text is None:
            return None
        if isinstance(text, int) and not isinstance(text, bool):
            return cls(text) if 0 <= text <= MAX_SCORE else None
        cleaned = " ".join(str(text).strip().lower().replace("_", " ").split())
        if cleaned.isdigit() and len(cleaned) == 1 and int(cleaned) <= MAX_SCORE:
            return cls(int(cleaned))
        for rating, label in RATING_LABELS.items():
            if cleaned == label.lower():
                return rating
        return None


RATING_LABELS = {
    Rating.OUTSTANDING: "Outstanding",
    Rating.GOOD: "Good",
    Rating.REQUIRES_IMPROVEMENT: "Requires improvement",
    Rating.INADEQUATE: "Inadequate",
}

RATING_TAG_CLASSES = {
    Rating.OUTSTANDING: "govuk-tag--green",
    Rating.GOOD: "govuk-tag--turquoise",
    Rating.REQUIRES_IMPROVEMENT: "govuk-tag--yellow",
    Rating.INADEQUATE: "govuk-tag--red",
}

# Highest first, as the rating scale is read out in the standards.
RATINGS_HIGH_TO_LOW: tuple[Rating, ...] = (
    Rating.OUTSTANDING,
    Rating.GOOD,
    Rating.REQUIRES_IMPROVEMENT,
    Rating.INADEQUATE,
)

# (lowest composite, highest composite, overall rating): section 2.5 of the consultation.
BANDS: tuple[tuple[int, int, Rating], ...] = (
    (0, 2, Rating.INADEQUATE),
    (3, 6, Rating.REQUIRES_IMPROVEMENT),
    (7, 10, Rating.GOOD),
    (11, 12, Rating.OUTSTANDING),
)


def composite(scores: Sequence[int | None] | Iterable[int | None]) -> int | None:
    """The sum of the four standard scores, or None until all four are rated."""
    values = list(scores)
    rated = [int(v) for v in values if v is not None]
    if len(values) != STANDARD_COUNT or len(rated) != len(values):
        return None
    for value in rated:
        if not 0 <= value <= MAX_SCORE:
            raise ValueError(f"A standard is rated 0 to {MAX_SCORE}, not {value}")
    return sum(rated)


def band(composite_score: int | None) -> Rating | None:
    """The overall rating for a composite of 0 to 12 (None stays None)."""
    if composite_score is None:
        return None
    for low, high, rating in BANDS:
        if low <= composite_score <= high:
            return rating
    raise ValueError(f"A composite is 0 to {MAX_COMPOSITE}, not {composite_score}")


def overall(scores: Sequence[int | None] | Iterable[int | None]) -> Rating | None:
    return band(composite(scores))
