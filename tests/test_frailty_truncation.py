"""Shared gamma frailty with left truncation: the frailty conditioned on survival to entry.

References: frailtyEM (``emfrail(..., distribution = emfrail_dist(left_truncation = TRUE))``,
tests/reference/frailty_truncation_reference.R) on a simulated cohort with delayed
entry; the marginal likelihood by numerical integration over the frailty; and the
property that entry at time 0 gives the right-censored fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import sarcosurv as ss
from conftest import load_dataset, load_reference
from sarcosurv.cox import frailty_profile

EM = load_reference("frailty_truncation_reference")
FORMULA = "Surv(entry, time, status) ~ x"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return load_dataset("frailty_lt")


@pytest.fixture(scope="module")
def fit(data: pd.DataFrame) -> ss.CoxResult:
    return ss.coxph(FORMULA, data, ties="breslow", frailty="centre")


def test_agrees_with_frailtyem(fit: ss.CoxResult) -> None:
    em = EM["truncated"]
    fr = fit.frailty
    assert fr is not None
    # Measured: theta 8e-8, beta 1e-8 relative, log-likelihood 7e-10 absolute.
    assert fr.theta == pytest.approx(em["theta"], rel=1e-5)
    assert fit.params.iloc[0] == pytest.approx(em["coef"], rel=1e-6)
    assert fr.loglik == pytest.approx(em["loglik"], abs=1e-6)
    assert fr.loglik_null == pytest.approx(em["loglik_null"], rel=1e-10)
    np.testing.assert_allclose(fr.estimates["frailty"], em["frail"], rtol=1e-5)
    # frailtyEM's root finder for the CI is coarser (upper bound 2.6e-3 relative).
    np.testing.assert_allclose(fr.theta_ci, em["theta_ci"], rtol=5e-3)
    # Standard errors: frailtyEM uses Louis' formula, sarcosurv differences of the
    # EM estimating equations; 1.1% apart here.
    assert fit.std_err.iloc[0] == pytest.approx(em["se_adj"], rel=2e-2)
    assert fr.std_err_conditional.iloc[0] == pytest.approx(em["se"], rel=2e-2)


def test_conditioning_on_entry_matters(fit: ss.CoxResult) -> None:
    """Ignoring the truncation (R coxph, frailtyEM's default) gives a different theta."""
    fr = fit.frailty
    assert fr is not None
    assert abs(fr.theta - EM["not_conditioned"]["theta"]) > 0.2


@pytest.mark.parametrize("point", EM["fixed"], ids=lambda p: f"theta={p['theta']}")
def test_fixed_theta_matches_frailtyem(data: pd.DataFrame, point: dict[str, float]) -> None:
    """Also beyond the point where the EM level drifts (0.8, 1.5): the limit is the same."""
    profile = frailty_profile(
        data[["x"]].to_numpy(float),
        data["time"],
        data["status"],
        data["centre"],
        entry=data["entry"],
        ties="breslow",
    )
    solved = profile.solve(point["theta"])
    assert solved.loglik == pytest.approx(point["loglik"], abs=1e-6)


def _quadrature_loglik(
    data: pd.DataFrame, beta: float, frailty: np.ndarray, theta: float, conditioned: bool = True
) -> float:
    """Marginal log-likelihood at the EM solution, integrating the frailty numerically.

    Baseline: Breslow at the rows' own risk sets (entry, exit] with offsets log w.
    Each cluster contributes  int w^D exp(-w C) g(w) dw / int exp(-w T) g(w) dw.
    Reported on the partial-likelihood scale (+ D; no tied event times here).
    """
    codes = pd.factorize(data["centre"], sort=True)[0]
    entry, exit_, event = (data[c].to_numpy(float) for c in ("entry", "time", "status"))
    risk = np.exp(beta * data["x"].to_numpy(float))
    times = np.sort(exit_[event == 1])
    weight = frailty[codes] * risk
    jumps = np.array([1.0 / weight[(entry < t) & (t <= exit_)].sum() for t in times])
    cumulative = np.concatenate([[0.0], np.cumsum(jumps)])

    def hazard_to(t: np.ndarray) -> np.ndarray:
        return cumulative[np.searchsorted(times, t, side="right")]

    exit_h = np.bincount(codes, hazard_to(exit_) * risk)
    entry_h = np.bincount(codes, hazard_to(entry) * risk)
    events = np.bincount(codes, event)
    total = float(np.sum(np.log(jumps)) + np.sum(np.log(risk[event == 1])))
    density = stats.gamma(1.0 / theta, scale=theta).pdf

    def integral(d: float, c: float) -> float:
        value, _ = integrate.quad(
            lambda w: w**d * np.exp(-w * c) * density(w), 0, np.inf, epsabs=0, epsrel=1e-12
        )
        return float(value)

    for d, c, t in zip(events, exit_h, entry_h, strict=True):
        total += np.log(integral(d, c)) - (np.log(integral(0.0, t)) if conditioned else 0.0)
    return total + float(events.sum())


def test_loglik_is_the_integrated_likelihood(data: pd.DataFrame, fit: ss.CoxResult) -> None:
    fr = fit.frailty
    assert fr is not None
    args = (data, float(fit.params.iloc[0]), fr.estimates["frailty"].to_numpy(), fr.theta)
    assert fr.loglik == pytest.approx(_quadrature_loglik(*args), abs=1e-6)
    # Without the conditioning on entry the integral is another number.
    assert abs(_quadrature_loglik(*args, conditioned=False) - fr.loglik) > 10


def test_entry_at_zero_is_the_right_censored_fit() -> None:
    data = load_dataset("kidney").assign(entry=0.0)
    counting = ss.coxph("Surv(entry, time, status) ~ age + sex", data, frailty="id")
    right = ss.coxph("Surv(time, status) ~ age + sex", data, frailty="id")
    a, b = counting.frailty, right.frailty
    assert a is not None
    assert b is not None
    assert a.theta == pytest.approx(b.theta, rel=1e-6)
    assert a.loglik == pytest.approx(b.loglik, rel=1e-12)
    np.testing.assert_allclose(counting.params, right.params, rtol=1e-7)
    np.testing.assert_allclose(counting.std_err, right.std_err, rtol=1e-4)
    np.testing.assert_allclose(a.theta_ci, b.theta_ci, rtol=1e-6)


def test_truncation_changes_the_fit(data: pd.DataFrame, fit: ss.CoxResult) -> None:
    """Dropping the entry times (treating everyone as followed from 0) is another model."""
    naive = ss.coxph("Surv(time, status) ~ x", data, ties="breslow", frailty="centre")
    assert naive.frailty is not None
    assert fit.frailty is not None
    assert abs(naive.frailty.loglik - fit.frailty.loglik) > 10
