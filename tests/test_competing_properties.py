"""Property tests of the Aalen–Johansen estimator and Gray's test (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sarcosurv as ss

SETTINGS = settings(max_examples=25, deadline=None)
VALUES = ["n_risk", "n_event", "cif", "std_err", "lower", "upper"]


@st.composite
def competing_data(draw: st.DrawFn, max_rows: int = 30) -> pd.DataFrame:
    """Tied integer times, causes 0..3 (cause 1 always present), two groups, delayed entry."""
    n = draw(st.integers(2, max_rows))
    times = draw(st.lists(st.integers(1, 12), min_size=n, max_size=n))
    causes = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n))
    fraction = draw(st.lists(st.sampled_from([0.0, 0.0, 0.3, 0.6]), min_size=n, max_size=n))
    causes[0] = 1
    t = np.array(times, dtype=float)
    return pd.DataFrame(
        {"t": t, "e": causes, "g": groups, "entry": np.floor(t * np.array(fraction))}
    )


@SETTINGS
@given(competing_data(), st.booleans())
def test_incidences_and_survival_sum_to_one(data: pd.DataFrame, truncated: bool) -> None:
    entry = "entry" if truncated else None
    ci = ss.cumulative_incidence(data, "t", "e", entry=entry)
    data = data.assign(any=(data["e"] > 0).astype(int))
    km = ss.kaplan_meier(data, "t", "any", entry=entry)
    total = ci.table.groupby("time")["cif"].sum().to_numpy()
    np.testing.assert_allclose(total + km.table["survival"].to_numpy(), 1.0, atol=1e-12)


@SETTINGS
@given(competing_data(), st.booleans())
def test_one_cause_is_one_minus_kaplan_meier(data: pd.DataFrame, truncated: bool) -> None:
    entry = "entry" if truncated else None
    data = data.assign(e=(data["e"] > 0).astype(int))
    ci = ss.cumulative_incidence(data, "t", "e", by="g", entry=entry)
    km = ss.kaplan_meier(data, "t", "e", by="g", entry=entry)
    np.testing.assert_allclose(ci.table["cif"], 1.0 - km.table["survival"], atol=1e-12)
    np.testing.assert_allclose(ci.table["n_risk"], km.table["n_risk"])


@SETTINGS
@given(competing_data(), st.booleans())
def test_row_order_does_not_matter(data: pd.DataFrame, truncated: bool) -> None:
    entry = "entry" if truncated else None
    shuffled = data.sample(frac=1.0, random_state=np.random.RandomState(7))
    a = ss.cumulative_incidence(data, "t", "e", by="g", entry=entry).table
    b = ss.cumulative_incidence(shuffled, "t", "e", by="g", entry=entry).table
    for column in VALUES:
        np.testing.assert_allclose(a[column], b[column], rtol=1e-12, atol=1e-14, equal_nan=True)


@SETTINGS
@given(competing_data(), st.booleans())
def test_weight_two_is_a_duplicated_row(data: pd.DataFrame, truncated: bool) -> None:
    entry = "entry" if truncated else None
    weighted = data.assign(w=np.where(np.arange(len(data)) % 2 == 0, 2.0, 1.0))
    duplicated = pd.concat([data, data.iloc[::2]], ignore_index=True)
    a = ss.cumulative_incidence(weighted, "t", "e", by="g", entry=entry, weights="w").table
    b = ss.cumulative_incidence(duplicated, "t", "e", by="g", entry=entry).table
    # The IJ standard error counts a weight-2 row as one subject (as R does), so
    # only the estimates and counts must agree.
    for column in ("n_risk", "n_event", "cif"):
        np.testing.assert_allclose(a[column], b[column], rtol=1e-12, atol=1e-14)


@pytest.mark.filterwarnings("ignore::sarcosurv.errors.SarcosurvWarning")
@SETTINGS
@given(competing_data())
def test_gray_statistic_does_not_depend_on_row_order(data: pd.DataFrame) -> None:
    if data["g"].nunique() < 2:
        return
    shuffled = data.sample(frac=1.0, random_state=np.random.RandomState(3))
    a = ss.gray_test(data.assign(e=np.minimum(data["e"], 1)), "t", "e", by="g")
    b = ss.gray_test(shuffled.assign(e=np.minimum(shuffled["e"], 1)), "t", "e", by="g")
    np.testing.assert_allclose(a.statistic, b.statistic, rtol=1e-10, equal_nan=True)


def test_finegray_without_competing_events_is_a_breslow_cox_model() -> None:
    rng = np.random.default_rng(5)
    n = 150
    data = pd.DataFrame(
        {
            "t": np.ceil(rng.exponential(10, n)),
            "e": rng.integers(0, 2, n),
            "x": rng.normal(size=n),
            "z": rng.integers(0, 2, n).astype(float),
        }
    )
    fg = ss.finegray("Surv(t, e) ~ x + z", data, cause=1)
    cox = ss.coxph("Surv(t, e) ~ x + z", data, ties="breslow")
    np.testing.assert_allclose(fg.params.to_numpy(), cox.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fg.naive_std_err.to_numpy(), cox.std_err.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fg.loglik, cox.loglik, rtol=1e-10)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_finegray_does_not_depend_on_row_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    data = pd.DataFrame(
        {
            "t": np.ceil(rng.exponential(5, n)),
            "e": rng.integers(0, 3, n),
            "x": rng.normal(size=n),
        }
    )
    data.loc[0, "e"] = 1
    shuffled = data.sample(frac=1.0, random_state=np.random.RandomState(seed))
    a = ss.finegray("Surv(t, e) ~ x", data)
    b = ss.finegray("Surv(t, e) ~ x", shuffled)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.std_err, b.std_err, rtol=1e-9)
