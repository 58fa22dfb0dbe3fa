"""Invariances of the Cox fit (hypothesis): rows, location, scale, time, weights."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import sarcosurv as ss
from sarcosurv.errors import SarcosurvWarning

SETTINGS = settings(max_examples=25, deadline=None)
FORMULA = "Surv(time, status) ~ x + z + g"
#: A tight Newton tolerance, so that two fits reached along different paths agree to ~1e-10.
EPS = 1e-12


@st.composite
def cox_data(draw: st.DrawFn, min_rows: int = 15, max_rows: int = 40) -> pd.DataFrame:
    """Tied integer times, two continuous covariates and a binary one."""
    n = draw(st.integers(min_rows, max_rows))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(0.0, 1.0, n)
    z = rng.uniform(-2.0, 2.0, n)
    g = rng.integers(0, 2, n)
    hazard = np.exp(0.5 * x - 0.3 * z + 0.4 * g)
    survival = np.ceil(rng.exponential(5.0 / hazard))
    censor = rng.integers(1, 15, n)
    return pd.DataFrame(
        {
            "time": np.minimum(survival, censor).astype(float),
            "status": (survival <= censor).astype(int),
            "x": x,
            "z": z,
            "g": g.astype(float),
        }
    )


def fit(data: pd.DataFrame, **kwargs: Any) -> ss.CoxResult:
    return ss.coxph(FORMULA, data, eps=EPS, **kwargs)


def fit_or_skip(data: pd.DataFrame, formula: str = FORMULA, **kwargs: Any) -> ss.CoxResult:
    """Fit; examples the package warns about (monotone likelihood, ...) are not drawn."""
    assume(int(data["status"].sum()) >= 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = ss.coxph(formula, data, eps=EPS, **kwargs)
    assume(not any(issubclass(w.category, SarcosurvWarning) for w in caught))
    assume(bool(np.all(np.abs(result.params) < 5)))
    return result


def assert_same_fit(a: ss.CoxResult, b: ss.CoxResult, rtol: float = 1e-8) -> None:
    np.testing.assert_allclose(a.params, b.params, rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(a.std_err, b.std_err, rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-10)


@SETTINGS
@given(cox_data(), st.integers(0, 2**32 - 1), st.sampled_from(["efron", "breslow"]))
def test_row_permutation_invariance(data: pd.DataFrame, seed: int, ties: str) -> None:
    base = fit_or_skip(data, ties=ties)
    order = np.random.default_rng(seed).permutation(len(data))
    shuffled = fit(data.iloc[order], ties=ties)  # type: ignore[arg-type]
    assert_same_fit(base, shuffled)
    np.testing.assert_allclose(base.concordance, shuffled.concordance, rtol=1e-12)


@SETTINGS
@given(cox_data(), st.floats(-1e3, 1e3, allow_nan=False), st.sampled_from(["x", "z", "g"]))
def test_adding_a_constant_to_a_covariate(data: pd.DataFrame, shift: float, column: str) -> None:
    base = fit_or_skip(data)
    shifted = fit(data.assign(**{column: data[column] + shift}))
    assert_same_fit(base, shifted, rtol=1e-7)


@SETTINGS
@given(
    cox_data(),
    st.floats(1e-3, 1e3).map(lambda c: c * (1 if c > 0.5 else -1)),
    st.sampled_from(["x", "z", "g"]),
)
def test_scaling_a_covariate_scales_its_coefficient(
    data: pd.DataFrame, scale: float, column: str
) -> None:
    base = fit_or_skip(data)
    scaled = fit(data.assign(**{column: data[column] * scale}))
    expected = base.params.copy()
    expected[column] /= scale
    np.testing.assert_allclose(scaled.params, expected, rtol=1e-7, atol=1e-10)
    se = base.std_err.copy()
    se[column] /= abs(scale)
    np.testing.assert_allclose(scaled.std_err, se, rtol=1e-7)
    np.testing.assert_allclose(scaled.loglik, base.loglik, rtol=1e-10)
    np.testing.assert_allclose(
        scaled.tests.likelihood_ratio.statistic,  # type: ignore[union-attr]
        base.tests.likelihood_ratio.statistic,  # type: ignore[union-attr]
        rtol=1e-7,
        atol=1e-9,
    )


@SETTINGS
@given(cox_data(), st.floats(1e-3, 1e3), st.sampled_from(["efron", "breslow"]))
def test_time_rescaling_changes_nothing_but_the_time_axis(
    data: pd.DataFrame, scale: float, ties: str
) -> None:
    base = fit_or_skip(data, ties=ties)
    scaled = fit(data.assign(time=data["time"] * scale), ties=ties)  # type: ignore[arg-type]
    assert_same_fit(base, scaled)
    hazard, hazard_scaled = base.baseline_hazard(), scaled.baseline_hazard()
    np.testing.assert_allclose(hazard_scaled["time"], hazard["time"] * scale, rtol=1e-12)
    np.testing.assert_allclose(
        hazard_scaled["cumulative_hazard"], hazard["cumulative_hazard"], rtol=1e-8
    )


@SETTINGS
@given(cox_data(), st.data())
def test_weight_two_equals_a_duplicated_row_breslow(
    data: pd.DataFrame, draw: st.DataObject
) -> None:
    # Breslow's likelihood is a sum over event rows, so a weight of 2 is a copy of the row.
    rows = draw.draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=5, unique=True))
    weights = np.ones(len(data))
    weights[rows] = 2.0
    weighted = fit_or_skip(data.assign(w=weights), ties="breslow", weights="w")
    duplicated = pd.concat([data, data.iloc[rows]], ignore_index=True)
    assert_same_fit(weighted, fit(duplicated, ties="breslow"))


@SETTINGS
@given(cox_data(), st.data())
def test_weight_two_equals_a_duplicated_censored_row_efron(
    data: pd.DataFrame, draw: st.DataObject
) -> None:
    # With Efron, copying an event row lengthens its tie; copying a censored row does not.
    censored = np.flatnonzero(data["status"].to_numpy() == 0)
    assume(censored.size > 0)
    rows = draw.draw(st.lists(st.sampled_from(list(censored)), min_size=1, max_size=4, unique=True))
    weights = np.ones(len(data))
    weights[rows] = 2.0
    weighted = fit_or_skip(data.assign(w=weights), ties="efron", weights="w")
    duplicated = pd.concat([data, data.iloc[rows]], ignore_index=True)
    assert_same_fit(weighted, fit(duplicated, ties="efron"))


@SETTINGS
@given(cox_data())
def test_efron_equals_breslow_without_ties(data: pd.DataFrame) -> None:
    # Break every tie in time: the two approximations then coincide exactly.
    untied = data.assign(time=data["time"] + np.arange(len(data)) * 1e-3)
    efron = fit_or_skip(untied, ties="efron")
    assert_same_fit(efron, fit(untied, ties="breslow"))


def brute_force(
    stop: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    beta: np.ndarray,
    start: np.ndarray,
    strata: np.ndarray,
    weights: np.ndarray,
    ties: str,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood, score and information by explicit risk sets (T&G 2000, sec. 3.3)."""
    loglik, score, info = 0.0, np.zeros(x.shape[1]), np.zeros((x.shape[1], x.shape[1]))
    risk = weights * np.exp(x @ beta)
    for s in np.unique(strata):
        for t in np.unique(stop[(strata == s) & event]):
            at_risk = (strata == s) & (start < t) & (stop >= t)
            dead = at_risk & event & (stop == t)
            m = int(dead.sum())
            # Efron: m denominators, each with the mean weight of the tie; Breslow: one
            # denominator, once per event row with the row's own weight.
            terms = (
                [(j / m, weights[dead].mean()) for j in range(m)]
                if ties == "efron"
                else [(0.0, w) for w in weights[dead]]
            )
            for f, wt in terms:
                r = risk * (at_risk - f * dead)
                den = r.sum()
                mean = r @ x / den
                second = (x * r[:, None]).T @ x / den
                loglik -= wt * np.log(den)
                score -= wt * mean
                info += wt * (second - np.outer(mean, mean))
            loglik += float(weights[dead] @ (x[dead] @ beta))
            score += weights[dead] @ x[dead]
    return loglik, score, info


@SETTINGS
@given(
    cox_data(min_rows=6, max_rows=25),
    st.sampled_from(["efron", "breslow"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_kernel_matches_explicit_risk_sets(
    data: pd.DataFrame, ties: str, counting: bool, stratified: bool, weighted: bool, seed: int
) -> None:
    from sarcosurv.cox.kernels import cox_loglik, sort_cox_data

    rng = np.random.default_rng(seed)
    n = len(data)
    stop = data["time"].to_numpy()
    event = data["status"].to_numpy() == 1
    x = data[["x", "z", "g"]].to_numpy()
    start = np.floor(stop * rng.uniform(0, 1, n)) - 0.5 * (rng.random(n) < 0.5)
    start = np.where(counting, np.minimum(start, stop - 0.5), -np.inf)
    strata = rng.integers(0, 3, n) if stratified else np.zeros(n, dtype=int)
    weights = rng.uniform(0.5, 2.0, n) if weighted else np.ones(n)
    beta = rng.normal(0.0, 0.5, 3)
    assume(event.any())
    sorted_data = sort_cox_data(
        stop,
        event,
        x,
        start=start if counting else None,
        strata=strata if stratified else None,
        weights=weights,
    )
    got = cox_loglik(sorted_data, beta, ties=ties)  # type: ignore[arg-type]
    expected = brute_force(stop, event, x, beta, start, strata, weights, ties)
    # atol: a log-likelihood of exactly 0 (every event alone in its risk set) is
    # rounding noise of order 1e-16 on both sides
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(got[2], expected[2], rtol=1e-9, atol=1e-10)


@SETTINGS
@given(
    st.lists(st.integers(0, 400), min_size=1, max_size=60),
    st.integers(0, 2**32 - 1),
    st.integers(1, 4),
)
def test_radix_sort_of_day_level_times_equals_lexsort(
    times: list[int], seed: int, n_strata: int
) -> None:
    from sarcosurv.counting.risksets import sort_order

    rng = np.random.default_rng(seed)
    stop = np.asarray(times, dtype=float)
    event = rng.random(stop.size) < 0.6
    strata = rng.integers(0, n_strata, stop.size)
    expected = np.lexsort((~event, stop, strata))
    np.testing.assert_array_equal(sort_order(stop, event, strata), expected)
    # Non-integer times take the general path, with the same order.
    np.testing.assert_array_equal(sort_order(stop + 0.5, event, strata), expected)


@SETTINGS
@given(cox_data(), st.sampled_from(["efron", "breslow"]))
def test_zero_entry_times_equal_right_censored_data(data: pd.DataFrame, ties: str) -> None:
    base = fit_or_skip(data, ties=ties)
    counting = ss.coxph(
        "Surv(entry, time, status) ~ x + z + g", data.assign(entry=0.0), ties=ties, eps=EPS
    )  # type: ignore[arg-type]
    assert_same_fit(base, counting, rtol=1e-9)
