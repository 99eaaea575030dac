"""The sampler: every region and offence category covered, the share met, the same seed and
population giving the same sample whatever order the population arrives in."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.sampling import Candidate, PickReason, coverage, draw_sample, target_size

REGIONS = [f"Region {n}" for n in range(12)]
CATEGORIES = [f"Category {n}" for n in range(11)]


@st.composite
def populations(draw: st.DrawFn) -> list[Candidate]:
    size = draw(st.integers(min_value=1, max_value=150))
    ids = draw(st.lists(st.integers(min_value=1, max_value=10**6), min_size=size, max_size=size, unique=True))
    # Skewed strata, as real populations are: some regions and categories are rare.
    regions = draw(st.lists(st.sampled_from(REGIONS), min_size=1, max_size=12, unique=True))
    categories = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=11, unique=True))
    return [Candidate(i, draw(st.sampled_from(regions)), draw(st.sampled_from(categories))) for i in ids]


shares = st.integers(min_value=1, max_value=100)
seeds = st.integers(min_value=0, max_value=2**31 - 1)


@settings(max_examples=300, deadline=None)
@given(populations(), shares, seeds)
def test_every_region_and_category_in_the_population_is_in_the_sample(
    population: list[Candidate], share: int, seed: int
) -> None:
    picks = draw_sample(population, share, seed)
    by_id = {c.id: c for c in population}
    chosen = [by_id[p.id] for p in picks]
    assert {c.region for c in chosen} == {c.region for c in population}
    assert {c.category for c in chosen} == {c.category for c in population}
    assert len({p.id for p in picks}) == len(picks)  # nobody twice
    assert set(by_id) >= {p.id for p in picks}  # only from the population


@settings(max_examples=300, deadline=None)
@given(populations(), shares, seeds)
def test_the_sample_is_the_share_rounded_up_unless_coverage_needs_more(
    population: list[Candidate], share: int, seed: int
) -> None:
    picks = draw_sample(population, share, seed)
    coverage_picks = [p for p in picks if p.reason == PickReason.COVERAGE]
    wanted = -(-len(population) * share // 100)
    assert len(picks) == max(wanted, len(coverage_picks))
    # Coverage never needs more picks than there are strata.
    strata = len({c.region for c in population}) + len({c.category for c in population})
    assert len(coverage_picks) <= strata
    # Coverage picks come first and each one adds a stratum nobody before it covered.
    assert picks[: len(coverage_picks)] == coverage_picks
    by_id = {c.id: c for c in population}
    seen_regions: set[str] = set()
    seen_categories: set[str] = set()
    for pick in coverage_picks:
        candidate = by_id[pick.id]
        assert candidate.region not in seen_regions or candidate.category not in seen_categories
        seen_regions.add(candidate.region)
        seen_categories.add(candidate.category)


@settings(max_examples=200, deadline=None)
@given(populations(), shares, seeds, st.randoms(use_true_random=False))
def test_same_population_and_seed_give_the_same_sample_in_any_order(
    population: list[Candidate], share: int, seed: int, shuffler: random.Random
) -> None:
    first = draw_sample(population, share, seed)
    shuffled = population[:]
    shuffler.shuffle(shuffled)
    assert draw_sample(shuffled, share, seed) == first


def test_different_seeds_usually_give_different_samples() -> None:
    population = [Candidate(i, REGIONS[i % 3], CATEGORIES[i % 2]) for i in range(1, 201)]
    samples = {tuple(sorted(p.id for p in draw_sample(population, 20, seed))) for seed in range(20)}
    assert len(samples) == 20


def test_random_picks_are_spread_over_the_population() -> None:
    # A 20% sample of 1,000 from one stratum: about 200 picks, and every id equally likely.
    population = [Candidate(i, "Only region", "Only category") for i in range(1, 1001)]
    counts: Counter[int] = Counter()
    for seed in range(200):
        counts.update(p.id for p in draw_sample(population, 20, seed))
    assert sum(counts.values()) == 200 * 200
    # Each id is expected 40 times; none should be wildly over- or under-picked.
    assert max(counts.values()) < 80 and min(counts.values()) > 10


def test_every_pick_says_why_in_words() -> None:
    population = [
        Candidate(1, "North West", "Murder"),
        Candidate(2, "Wales", "Murder"),
        Candidate(3, "Wales", "Arson endangering life"),
        Candidate(4, "Wales", "Rape"),
    ]
    picks = draw_sample(population, 100, seed=7)
    assert len(picks) == 4
    explanations = {p.id: p.explanation for p in picks}
    assert "the region North West" in explanations[1]
    assert any("the offence category Rape" in e for e in explanations.values())
    assert all(p.explanation for p in picks)


def test_coverage_table_counts_population_and_sample() -> None:
    population = [Candidate(1, "A", "X"), Candidate(2, "A", "Y"), Candidate(3, "B", "X")]
    regions, categories = coverage(population, [1, 3])
    assert [(r.name, r.population, r.sample, r.covered) for r in regions] == [("A", 2, 1, True), ("B", 1, 1, True)]
    assert [(r.name, r.population, r.sample) for r in categories] == [("X", 2, 2), ("Y", 1, 0)]
    assert not categories[1].covered


@pytest.mark.parametrize(("size", "share", "expected"), [(40, 20, 8), (41, 20, 9), (1, 20, 1), (0, 20, 0), (7, 100, 7)])
def test_target_size_rounds_up(size: int, share: int, expected: int) -> None:
    assert target_size(size, share) == expected


@pytest.mark.parametrize("share", [0, 101, -5])
def test_shares_outside_1_to_100_are_refused(share: int) -> None:
    with pytest.raises(ValueError):
        target_size(10, share)


def test_an_empty_population_gives_an_empty_sample() -> None:
    assert draw_sample([], 20, 1) == []


def test_a_review_twice_in_the_population_is_refused() -> None:
    with pytest.raises(ValueError):
        draw_sample([Candidate(1, "A", "X"), Candidate(1, "A", "X")], 20, 1)
