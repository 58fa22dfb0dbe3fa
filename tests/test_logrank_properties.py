"""Log-rank family: hand-computable cases and property tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sarcosurv as ss
from sarcosurv.errors import GroupError

SETTINGS = settings(max_examples=50, deadline=None)
ALL_WEIGHTS: list[Any] = [
    "logrank",
    "wilcoxon",
    "tarone-ware",
    "peto",
    ("fleming-harrington", 1.0, 1.0),
]


@st.composite
def two_or_three_groups(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(4, 30))
    times = draw(st.lists(st.integers(1, 12), min_size=n, max_size=n))
    events = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    k = draw(st.integers(2, 3))
    groups = [i % k for i in range(n)]
    events[0] = 1
    # A late event with groups 0 and 1 still at risk keeps every weighting's variance positive.
    times += [13, 14, 14]
    events += [1, 0, 0]
    groups += [0, 1, 0]
    return pd.DataFrame({"t": np.array(times, dtype=float), "e": events, "g": groups})


def test_two_group_logrank_by_hand() -> None:
    # Times 1 (group 0 dies, 4 at risk: 2 + 2) and 2 (group 1 dies, 2 at risk: 1 + 1).
    data = pd.DataFrame({"t": [1, 2, 1, 2], "e": [1, 0, 0, 1], "g": [0, 0, 1, 1]})
    result = ss.logrank_test(data, "t", "e", "g")
    # O - E for group 0: (1 - 2/4) + (0 - 1/2) = 0; V = 1/4 + 1/4.
    np.testing.assert_allclose(result.observed, [1, 1])
    np.testing.assert_allclose(result.expected, [1.0, 1.0])
    np.testing.assert_allclose(result.variance.to_numpy(), [[0.5, -0.5], [-0.5, 0.5]])
    assert result.statistic == pytest.approx(0.0, abs=1e-15)
    assert result.df == 1
    assert result.p_value == pytest.approx(1.0)


def test_wilcoxon_weights_by_hand() -> None:
    data = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 1, 1, 1], "g": [0, 1, 0, 1]})
    result = ss.logrank_test(data, "t", "e", "g", weighting="wilcoxon")
    # U_0 = 4 (1 - 2/4) + 3 (0 - 1/3) + 2 (1 - 1/2) + 1 (0 - 0) = 2 - 1 + 1 = 2
    u0 = result.observed.iloc[0] - result.expected.iloc[0]
    assert u0 == pytest.approx(2.0)
    # V_00 = 16 (1/4) + 9 (2/9) + 4 (1/4) = 4 + 2 + 1 = 7 (each with D (N - D)/(N - 1) = 1)
    assert result.variance.iloc[0, 0] == pytest.approx(7.0)
    assert result.statistic == pytest.approx(4.0 / 7.0)


def test_degenerate_group_reduces_the_rank() -> None:
    # Group 2 leaves before the first event: its row and column of V are zero.
    data = pd.DataFrame(
        {"t": [5, 6, 7, 8, 1, 2], "e": [1, 1, 1, 1, 0, 0], "g": ["a", "b", "a", "b", "c", "c"]}
    )
    result = ss.logrank_test(data, "t", "e", "g")
    assert result.df == 1
    two = ss.logrank_test(data[data["g"] != "c"], "t", "e", "g")
    assert result.statistic == pytest.approx(two.statistic)
    assert np.all(result.variance.loc["c"].to_numpy() == 0)


def test_trend_uses_numeric_group_values_and_custom_scores() -> None:
    data = pd.DataFrame(
        {
            "t": [1, 2, 3, 4, 5, 6, 7, 8, 9],
            "e": [1, 1, 0, 1, 1, 1, 0, 1, 1],
            "dose": [0, 10, 20, 0, 10, 20, 0, 10, 20],
        }
    )
    by_value = ss.logrank_test(data, "t", "e", "dose", trend=True)
    np.testing.assert_array_equal(by_value.scores, [0, 10, 20])
    evenly = ss.logrank_test(data, "t", "e", "dose", trend=True, scores=[1, 2, 3])
    # Equally spaced scores: affine change, same statistic.
    assert by_value.statistic == pytest.approx(evenly.statistic)
    uneven = ss.logrank_test(data, "t", "e", "dose", trend=True, scores=[0, 1, 5])
    assert uneven.statistic != pytest.approx(evenly.statistic)
    assert by_value.df == 1
    assert "trend" in str(by_value)


def test_result_views() -> None:
    data = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 1, 0, 1, 1], "g": list("ababab")})
    result = ss.logrank_test(data, "t", "e", "g", weighting=("fleming-harrington", 0, 1))
    assert result.weights == "fleming-harrington(0, 1)"
    frame = result.to_frame()
    assert frame[["statistic", "df", "p_value"]].iloc[0].tolist() == [
        result.statistic,
        result.df,
        result.p_value,
    ]
    assert list(result.summary().columns[:4]) == ["n", "n_event", "observed", "expected"]
    assert result.test.p_value == result.p_value
    assert "chi-square" in str(result)


@SETTINGS
@given(two_or_three_groups(), st.sampled_from(ALL_WEIGHTS), st.integers(0, 2**31))
def test_row_permutation_invariance(data: pd.DataFrame, weights: Any, seed: int) -> None:
    shuffled = data.iloc[np.random.default_rng(seed).permutation(len(data))]
    a = ss.logrank_test(data, "t", "e", "g", weighting=weights)
    b = ss.logrank_test(shuffled, "t", "e", "g", weighting=weights)
    assert b.df == a.df
    np.testing.assert_allclose(b.statistic, a.statistic, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.variance, a.variance, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(two_or_three_groups(), st.sampled_from(ALL_WEIGHTS), st.floats(0.01, 100.0))
def test_time_rescaling_invariance(data: pd.DataFrame, weights: Any, scale: float) -> None:
    a = ss.logrank_test(data, "t", "e", "g", weighting=weights)
    b = ss.logrank_test(data.assign(t=data["t"] * scale), "t", "e", "g", weighting=weights)
    np.testing.assert_allclose(b.statistic, a.statistic, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(two_or_three_groups(), st.sampled_from(ALL_WEIGHTS))
def test_relabelling_groups_permutes_the_result(data: pd.DataFrame, weights: Any) -> None:
    relabelled = data.assign(g=data["g"].map(lambda g: f"group-{2 - g}"))
    a = ss.logrank_test(data, "t", "e", "g", weighting=weights)
    b = ss.logrank_test(relabelled, "t", "e", "g", weighting=weights)
    np.testing.assert_allclose(b.statistic, a.statistic, rtol=1e-9, atol=1e-12)
    k = len(a.observed)
    names = [f"group-{2 - g}" for g in range(k)]
    np.testing.assert_allclose(b.observed[names].to_numpy(), a.observed.to_numpy(), rtol=1e-12)


@SETTINGS
@given(two_or_three_groups())
def test_one_stratum_per_row_group_equals_unstratified(data: pd.DataFrame) -> None:
    constant = ss.logrank_test(data.assign(s=1), "t", "e", "g", strata="s")
    plain = ss.logrank_test(data, "t", "e", "g")
    np.testing.assert_allclose(constant.statistic, plain.statistic, rtol=1e-12, atol=1e-14)
    # Strata add their U and V: splitting into two strata sums the pieces.
    data = data.assign(s=(np.arange(len(data)) // 3) % 2)
    try:
        split = ss.logrank_test(data, "t", "e", "g", strata="s")
    except GroupError:  # no stratum has an event time with two groups at risk: documented
        return
    halves = [data[data["s"] == s] for s in (0, 1)]
    if all(h["g"].nunique() == data["g"].nunique() and h["e"].any() for h in halves):
        try:
            pieces = [ss.logrank_test(h, "t", "e", "g") for h in halves]
        except GroupError:  # a half where no event time has two groups at risk
            return
        total = sum(p.variance.to_numpy() for p in pieces)
        np.testing.assert_allclose(split.variance.to_numpy(), total, rtol=1e-12, atol=1e-14)
        observed = sum(p.observed.to_numpy() for p in pieces)
        np.testing.assert_allclose(split.observed.to_numpy(), observed, rtol=1e-12)


@SETTINGS
@given(two_or_three_groups())
def test_observed_minus_expected_sums_to_zero(data: pd.DataFrame) -> None:
    for weights in ALL_WEIGHTS:
        result = ss.logrank_test(data, "t", "e", "g", weighting=weights)
        assert (result.observed - result.expected).sum() == pytest.approx(0.0, abs=1e-9)
        np.testing.assert_allclose(result.variance.sum(axis=1), 0.0, atol=1e-9)
        assert result.statistic >= -1e-12
