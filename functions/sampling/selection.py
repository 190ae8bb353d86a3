"""Reproducible random selection, from its home in shared/random_selection.py (cut-off tests draw with it too)."""

from shared.random_selection import ALGORITHM, SEED_LIMIT, RandomStream, check_seed, draw, new_seed, simple_random

__all__ = ["ALGORITHM", "SEED_LIMIT", "RandomStream", "check_seed", "draw", "new_seed", "simple_random"]
