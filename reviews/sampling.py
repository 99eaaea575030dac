"""Drawing the sample of SFO reviews the Inspectorate will quality-assure: pure functions.

The consultation: about 20% of reviews, "selected at random", with extra parameters so the
sample covers every geographical area and varies by offence type. So the draw is:

1. Put the population in a random order decided by the seed alone (sorted by id first, so
   the order the population arrives in never matters).
2. Coverage: while some region or offence category present in the population has no review
   in the sample, take the review (first in the random order) that covers the most of the
   missing strata. Every region and category therefore ends up in the sample.
3. Fill up to the chosen share (rounded up) with the next reviews in the random order.

Same population and seed, same sample. Each pick carries the reason it was made, in words.
"""

from __future__ import annotations

import enum
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DEFAULT_SHARE_PERCENT = 20
MAX_SEED = 2**31 - 1


class PickReason(enum.StrEnum):
    COVERAGE = "coverage"
    RANDOM = "random"


@dataclass(frozen=True)
class Candidate:
    """A review in the population: its id and the strata it belongs to (by name)."""

    id: int
    region: str
    category: str


@dataclass(frozen=True)
class Pick:
    id: int
    reason: PickReason
    explanation: str


@dataclass(frozen=True)
class CoverageRow:
    name: str
    population: int
    sample: int

    @property
    def covered(self) -> bool:
        return self.sample > 0


def target_size(population_size: int, share_percent: int) -> int:
    """The share of the population, rounded up, so the sample is never smaller than asked."""
    if not 1 <= share_percent <= 100:
        raise ValueError("The share is a whole percentage from 1 to 100")
    return min(population_size, -(-population_size * share_percent // 100))


def draw_sample(population: Sequence[Candidate], share_percent: int, seed: int) -> list[Pick]:
    """The sample, in the order it was picked (coverage picks first, then random ones)."""
    if len({c.id for c in population}) != len(population):
        raise ValueError("Each review may appear in the population once")
    order = sorted(population, key=lambda c: c.id)
    random.Random(seed).shuffle(order)  # nosec B311 - reproducible sampling, not security

    picks: list[Pick] = []
    picked: set[int] = set()
    missing_regions = {c.region for c in order}
    missing_categories = {c.category for c in order}
    while missing_regions or missing_categories:
        best: Candidate | None = None
        best_gain = 0
        for candidate in order:
            if candidate.id in picked:
                continue
            gain = (candidate.region in missing_regions) + (candidate.category in missing_categories)
            if gain > best_gain:
                best, best_gain = candidate, gain
                if gain == 2:
                    break
        assert best is not None  # every missing stratum has a member in the population
        picks.append(
            Pick(best.id, PickReason.COVERAGE, _coverage_explanation(best, missing_regions, missing_categories))
        )
        picked.add(best.id)
        missing_regions.discard(best.region)
        missing_categories.discard(best.category)

    wanted = max(target_size(len(order), share_percent), len(picks))
    for candidate in order:
        if len(picks) >= wanted:
            break
        if candidate.id not in picked:
            picks.append(Pick(candidate.id, PickReason.RANDOM, "Drawn at random"))
            picked.add(candidate.id)
    return picks


def _coverage_explanation(candidate: Candidate, regions: set[str], categories: set[str]) -> str:
    parts = []
    if candidate.region in regions:
        parts.append(f"the region {candidate.region}")
    if candidate.category in categories:
        parts.append(f"the offence category {candidate.category}")
    return "Drawn so the sample covers " + " and ".join(parts)


def coverage(
    population: Iterable[Candidate], sampled_ids: Iterable[int]
) -> tuple[list[CoverageRow], list[CoverageRow]]:
    """Population against sample, per region and per offence category (sorted by name)."""
    members = list(population)
    chosen = set(sampled_ids)
    tables = []
    for key in ("region", "category"):
        in_population = Counter(getattr(c, key) for c in members)
        in_sample = Counter(getattr(c, key) for c in members if c.id in chosen)
        tables.append([CoverageRow(name, in_population[name], in_sample[name]) for name in sorted(in_population)])
    return tables[0], tables[1]
