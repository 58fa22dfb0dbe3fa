"""Kaplan–Meier cases small enough to compute by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sarcosurv as ss

Z = stats.norm.ppf(0.975)


@pytest.fixture
def six() -> pd.DataFrame:
    # Event times 1, 2, 3, 5; censored at 2 and 4.
    return pd.DataFrame({"t": [1, 2, 2, 3, 4, 5], "e": [1, 1, 0, 1, 0, 1]})


def test_product_limit_and_greenwood_by_hand(six: pd.DataFrame) -> None:
    km = ss.kaplan_meier(six, "t", "e", conf_type="log")
    table = km.table
    assert list(table.columns) == [
        "time",
        "n_risk",
        "n_event",
        "n_censor",
        "survival",
        "std_err",
        "lower",
        "upper",
    ]
    np.testing.assert_array_equal(table["time"], [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(table["n_risk"], [6, 5, 3, 2, 1])
    np.testing.assert_array_equal(table["n_event"], [1, 1, 1, 0, 1])
    np.testing.assert_array_equal(table["n_censor"], [0, 1, 0, 1, 0])
    np.testing.assert_allclose(table["survival"], [5 / 6, 2 / 3, 4 / 9, 4 / 9, 0.0], rtol=1e-14)
    # Var[log S(3)] = 1/(6*5) + 1/(5*4) + 1/(3*2) = 1/4, so SE(S(3)) = 4/9 * 1/2.
    assert table["std_err"].iloc[2] == pytest.approx(2 / 9, rel=1e-14)
    assert table["lower"].iloc[2] == pytest.approx(4 / 9 * np.exp(-Z * 0.5), rel=1e-14)
    assert table["upper"].iloc[2] == pytest.approx(min(1.0, 4 / 9 * np.exp(Z * 0.5)), rel=1e-14)
    # Everyone at risk at t = 5 dies: Greenwood is infinite, SE(S) and the log band undefined.
    assert np.isnan(table["std_err"].iloc[4])
    assert np.isnan(table["lower"].iloc[4])


def test_plain_and_loglog_limits_by_hand(six: pd.DataFrame) -> None:
    s, se_log = 4 / 9, 0.5
    plain = ss.kaplan_meier(six, "t", "e", conf_type="plain").table.iloc[2]
    assert plain["lower"] == pytest.approx(s - Z * s * se_log, rel=1e-14)
    assert plain["upper"] == pytest.approx(s + Z * s * se_log, rel=1e-14)
    loglog = ss.kaplan_meier(six, "t", "e").table.iloc[2]
    half = Z * se_log / np.log(s)
    assert loglog["lower"] == pytest.approx(np.exp(-np.exp(np.log(-np.log(s)) - half)))
    assert loglog["upper"] == pytest.approx(np.exp(-np.exp(np.log(-np.log(s)) + half)))


def test_left_truncation_by_hand() -> None:
    data = pd.DataFrame({"entry": [0, 0, 2, 0], "t": [3, 1, 4, 5], "e": [1, 1, 1, 0]})
    table = ss.kaplan_meier(data, "t", "e", entry="entry").table
    # At t = 1 the row entering at 2 is not yet at risk.
    np.testing.assert_array_equal(table["n_risk"], [3, 3, 2, 1])
    np.testing.assert_allclose(table["survival"], [2 / 3, 4 / 9, 2 / 9, 2 / 9], rtol=1e-14)


def test_median_and_symmetric_interval_by_hand(six: pd.DataFrame) -> None:
    km = ss.kaplan_meier(six, "t", "e")
    assert km.median()["median"].iloc[0] == 3.0
    # Collett's density: u = 2 (S = 2/3 >= 0.55), l = 3 (S = 4/9 <= 0.45), so
    # f = (2/3 - 4/9) / (3 - 2) = 2/9 and SE = SE(S(3)) / f = (2/9) / (2/9) = 1.
    sym = km.median(ci_method="symmetric").iloc[0]
    assert sym["std_err"] == pytest.approx(1.0, rel=1e-12)
    assert sym["lower"] == pytest.approx(3 - Z, rel=1e-12)
    assert sym["upper"] == pytest.approx(3 + Z, rel=1e-12)


def test_median_not_reached_is_nan() -> None:
    data = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 0, 0, 0]})
    median = ss.kaplan_meier(data, "t", "e").median()
    assert median[["median", "upper"]].isna().all(axis=None)
    sym = ss.kaplan_meier(data, "t", "e").median(ci_method="symmetric")
    assert sym[["median", "lower", "upper"]].isna().all(axis=None)


def test_flat_stretch_midpoint_rule() -> None:
    # S = 0.5 exactly on [4, 5): the median is the midpoint, 4.5, as in R.
    data = pd.DataFrame({"t": np.arange(1, 9), "e": np.ones(8, dtype=int)})
    assert ss.kaplan_meier(data, "t", "e").median()["median"].iloc[0] == 4.5
    # The curve ends at exactly 0.5: midpoint of the time it got there and the last time.
    data = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 1, 0, 0]})
    assert ss.kaplan_meier(data, "t", "e").median()["median"].iloc[0] == 3.0


def test_quantile_several_probabilities(six: pd.DataFrame) -> None:
    q = ss.kaplan_meier(six, "t", "e").quantile([0.1, 0.5, 0.9])
    assert list(q.columns) == ["p", "quantile", "lower", "upper"]
    np.testing.assert_array_equal(q["quantile"], [1.0, 3.0, 5.0])


def test_survival_at_step_semantics(six: pd.DataFrame) -> None:
    km = ss.kaplan_meier(six, "t", "e")
    at = km.survival_at([0, 0.5, 2, 2.5, 5, 6])
    np.testing.assert_allclose(at["survival"][:5], [1, 1, 2 / 3, 2 / 3, 0])
    # n_risk is the number at risk at that time: rows with time >= t.
    np.testing.assert_array_equal(at["n_risk"], [6, 6, 5, 3, 1, 0])
    assert np.isnan(at["survival"].iloc[5])  # after the last observation, not extended
    extended = km.survival_at([6], extend=True)
    assert extended["survival"].iloc[0] == 0.0
    assert extended["n_risk"].iloc[0] == 0
    assert list(at.columns)[:5] == ["time", "survival", "lower", "upper", "n_risk"]


def test_groups_from_several_columns() -> None:
    data = pd.DataFrame(
        {
            "t": [1, 2, 3, 4, 5, 6, 7, 8],
            "e": [1, 0, 1, 1, 0, 1, 1, 1],
            "arm": ["a", "a", "b", "b", "a", "a", "b", "b"],
            "sex": [1, 1, 1, 1, 2, 2, 2, 2],
        }
    )
    km = ss.kaplan_meier(data, "t", "e", by=["arm", "sex"])
    assert km.groups["group"].tolist() == [
        "arm=a, sex=1",
        "arm=a, sex=2",
        "arm=b, sex=1",
        "arm=b, sex=2",
    ]
    assert list(km.table.columns[:3]) == ["group", "arm", "sex"]
    assert km.groups["n"].tolist() == [2, 2, 2, 2]
    single = ss.kaplan_meier(data[data["arm"] == "b"], "t", "e", by="sex")
    both = km.table[km.table["arm"] == "b"]
    np.testing.assert_allclose(single.table["survival"], both["survival"])
    assert "arm=a, sex=1" in str(km)


def test_categorical_group_order_is_kept() -> None:
    data = pd.DataFrame(
        {
            "t": [1, 2, 3, 4],
            "e": [1, 1, 1, 1],
            "g": pd.Categorical(["lo", "hi", "lo", "hi"], categories=["lo", "hi", "unused"]),
        }
    )
    km = ss.kaplan_meier(data, "t", "e", by="g")
    assert km.groups["group"].tolist() == ["lo", "hi"]


def test_boolean_event_and_weights_as_counts() -> None:
    data = pd.DataFrame({"t": [1.0, 2.0, 3.0], "e": [True, False, True], "w": [2.0, 1.0, 1.0]})
    table = ss.kaplan_meier(data, "t", "e", weights="w").table
    np.testing.assert_allclose(table["n_risk"], [4, 2, 1])
    np.testing.assert_allclose(table["survival"], [0.5, 0.5, 0.0])


def test_summary_and_frames(six: pd.DataFrame) -> None:
    km = ss.kaplan_meier(six, "t", "e")
    summary = km.summary()
    assert summary[["n", "n_event", "median"]].iloc[0].tolist() == [6, 4, 3.0]
    pd.testing.assert_frame_equal(km.to_frame(), km.table)
    assert km.n_excluded == 0
    assert "Kaplan–Meier" in str(km)
