"""The fast quantile path for monotone curves equals the general algorithm (issue 17)."""

from __future__ import annotations

import numpy as np
import pytest

from sarcosurv.km import FLAT_TOLERANCE as TOL
from sarcosurv.km import general_quantiles, monotone_quantiles

LEVELS = [0.0, 0.25, 0.5, 0.5 + TOL / 3, 0.75, 1.0, TOL, TOL / 2]


def _curves(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sizes = rng.integers(1, 8, rng.integers(1, 5))
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.intp)
    times = np.concatenate([np.sort(rng.choice(np.arange(9.0), s)) for s in sizes])
    pieces = []
    for s in sizes:
        values = np.sort(rng.choice([1.0, 0.75, 0.6, 0.5, 0.5 + TOL / 2, 0.25, 0.0], s))[::-1]
        values = values.copy()
        if rng.random() < 0.4:  # bands are missing where S = 0 or 1
            values[rng.integers(0, s, rng.integers(1, 3))] = np.nan
        pieces.append(values)
    return times, np.concatenate(pieces), offsets


@pytest.mark.parametrize("seed", range(20))
def test_monotone_path_equals_the_general_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    used = 0
    for _ in range(100):
        times, curve, offsets = _curves(rng)
        for p in LEVELS:
            fast = monotone_quantiles(times, curve, offsets, p, TOL)
            if fast is None:
                continue
            used += 1
            np.testing.assert_array_equal(fast, general_quantiles(times, curve, offsets, p))
    assert used > 100


def test_a_rising_curve_goes_to_the_general_path() -> None:
    times = np.array([1.0, 2.0, 3.0])
    curve = np.array([0.9, 0.4, 0.6])
    offsets = np.array([0, 3], dtype=np.intp)
    assert monotone_quantiles(times, curve, offsets, 0.5, TOL) is None
