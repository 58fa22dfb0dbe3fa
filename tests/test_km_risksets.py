"""The counting kernel shared by Kaplan–Meier and log-rank: its three time codings agree."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sarcosurv as ss
from conftest import load_dataset

# The module (counting.tabulate), not the function of the same name exported by the package.
_risksets = importlib.import_module("sarcosurv.counting.tabulate")


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


def test_block_by_block_counting_matches_dense(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many cells × many distinct times switch to counting one block at a time."""
    lung = load_dataset("lung").assign(status=lambda d: d["status"] - 1)
    dense_km = ss.kaplan_meier(lung, "time", "status", by=["sex", "ph.ecog"], entry=None)
    dense_lr = ss.logrank_test(lung, "time", "status", "ph.ecog", strata="sex", weighting="peto")
    monkeypatch.setattr(_risksets, "_DENSE_FACTOR", 0)
    monkeypatch.setattr(_risksets, "_DENSE_MINIMUM", 0)
    blocked_km = ss.kaplan_meier(lung, "time", "status", by=["sex", "ph.ecog"])
    blocked_lr = ss.logrank_test(lung, "time", "status", "ph.ecog", strata="sex", weighting="peto")
    pd.testing.assert_frame_equal(blocked_km.table, dense_km.table)
    assert blocked_lr.statistic == pytest.approx(dense_lr.statistic, rel=1e-12)
    np.testing.assert_allclose(blocked_lr.variance, dense_lr.variance, rtol=1e-12, atol=1e-14)


def test_per_cause_event_counts() -> None:
    from sarcosurv.counting import tabulate, tabulate_blocks

    time = np.array([2.0, 1.0, 2.0, 3.0, 2.0, 1.0])
    cause = np.array([1, 1, 0, 2, 2, 0])
    weights = np.array([1.0, 2.0, 1.0, 1.0, 0.5, 1.0])
    table = tabulate(time, cause, weights=weights, n_causes=2)
    assert table.n_event_cause is not None
    np.testing.assert_array_equal(table.times, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(table.n_event_cause[0], [[2.0, 1.0, 0.0]])
    np.testing.assert_array_equal(table.n_event_cause[1], [[0.0, 0.5, 1.0]])
    np.testing.assert_array_equal(table.n_event_cause.sum(axis=0), table.n_event)
    np.testing.assert_array_equal(table.n_risk, [[6.5, 3.5, 1.0]])
    cell = np.array([0, 1, 0, 1, 1, 0])
    blocks = tabulate_blocks(time, cause, cell=cell, n_cells=2, n_causes=2)
    np.testing.assert_array_equal(
        blocks[1].n_event_cause[:, 0, :], [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]
    )
    assert tabulate(time, cause > 0).n_event_cause is None
