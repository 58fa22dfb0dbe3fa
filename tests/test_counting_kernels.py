"""The shared counting-layer kernels: risk sets, per-cell sums, tie weights, Gram, solve."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcosurv.counting.linalg import blocked_gram, inverse_or_pinv, solve_or_pinv, tie_weights
from sarcosurv.counting.risksets import build_risk_sets, cell_layout


def _brute_s0(stop, start, event, strata, values, times, time_strata):  # type: ignore[no-untyped-def]
    return np.array(
        [
            values[(strata == s) & (start < t) & (stop >= t)].sum()
            for t, s in zip(times, time_strata, strict=True)
        ]
    )


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 40),
    seed=st.integers(0, 10_000),
    counting=st.booleans(),
    n_strata=st.integers(1, 3),
)
def test_cell_sums_equal_risk_set_sums_by_brute_force(
    n: int, seed: int, counting: bool, n_strata: int
) -> None:
    """Per-cell tabulated sums with cell multipliers = row-by-row sums over each risk set."""
    rng = np.random.default_rng(seed)
    stop = rng.integers(1, 8, n).astype(float)
    start = stop - rng.integers(1, 4, n) if counting else np.full(n, -np.inf)
    event = rng.uniform(size=n) < 0.6
    event[0] = True
    strata = rng.integers(0, n_strata, n)
    cell = rng.integers(0, 4, n)
    scale, factor = rng.uniform(0.5, 2.0, n), rng.uniform(0.5, 2.0, 4)
    sets = build_risk_sets(stop, event, start=start if counting else None, strata=strata)
    layout = cell_layout(sets, cell[sets.order], 4)
    s0, d0 = layout.fill(scale[sets.order]).risk_sums(factor)
    values = scale * factor[cell]
    expected = _brute_s0(stop, start, event, strata, values, sets.group_time, sets.group_stratum)
    np.testing.assert_allclose(s0, expected, rtol=1e-12)
    np.testing.assert_allclose(sets.sums(values[sets.order])[0], expected, rtol=1e-12)
    events_at = [
        values[event & (strata == s) & (stop == t)].sum()
        for t, s in zip(sets.group_time, sets.group_stratum, strict=True)
    ]
    np.testing.assert_allclose(d0, events_at, rtol=1e-12)


def test_cell_totals_are_the_hazard_sums_per_cell() -> None:
    rng = np.random.default_rng(5)
    n = 30
    stop = rng.integers(1, 9, n).astype(float)
    start = stop - rng.integers(1, 5, n)
    event = rng.uniform(size=n) < 0.5
    event[0] = True
    cell = rng.integers(0, 3, n)
    sets = build_risk_sets(stop, event, start=start)
    sums = cell_layout(sets, cell[sets.order], 3).fill(np.ones(n))
    increment = rng.uniform(size=sets.n_groups)
    exit_total, entry_total = sums.cell_totals(increment, None)
    hazard = np.array([increment[sets.group_time <= t].sum() for t in stop])
    before = np.array([increment[sets.group_time <= s].sum() for s in start])
    np.testing.assert_allclose(exit_total, np.bincount(cell, weights=hazard, minlength=3))
    np.testing.assert_allclose(entry_total, np.bincount(cell, weights=before, minlength=3))


def test_tie_weights() -> None:
    group = np.array([0, 0, 0, 1])
    position = np.array([0.0, 1 / 3, 2 / 3, 0.0])
    w = np.array([1.0, 2.0, 6.0, 5.0])
    mean, fraction = tie_weights(group, position, w, "efron")
    np.testing.assert_allclose(mean, [3.0, 3.0, 3.0, 5.0])
    np.testing.assert_allclose(fraction, position)
    own, zero = tie_weights(group, position, w, "breslow")
    np.testing.assert_allclose(own, w)
    assert not zero.any()


@pytest.mark.parametrize("signed", [False, True])
def test_blocked_gram_equals_the_dense_product(signed: bool) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(1000, 4))
    w = rng.normal(size=1000) if signed else rng.uniform(size=1000)
    np.testing.assert_allclose(blocked_gram(x, w, block=64), x.T @ (x * w[:, None]), rtol=1e-10)
    np.testing.assert_allclose(blocked_gram(x, block=64), x.T @ x, rtol=1e-12)


def test_solve_falls_back_to_the_pseudo_inverse() -> None:
    singular = np.array([[1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(solve_or_pinv(singular, np.array([2.0, 2.0])), [1.0, 1.0])
    np.testing.assert_allclose(inverse_or_pinv(singular), np.linalg.pinv(singular))
    regular = np.array([[2.0, 0.0], [0.0, 4.0]])
    np.testing.assert_allclose(inverse_or_pinv(regular), np.diag([0.5, 0.25]))
