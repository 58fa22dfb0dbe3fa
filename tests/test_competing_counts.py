"""Per-cause counts from the counting layer, and zero case weights in the Aalen–Johansen fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

import sarcosurv as ss
from sarcosurv.competing import cause_counts as counts


def test_counts_hand_worked() -> None:
    # times 1, 2, 2, 3, 3 with codes 1, 2, 0, 1, 0 in two cells, entry at 0
    time = np.array([1.0, 2.0, 2.0, 3.0, 3.0])
    code = np.array([1, 2, 0, 1, 0])
    cell = np.array([0, 0, 1, 1, 0])
    table = counts(time, code, 2, cell=cell, n_cells=2, weights=np.array([1, 2, 3, 4, 5.0]))
    np.testing.assert_array_equal(table.times, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(table.n_rows, [[1, 1, 1], [0, 1, 1]])
    # cell 0: censored weight 5 at t=3; cause 1 weight 1 at t=1; cause 2 weight 2 at t=2
    np.testing.assert_array_equal(table.n_leave[0], [[0, 0, 5], [1, 0, 0], [0, 2, 0]])
    np.testing.assert_array_equal(table.n_leave[1], [[0, 3, 0], [0, 0, 4], [0, 0, 0]])
    np.testing.assert_array_equal(table.n_risk, [[8, 7, 5], [7, 7, 4]])
    np.testing.assert_array_equal(table.n_event[1], [[0, 2, 0], [0, 0, 0]])


def test_single_cause_counts() -> None:
    table = counts(np.array([1.0, 2.0, 2.0]), np.array([1, 0, 1]), 1)
    np.testing.assert_array_equal(table.n_leave[0], [[0, 1], [1, 1]])
    assert table.n_event.shape == (1, 1, 2)


def test_zero_weight_rows_change_no_estimate() -> None:
    rng = np.random.default_rng(4)
    n = 120
    data = pd.DataFrame(
        {
            "t": rng.integers(1, 15, n).astype(float),
            "e": rng.integers(0, 3, n),
            "g": rng.choice(["a", "b"], n),
            "w": np.where(rng.uniform(size=n) < 0.2, 0.0, rng.uniform(0.5, 2.0, n)),
        }
    )
    weighted = ss.cumulative_incidence(data, "t", "e", by="g", weights="w")
    dropped = ss.cumulative_incidence(data[data["w"] > 0], "t", "e", by="g", weights="w")
    times = np.arange(1.0, 14.0)
    a, b = weighted.at(times), dropped.at(times)
    for column in ("cif", "std_err", "lower", "upper"):
        np.testing.assert_allclose(a[column], b[column], rtol=1e-12, err_msg=column)
