"""Median follow-up by reverse Kaplan–Meier (the R reference is in test_km_reference.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss


def test_reverse_km_swaps_events_and_censorings() -> None:
    data = pd.DataFrame({"t": [2, 4, 6, 8, 10], "e": [1, 0, 1, 0, 0]})
    follow = ss.median_followup(data, "t", "e")
    reverse = follow.reverse_km.table
    np.testing.assert_array_equal(reverse["n_event"], [0, 1, 0, 1, 1])
    # Censoring "survival": 1 at 2, 3/4 at 4, 3/4 at 6, 3/8 at 8, 0 at 10 -> median 8.
    np.testing.assert_allclose(reverse["survival"], [1, 0.75, 0.75, 0.375, 0.0])
    assert follow.median == 8.0
    assert follow.n == 5
    assert follow.n_censored == 3
    assert "Median follow-up" in str(follow)
    assert follow.summary()["median"].iloc[0] == 8.0


def test_followup_equals_kaplan_meier_of_the_censoring() -> None:
    rng = np.random.default_rng(7)
    data = pd.DataFrame({"t": rng.integers(1, 60, 200), "e": rng.integers(0, 2, 200)})
    follow = ss.median_followup(data, "t", "e", conf_type="log")
    direct = ss.kaplan_meier(data.assign(c=1 - data["e"]), "t", "c", conf_type="log").median()
    assert follow.median == direct["median"].iloc[0]
    assert follow.lower == direct["lower"].iloc[0]
    assert follow.upper == direct["upper"].iloc[0]


def test_symmetric_interval_option() -> None:
    rng = np.random.default_rng(8)
    data = pd.DataFrame({"t": rng.exponential(30, 300), "e": rng.integers(0, 2, 300)})
    follow = ss.median_followup(data, "t", "e", ci_method="symmetric")
    assert follow.lower < follow.median < follow.upper
    assert follow.median - follow.lower == pytest.approx(follow.upper - follow.median)
