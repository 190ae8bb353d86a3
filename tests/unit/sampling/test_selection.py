"""Simple random selection: reproducible from the seed, different for another, and unbiased."""

from __future__ import annotations

from collections import Counter

import pytest

from functions.sampling import selection
from functions.sampling.problems import InvalidInput

pytestmark = pytest.mark.unit


def test_same_seed_same_items_another_seed_other_items() -> None:
    first = selection.simple_random(population_size=10_000, n=60, seed=424242)
    assert first == selection.simple_random(population_size=10_000, n=60, seed=424242)
    assert first != selection.simple_random(population_size=10_000, n=60, seed=424243)
    assert len(set(first)) == 60 and first == sorted(first)
    assert all(0 <= p < 10_000 for p in first)


def test_a_recorded_selection_still_reproduces() -> None:
    # Recorded when this recipe (ALGORITHM) was written: PCG64's raw stream and the integer recipe here do
    # not depend on NumPy's Generator methods, so a NumPy upgrade must not change it. If it ever does,
    # stored samples could no longer be recomputed: bump ALGORITHM instead of editing this list.
    assert selection.ALGORITHM == "pcg64-floyd-v1"
    assert selection.simple_random(population_size=1000, n=8, seed=2024) == RECORDED_2024


RECORDED_2024 = [30, 119, 171, 198, 610, 790, 796, 850]


def test_every_item_is_equally_likely() -> None:
    # 3,000 draws of 2 of 10: each position is expected 600 times; 500..700 is about 4.5 standard deviations.
    counts: Counter[int] = Counter()
    for seed in range(3000):
        counts.update(selection.simple_random(population_size=10, n=2, seed=seed))
    assert sorted(counts) == list(range(10))
    assert all(500 <= c <= 700 for c in counts.values())


def test_whole_population_and_bad_sizes() -> None:
    assert selection.simple_random(population_size=5, n=5, seed=1) == [0, 1, 2, 3, 4]
    with pytest.raises(InvalidInput) as caught:
        selection.simple_random(population_size=5, n=6, seed=1)
    assert (caught.value.field, caught.value.value) == ("n", 6)
    with pytest.raises(InvalidInput) as bad_seed:
        selection.simple_random(population_size=5, n=2, seed=-1)
    assert bad_seed.value.field == "seed"


def test_new_seeds_fit_json_integers() -> None:
    seeds = {selection.new_seed() for _ in range(50)}
    assert len(seeds) > 45 and all(0 <= s < 2**53 for s in seeds)
