"""The counting kernel shared by Kaplan–Meier and log-rank: its three time codings agree."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcosurv import _risksets


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=60), st.sampled_from([1.0, 0.5, 0.1]))
def test_codings_agree(values: list[int], step: float) -> None:
    time = np.array(values, dtype=float) * step
    sorted_grid, sorted_codes = _risksets._sorted_grid(time)
    hashed_grid, hashed_codes = _risksets._hashed_grid(time)
    np.testing.assert_array_equal(sorted_grid, np.unique(time))
    np.testing.assert_array_equal(hashed_grid, sorted_grid)
    np.testing.assert_array_equal(hashed_codes, sorted_codes)
    np.testing.assert_array_equal(sorted_grid[sorted_codes], time)
    dense = _risksets._integer_grid(time, 1)
    if step == 1.0:
        assert dense is not None
        grid, codes = dense
        np.testing.assert_array_equal(grid[codes], time)
    elif not np.all(time == np.round(time)):
        assert dense is None


def test_tabulate_counts_by_hand() -> None:
    time = np.array([3.0, 1.0, 4.0, 5.0, 1.0])
    event = np.array([True, True, True, False, False])
    entry = np.array([0.0, 0.0, 2.0, 0.0, 0.0])
    cell = np.array([0, 0, 1, 1, 1])
    table = _risksets.tabulate(time, event, cell=cell, n_cells=2, entry=entry)
    np.testing.assert_array_equal(table.times, [1.0, 3.0, 4.0, 5.0])
    np.testing.assert_array_equal(table.n_rows, [[1, 1, 0, 0], [1, 0, 1, 1]])
    np.testing.assert_array_equal(table.n_event, [[1, 1, 0, 0], [0, 0, 1, 0]])
    # Cell 1: the row entering at 2 is at risk from t > 2 only.
    np.testing.assert_array_equal(table.n_risk, [[2, 1, 0, 0], [2, 2, 2, 1]])


def test_wide_integer_range_falls_back_to_general_coding() -> None:
    time = np.array([0.0, 1e12, 5.0])
    assert _risksets._integer_grid(time, 1) is None
    table = _risksets.tabulate(time, np.array([True, False, True]))
    np.testing.assert_array_equal(table.times, [0.0, 5.0, 1e12])
    np.testing.assert_array_equal(table.n_risk, [[3, 2, 1]])
