"""Shared gamma frailty: R at fixed theta (exact), frailtyEM, and where R's default is wrong."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from conftest import load_dataset, load_reference
from sarcosurv.cox import fit_gamma_frailty, frailty_profile

R = load_reference("frailty_reference")
EM = load_reference("frailtyem_reference")

MODELS = {
    "rats": ("rats", ["rx"], "litter"),
    "kidney": ("kidney", ["age", "sex"], "id"),
    "simulated": ("frailty_sim", ["x1", "x2"], "centre"),
}


def profile_at(
    model: str, theta: float, ties: str, strata: str | None = None, terms: list[str] | None = None
) -> tuple[float, np.ndarray]:
    """sarcosurv's profile point: beta maximising the marginal likelihood at fixed theta."""
    name, default_terms, group = MODELS[model]
    terms = default_terms if terms is None else terms
    data = load_dataset(name)
    fit = fit_gamma_frailty(
        data[terms].to_numpy(float),
        data["time"],
        data["status"],
        data[group],
        strata=None if strata is None else data[strata],
        ties=ties,  # type: ignore[arg-type]
        theta=theta,
    )
    return fit.loglik[1], fit.beta


FIXED = (
    [
        (model, ties, point)
        for model in ("rats", "kidney")
        for ties in ("breslow", "efron")
        for point in R[f"{model}_{ties}"]["fixed"]
    ]
    + [("simulated", "efron", p) for p in R["simulated"]["fixed"][::4]]
    + [("simulated", "breslow", p) for p in R["simulated"]["fixed_breslow"]]
)


@pytest.mark.parametrize(
    ("model", "ties", "point"), FIXED, ids=[f"{m}-{t}-{p['theta']:.3g}" for m, t, p in FIXED]
)
def test_fixed_theta_matches_r_exactly(model: str, ties: str, point: dict[str, Any]) -> None:
    loglik, beta = profile_at(model, point["theta"], ties)
    # R's penalised inner loop stops at its own tolerance: agreement to 1e-5.
    np.testing.assert_allclose(beta, point["coef"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(loglik, point["ilik"], rtol=1e-7)
    assert loglik >= point["ilik"] - 1e-7 * abs(point["ilik"])


STRATA = {"simulated": ("x2", ["x1"]), "rats": ("sex", ["rx"])}
STRATA_CASES = [
    (model, ties, point)
    for model in STRATA
    for ties in ("breslow", "efron")
    for point in R["strata"][f"{model}_{ties}"]
]


@pytest.mark.parametrize(
    ("model", "ties", "point"),
    STRATA_CASES,
    ids=[f"{m}-{t}-{p['theta']:.3g}" for m, t, p in STRATA_CASES],
)
def test_strata_fixed_theta_matches_r(model: str, ties: str, point: dict[str, Any]) -> None:
    """A baseline per stratum, the frailty shared across strata: R is exact at fixed theta."""
    strata, terms = STRATA[model]
    loglik, beta = profile_at(model, point["theta"], ties, strata=strata, terms=terms)
    np.testing.assert_allclose(beta, point["coef"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(loglik, point["ilik"], rtol=1e-7)
    # Without strata the answer differs: the test can tell.
    unstratified, _ = profile_at(model, point["theta"], ties, terms=terms)
    assert abs(unstratified - point["ilik"]) > 1.0


def test_strata_through_coxph() -> None:
    data = load_dataset("frailty_sim")
    fit = ss.coxph("Surv(time, status) ~ x1", data, strata="x2", frailty="centre")
    fr = fit.frailty
    assert fr is not None
    fixed = R["strata"]["simulated_efron"]
    # The maximum lies above R's exact values at the fixed thetas.
    assert fr.loglik >= max(p["ilik"] for p in fixed) - 1e-9
    for factor in (0.95, 1.05):
        assert profile_at("simulated", fr.theta * factor, "efron", "x2", ["x1"])[0] < fr.loglik


@pytest.mark.parametrize(
    ("model", "formula", "group"),
    [
        ("rats", "Surv(time, status) ~ rx", "litter"),
        ("kidney", "Surv(time, status) ~ age + sex", "id"),
    ],
)
def test_agrees_with_frailtyem(model: str, formula: str, group: str) -> None:
    em = EM[model]
    fit = ss.coxph(formula, load_dataset(model), ties="breslow", frailty=group)
    fr = fit.frailty
    assert fr is not None
    assert fr.theta == pytest.approx(em["theta"], rel=1e-3)
    assert fr.loglik == pytest.approx(em["loglik"], rel=1e-6)
    assert fr.loglik_null == pytest.approx(em["loglik_null"], rel=1e-9)
    assert fr.lrt.statistic == pytest.approx(em["lrt"], rel=1e-3)
    assert fr.lrt.p_value == pytest.approx(em["lrt_p"], rel=1e-3)
    # frailtyEM stops its EM earlier than we do (our marginal loglik is higher):
    # coefficients and SEs agree to a few 1e-3 relative, 1e-4 absolute.
    np.testing.assert_allclose(fit.params, em["coef"], rtol=5e-3, atol=1e-4)
    np.testing.assert_allclose(fit.std_err, em["se_adj"], rtol=5e-3)
    np.testing.assert_allclose(fr.std_err_conditional, em["se"], rtol=5e-3)
    np.testing.assert_allclose(fr.theta_ci, em["theta_ci"], rtol=5e-3)
    np.testing.assert_allclose(fr.estimates["frailty"], em["frail"], rtol=1e-2)
    assert fr.loglik >= em["loglik"] - 1e-9


def test_r_default_theta_does_not_maximise_its_own_likelihood() -> None:
    """R's method="em" stops at theta 0.82 although its I-likelihood is higher near 0.65."""
    sim = R["simulated"]
    r_theta, r_ilik = sim["default"]["theta"], sim["default"]["ilik"]
    grid_best = max(sim["fixed"], key=lambda p: p["ilik"])
    assert grid_best["ilik"] > r_ilik + 0.4
    assert abs(grid_best["theta"] - r_theta) > 0.1


def test_sarcosurv_theta_maximises_the_profile() -> None:
    data = load_dataset("frailty_sim")
    fit = ss.coxph("Surv(time, status) ~ x1 + x2", data, frailty="centre")
    fr = fit.frailty
    assert fr is not None
    for factor in (0.9, 0.99, 1.01, 1.1):
        loglik, _ = profile_at("simulated", fr.theta * factor, "efron")
        assert loglik < fr.loglik
    # Higher than anything R reached, on R's own likelihood scale.
    assert fr.loglik > max(p["ilik"] for p in R["simulated"]["fixed"])
    assert fr.loglik > R["simulated"]["default"]["ilik"] + 0.4
    lo, hi = fr.theta_ci
    assert lo < fr.theta < hi


def test_boundary_no_frailty() -> None:
    rng = np.random.default_rng(3)
    n = 400
    data = pd.DataFrame({"x": rng.normal(size=n), "centre": rng.integers(0, 20, n)})
    data["time"] = rng.exponential(1 / np.exp(0.3 * data["x"]))
    data["status"] = (rng.uniform(size=n) < 0.8).astype(int)
    fit = ss.coxph("Surv(time, status) ~ x", data, frailty="centre")
    fr = fit.frailty
    assert fr is not None
    if fr.theta == 0.0:
        assert fr.lrt.statistic == 0.0
        assert fr.lrt.p_value == 1.0  # P(chi-bar-square >= 0) = 1
    else:
        assert fr.lrt.p_value <= 0.5
    assert fr.theta_ci[0] == 0.0
    cox = ss.coxph("Surv(time, status) ~ x", data)
    assert fr.loglik_null == pytest.approx(cox.loglik[1], rel=1e-10)


def test_clusters_of_one_and_without_events() -> None:
    data = load_dataset("kidney")
    data.loc[data["id"] == 1, "status"] = 0
    single = data.drop_duplicates("id").assign(id=lambda d: d["id"] + 1000)
    fit = ss.coxph("Surv(time, status) ~ age + sex", pd.concat([data, single]), frailty="id")
    assert fit.frailty is not None
    est = fit.frailty.estimates
    assert (est["n"] == 1).sum() == 38
    assert est.loc[est["cluster"] == 1, "n_event"].item() == 0
    assert np.all(np.isfinite(est[["frailty", "lower", "upper"]].to_numpy()))


def test_tau_and_posterior_intervals() -> None:
    fit = ss.coxph(
        "Surv(time, status) ~ rx", load_dataset("rats"), ties="breslow", frailty="litter"
    )
    fr = fit.frailty
    assert fr is not None
    assert fr.kendall_tau == pytest.approx(fr.theta / (fr.theta + 2))
    est = fr.estimates
    assert np.all((est["lower"] < est["frailty"]) & (est["frailty"] < est["upper"]))
    assert "theta" in str(fit)


def test_missing_cluster_is_excluded_and_counted() -> None:
    data = load_dataset("rats").astype({"litter": float})
    data.loc[[0, 5], "litter"] = np.nan
    fit = ss.coxph("Surv(time, status) ~ rx", data, frailty="litter")
    assert fit.n == len(data) - 2
    assert list(fit.excluded["row"]) == [0, 5]
    assert "litter" in fit.excluded["reason"].iloc[0]


def test_profile_point_zero_theta_is_cox() -> None:
    data = load_dataset("rats")
    profile = frailty_profile(
        data[["rx"]].to_numpy(float), data["time"], data["status"], data["litter"], ties="breslow"
    )
    at_zero = profile.loglik_at([0.5], 0.0)
    near = profile.loglik_at([0.5], 1e-8)
    assert near == pytest.approx(at_zero, abs=1e-5)
