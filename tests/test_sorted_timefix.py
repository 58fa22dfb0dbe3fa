"""The one-sort timefix merge (``with_time_codes``) equals ``aeq_times`` and tabulation's codes.

The argsort that ``with_time_codes`` shares with counting serves weighted
responses (unweighted ones are counted by value sorts, see
``test_counting_valuesort.py``), so the responses here carry case weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sarcosurv as ss
from sarcosurv.surv import TIMEFIX_TOLERANCE, Surv, aeq_times, sorted_timefix, with_time_codes


def _weighted(time: np.ndarray, event: np.ndarray) -> Surv:
    return Surv.from_arrays(time, event, weights=np.full(time.size, 1.5), timefix=False)


def _near_tied(seed: int, n: int, share: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    time = rng.exponential(100.0, n)
    tie = rng.random(n) < share
    time[tie] = time[rng.integers(0, n, tie.sum())] * (1.0 + rng.uniform(-1e-10, 1e-10, tie.sum()))
    return time


@pytest.mark.parametrize("share", [0.0, 0.05, 0.4])
def test_same_merge_and_codes(share: float) -> None:
    time = _near_tied(1, 5000, share)
    event = (np.arange(time.size) % 3 > 0).astype(int)
    surv = with_time_codes(_weighted(time, event))
    assert surv.timefix
    np.testing.assert_array_equal(surv.time, aeq_times(time)[0])
    coded = surv.time_codes()
    assert coded is not None
    grid, codes = np.unique(surv.time, return_inverse=True)  # what tabulation computes
    np.testing.assert_array_equal(coded[0], grid)
    np.testing.assert_array_equal(coded[1], codes)
    np.testing.assert_array_equal(coded[0][coded[1]], surv.time)


def test_merge_happened() -> None:
    time = np.array([1.0, 1.0 + 1e-12, 2.0, 3.0, 3.0 + 1e-9, 4.5])
    surv = with_time_codes(_weighted(time, np.ones(6, int)))
    assert surv.time.tolist() == [1.0, 1.0, 2.0, 3.0, 3.0, 4.5]
    coded = surv.time_codes()
    assert coded is not None
    assert coded[0].tolist() == [1.0, 2.0, 3.0, 4.5]
    assert coded[1].tolist() == [0, 0, 1, 2, 2, 3]


def test_codes_dropped_when_time_replaced() -> None:
    time = _near_tied(2, 200, 0.1)
    surv = with_time_codes(_weighted(time, np.ones(200, int)))
    assert surv.time_codes() is not None
    keep = np.arange(200) % 2 == 0
    assert surv.subset(keep).time_codes() is None


def test_tied_whole_numbers_take_the_plain_path() -> None:
    time = np.repeat(np.arange(1.0, 11.0), 30)
    surv = with_time_codes(_weighted(time, np.ones(time.size, int)))
    assert surv.time_codes() is None
    np.testing.assert_array_equal(surv.time, time)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e6, allow_nan=False, allow_subnormal=False), min_size=2, max_size=60),
    st.integers(0, 3),
)
def test_property_equals_aeq_times(values: list[float], copies: int) -> None:
    base = np.array(values)
    time = np.concatenate([base] + [base * (1.0 + 1e-12 * (c + 1)) for c in range(copies)])
    surv = with_time_codes(_weighted(time, np.ones(time.size, int)))
    np.testing.assert_array_equal(surv.time, aeq_times(time)[0])
    for values in (np.zeros(4), time):
        fixed, grid, codes = sorted_timefix(values, TIMEFIX_TOLERANCE)
        np.testing.assert_array_equal(fixed, aeq_times(values)[0])
        np.testing.assert_array_equal(grid[codes], fixed)
    coded = surv.time_codes()
    if coded is not None:
        np.testing.assert_array_equal(coded[0][coded[1]], surv.time)
        assert np.all(np.diff(coded[0]) > 0)


def test_kaplan_meier_unchanged_by_the_shared_sort() -> None:
    time = _near_tied(3, 3000, 0.2)
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"time": time, "event": rng.integers(0, 2, time.size)})
    fit = ss.kaplan_meier(data, "time", "event")
    fixed = aeq_times(time)[0]
    reference = ss.kaplan_meier(data.assign(time=fixed), "time", "event", timefix=False)
    pd.testing.assert_frame_equal(fit.table, reference.table, check_exact=True)


def test_all_zero_times() -> None:
    time = np.zeros(3000)
    time[::2] = 1e-300
    surv = with_time_codes(_weighted(time, np.ones(time.size, int)))
    np.testing.assert_array_equal(surv.time, aeq_times(time)[0])
    for values in (np.zeros(4), time):
        fixed, grid, codes = sorted_timefix(values, TIMEFIX_TOLERANCE)
        np.testing.assert_array_equal(fixed, aeq_times(values)[0])
        np.testing.assert_array_equal(grid[codes], fixed)
