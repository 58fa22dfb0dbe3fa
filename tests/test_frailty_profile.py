"""The profile likelihood in theta: its slope, its CI bounds, the boundary theta = 0."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sarcosurv as ss
from conftest import load_dataset
from sarcosurv.cox import FrailtyProfile, frailty_profile

DROP = stats.chi2.ppf(0.95, 1) / 2


def _profile(data: pd.DataFrame, terms: list[str], group: str, start: str | None) -> FrailtyProfile:
    return frailty_profile(
        data[terms].to_numpy(float),
        data["time"],
        data["status"],
        data[group],
        entry=None if start is None else data[start],
        ties="breslow",
    )


@pytest.mark.parametrize("theta", [0.2, 1.0, 3.0])
def test_slope_is_the_derivative_of_the_profile(theta: float) -> None:
    """Envelope theorem: the partial derivative in log theta at the solved point."""
    profile = _profile(load_dataset("rats"), ["rx"], "litter", None)
    x, h = np.log(theta), 1e-4
    numeric = (profile.at(x + h).loglik - profile.at(x - h).loglik) / (2 * h)
    assert profile.at(x).slope == pytest.approx(numeric, rel=1e-5, abs=1e-7)


@pytest.mark.parametrize(
    ("name", "formula", "group"),
    [
        ("rats", "Surv(time, status) ~ rx", "litter"),
        ("frailty_lt", "Surv(entry, time, status) ~ x", "centre"),
    ],
)
def test_ci_bounds_are_where_the_profile_drops(name: str, formula: str, group: str) -> None:
    data = load_dataset(name)
    fit = ss.coxph(formula, data, ties="breslow", frailty=group)
    fr = fit.frailty
    assert fr is not None
    start = "entry" if "entry" in formula else None
    terms = ["rx"] if name == "rats" else ["x"]
    profile = _profile(data, terms, group, start)
    for bound in fr.theta_ci:
        assert profile.solve(bound).loglik == pytest.approx(fr.loglik - DROP, abs=1e-5)
    assert profile.solve(fr.theta).loglik == pytest.approx(fr.loglik, abs=1e-8)


def _null_cohort(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 600
    data = pd.DataFrame({"x": rng.normal(size=n), "centre": np.repeat(np.arange(30), 20)})
    survival = rng.exponential(1 / (0.1 * np.exp(0.5 * data["x"])))
    censor = rng.uniform(0, 15, n)
    data["time"] = np.minimum(survival, censor)
    data["status"] = (survival <= censor).astype(int)
    return data


def test_boundary_theta_zero_without_warnings() -> None:
    data = _null_cohort(12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = ss.coxph("Surv(time, status) ~ x", data, frailty="centre")
    fr = fit.frailty
    assert fr is not None
    assert fr.theta == 0.0
    assert fr.lrt.statistic == 0.0
    assert fr.lrt.p_value == 1.0  # P(chi-bar-square >= 0) = 1
    assert fr.theta_ci[0] == 0.0
    assert 0.0 < fr.theta_ci[1] < 1.0
    assert fr.kendall_tau == 0.0
    np.testing.assert_allclose(fr.estimates["frailty"], 1.0)
    cox = ss.coxph("Surv(time, status) ~ x", data)
    np.testing.assert_allclose(fit.params, cox.params, rtol=1e-8)
    assert fr.loglik == pytest.approx(cox.loglik[1], rel=1e-12)
    # The upper bound is where the profile has dropped by the chi-square(1) half-quantile.
    profile = frailty_profile(
        data[["x"]].to_numpy(float), data["time"], data["status"], data["centre"]
    )
    upper = profile.solve(fr.theta_ci[1])
    assert upper.loglik == pytest.approx(fr.loglik - DROP, abs=1e-5)
