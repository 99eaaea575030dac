"""The rating scale of Annexe A: every one of the 256 combinations of four standard ratings."""

from __future__ import annotations

import itertools

import pytest

from reviews.rating import Rating, band, composite, overall

# The bands written out by hand from section 2.5, not computed from BANDS.
EXPECTED_BAND = {
    0: Rating.INADEQUATE,
    1: Rating.INADEQUATE,
    2: Rating.INADEQUATE,
    3: Rating.REQUIRES_IMPROVEMENT,
    4: Rating.REQUIRES_IMPROVEMENT,
    5: Rating.REQUIRES_IMPROVEMENT,
    6: Rating.REQUIRES_IMPROVEMENT,
    7: Rating.GOOD,
    8: Rating.GOOD,
    9: Rating.GOOD,
    10: Rating.GOOD,
    11: Rating.OUTSTANDING,
    12: Rating.OUTSTANDING,
}

ALL_COMBINATIONS = list(itertools.product(range(4), repeat=4))


def test_there_are_256_combinations() -> None:
    assert len(ALL_COMBINATIONS) == 256 == len(set(ALL_COMBINATIONS))


@pytest.mark.parametrize("scores", ALL_COMBINATIONS, ids=lambda s: "-".join(map(str, s)))
def test_every_combination_gives_the_sum_and_its_band(scores: tuple[int, int, int, int]) -> None:
    total = scores[0] + scores[1] + scores[2] + scores[3]
    assert composite(scores) == total
    assert band(total) is EXPECTED_BAND[total]
    assert overall(scores) is EXPECTED_BAND[total]


def test_band_edges_and_labels() -> None:
    assert [band(n).label for n in (2, 3, 6, 7, 10, 11)] == [
        "Inadequate",
        "Requires improvement",
        "Requires improvement",
        "Good",
        "Good",
        "Outstanding",
    ]


def test_no_composite_until_all_four_standards_are_rated() -> None:
    assert composite([3, 3, 3, None]) is None
    assert composite([3, 3, 3]) is None
    assert overall([None, None, None, None]) is None
    assert band(None) is None


@pytest.mark.parametrize("bad", [[4, 0, 0, 0], [-1, 0, 0, 0]])
def test_scores_outside_the_scale_are_refused(bad: list[int]) -> None:
    with pytest.raises(ValueError):
        composite(bad)


@pytest.mark.parametrize("bad", [-1, 13])
def test_composites_outside_0_to_12_are_refused(bad: int) -> None:
    with pytest.raises(ValueError):
        band(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", Rating.OUTSTANDING),
        ("0", Rating.INADEQUATE),
        (" good ", Rating.GOOD),
        ("Requires  improvement", Rating.REQUIRES_IMPROVEMENT),
        ("INADEQUATE", Rating.INADEQUATE),
        (2, Rating.GOOD),
        ("4", None),
        ("-1", None),
        ("2.5", None),
        ("", None),
        ("excellent", None),
        (None, None),
        (True, None),
    ],
)
def test_ratings_are_read_from_numbers_or_words(text: object, expected: Rating | None) -> None:
    assert Rating.parse(text) is expected


def test_every_rating_has_words_and_a_tag_colour() -> None:
    assert {r.label for r in Rating} == {"Outstanding", "Good", "Requires improvement", "Inadequate"}
    assert len({r.tag_class for r in Rating}) == 4
