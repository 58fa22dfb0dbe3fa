"""Hostile input: covariates and case weights on extreme scales (issue 17).

The standard errors of a Cox or frailty model must not depend on a
covariate's units; case weights ``c w`` must give the exact-arithmetic answer
for any ``c`` (R ``coxph``: the same coefficients, model-based standard errors
divided by ``sqrt(c)``, the same robust ones; ``survfit``: the same curve,
Greenwood standard errors divided by ``sqrt(c)``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv.counting.linalg import inverse_or_pinv, power_of_two_scale, solve_or_pinv


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 400
    return pd.DataFrame(
        {
            "t": rng.exponential(1, n),
            "e": rng.integers(0, 2, n),
            "x": rng.normal(size=n),
            "z": rng.normal(size=n) + 5,
            "c": rng.integers(0, 10, n),
            "g": rng.choice(list("abc"), n),
            "w": rng.integers(1, 4, n).astype(float),
        }
    )


FORMULA = "Surv(t, e) ~ x + z + g"
FACTORS = [1e8, 1e12, 1e-8, 1e-12, 1e150]


def _fit(frame: pd.DataFrame, **options: object) -> ss.CoxResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ss.coxph(FORMULA, frame, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("factor", FACTORS)
@pytest.mark.parametrize("options", [{}, {"cluster": "c"}, {"strata": "c"}])
def test_cox_standard_errors_do_not_depend_on_units(
    data: pd.DataFrame, factor: float, options: dict[str, str]
) -> None:
    base = _fit(data, **options)
    scaled = _fit(data.assign(z=data["z"] * factor), **options)
    units = np.array([1.0, factor, 1.0, 1.0])
    np.testing.assert_allclose(scaled.std_err.to_numpy() * units, base.std_err, rtol=1e-6)
    np.testing.assert_allclose(scaled.params.to_numpy() * units, base.params, rtol=1e-6)
    assert scaled.loglik == pytest.approx(base.loglik, rel=1e-9)


@pytest.mark.parametrize("factor", [1e8, 1e-8, 1e150])
def test_frailty_standard_errors_do_not_depend_on_units(data: pd.DataFrame, factor: float) -> None:
    base = _fit(data, frailty="c")
    scaled = _fit(data.assign(z=data["z"] * factor), frailty="c")
    units = np.array([1.0, factor, 1.0, 1.0])
    se = scaled.std_err.to_numpy() * units
    assert np.isfinite(se).all()
    # The frailty profile stops at its own tolerance: agreement to 1e-6 at worst.
    np.testing.assert_allclose(se, base.std_err, rtol=1e-6)
    np.testing.assert_allclose(scaled.params.to_numpy() * units, base.params, rtol=1e-6)
    assert scaled.frailty is not None
    assert base.frailty is not None
    assert scaled.frailty.theta == pytest.approx(base.frailty.theta, rel=1e-6)


def test_equilibrated_solve_is_unit_free() -> None:
    matrix = np.array([[4.0, 1.0], [1.0, 3.0]])
    units = np.diag([1e-10, 1e10])
    scaled = units @ matrix @ units
    np.testing.assert_allclose(
        units @ inverse_or_pinv(scaled) @ units, np.linalg.inv(matrix), rtol=1e-12
    )
    rhs = np.array([1.0, 2.0])
    np.testing.assert_allclose(
        np.diag(units) * solve_or_pinv(scaled, np.diag(units) * rhs),
        np.linalg.solve(matrix, rhs),
        rtol=1e-12,
    )


def test_power_of_two_scale_leaves_order_one_alone() -> None:
    out = power_of_two_scale([1.0, 500.0, 1e-3, 1e6, 1e-320, np.inf, 0.0])
    assert out[[0, 1, 2, 5, 6]].tolist() == [1.0] * 5
    assert out[3] == 2.0**20
    assert np.log2(out[4]) == np.round(np.log2(out[4]))


@pytest.mark.parametrize("factor", [2.0**900, 1e300, 1e-300, 2.0**-1000])
def test_cox_with_scaled_case_weights_is_exact(data: pd.DataFrame, factor: float) -> None:
    """R: coef unchanged, model SE / sqrt(c), robust SE unchanged, LR and score x c."""
    base = _fit(data, weights="w")
    scaled = _fit(data.assign(w=data["w"] * factor), weights="w")
    np.testing.assert_allclose(scaled.params, base.params, rtol=1e-8)
    np.testing.assert_allclose(
        scaled.naive_std_err * np.sqrt(factor), base.naive_std_err, rtol=1e-8
    )
    if scaled.robust:  # non-integer weights: the robust SE is the reported one
        robust_base = _fit(data.assign(w=data["w"] * 0.5), weights="w")
        np.testing.assert_allclose(scaled.std_err, robust_base.std_err, rtol=1e-8)
    assert scaled.tests is not None
    assert base.tests is not None
    assert scaled.tests.likelihood_ratio.statistic == pytest.approx(
        base.tests.likelihood_ratio.statistic * factor, rel=1e-8
    )
    assert scaled.tests.score.statistic == pytest.approx(
        base.tests.score.statistic * factor, rel=1e-8
    )


def test_cox_loglik_with_scaled_weights_matches_the_formula(data: pd.DataFrame) -> None:
    """l(c w) = c (l(w) - E log c) with E the total event weight."""
    factor = 2.0**40
    base = _fit(data, weights="w")
    scaled = _fit(data.assign(w=data["w"] * factor), weights="w")
    events = float(data.loc[data["e"] == 1, "w"].sum())
    expected = factor * base.loglik[1] - factor * events * np.log(factor)
    assert scaled.loglik[1] == pytest.approx(expected, rel=1e-10)


def test_tiny_case_weights_do_not_give_zero_standard_errors(data: pd.DataFrame) -> None:
    fit = _fit(data.assign(w=1e-320), weights="w")
    assert (fit.std_err > 0).all()
    assert np.isfinite(fit.params).all()


@pytest.mark.parametrize("factor", [1e308 / 4, 1e200, 1e-320, 2.0**-1060])
def test_km_with_scaled_case_weights(data: pd.DataFrame, factor: float) -> None:
    base = ss.kaplan_meier(data, time="t", event="e", weights="w", by="g").table
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaled = ss.kaplan_meier(
            data.assign(w=data["w"] * factor), time="t", event="e", weights="w", by="g"
        ).table
    np.testing.assert_allclose(scaled["survival"], base["survival"], rtol=1e-12)
    assert scaled["survival"].iloc[-1] < 1.0
    np.testing.assert_allclose(
        scaled["std_err"] * np.sqrt(factor), base["std_err"], rtol=1e-12, equal_nan=True
    )
