"""Reproducible random selection: the same seed draws the same items, on any machine, any NumPy.

Sampling draws its samples with it and cut-off tests their random selections (functions/fieldwork),
so both record the same ALGORITHM and a seed recomputes either.

The bits come from NumPy's PCG64 bit generator, whose raw stream is stable across NumPy versions;
the integers are made from it here (rejection sampling, then Floyd's algorithm for n of N without
replacement), not by Generator methods whose algorithms NumPy may change. ALGORITHM names this
recipe and is stored with every sample, so a recomputation years later uses the same one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator


class InvalidInput(ValueError):
    """An input, alone or with another, that no sample can be planned, drawn or evaluated from.

    It names the input and its value, so the HTTP layer can answer 400 pointing at the field."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(f"{field}: {message} (got {value})")
        self.field, self.value, self.message = field, value, message


ALGORITHM = "pcg64-floyd-v1"
SEED_LIMIT = 2**53  # seeds stay exact integers in JSON clients (IEEE doubles)
_TWO_64 = 2**64


def new_seed() -> int:
    """A fresh seed for a sample the auditor did not give one for; it is recorded with the sample."""
    return secrets.randbelow(SEED_LIMIT)


def check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < SEED_LIMIT:
        raise InvalidInput("seed", seed, f"must be a whole number from 0 to {SEED_LIMIT - 1}")
    return seed


class RandomStream:
    """Uniform integers from PCG64(seed): r mod bound, redrawing r when it falls in the biased tail."""

    def __init__(self, seed: int) -> None:
        import numpy as np

        self._bits = np.random.PCG64(check_seed(seed))
        self._buffer: Iterator[int] = iter(())

    def _raw(self) -> int:
        for value in self._buffer:
            return value
        self._buffer = iter(int(v) for v in self._bits.random_raw(1024))
        return next(self._buffer)

    def below(self, bound: int) -> int:
        """A uniform integer in [0, bound)."""
        if bound < 1 or bound > _TWO_64:
            raise ValueError(f"bound {bound} outside 1..2**64")
        limit = _TWO_64 - _TWO_64 % bound
        while True:
            value = self._raw()
            if value < limit:
                return value % bound


def simple_random(*, population_size: int, n: int, seed: int) -> list[int]:
    """n distinct positions of N (0-based, ascending), each n-subset equally likely (Floyd 1987)."""
    if population_size < 1:
        raise InvalidInput("population_size", population_size, "must be at least 1")
    if not 1 <= n <= population_size:
        raise InvalidInput("n", n, f"must be from 1 to the population size {population_size}")
    return draw(RandomStream(seed), population_size, n)


def draw(stream: RandomStream, population_size: int, n: int) -> list[int]:
    """Floyd's algorithm on an open stream: n distinct positions of N, ascending."""
    chosen: set[int] = set()
    for upper in range(population_size - n, population_size):
        pick = stream.below(upper + 1)
        chosen.add(upper if pick in chosen else pick)
    return sorted(chosen)
