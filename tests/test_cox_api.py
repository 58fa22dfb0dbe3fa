"""Cox and frailty front end: fixed theta vs R, controls, convergence, array fitters, results."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sarcosurv as ss
from conftest import load_dataset, load_reference
from reference_inputs import cox_dataset
from sarcosurv.cox import CoxControl, fit_cox, fit_gamma_frailty, frailty_profile
from sarcosurv.errors import ConvergenceError, ConvergenceWarning, SarcosurvError, SarcosurvWarning

R = load_reference("frailty_reference")
FIXED = [
    (model, group, terms, ties, point)
    for model, group, terms in (("rats", "litter", "rx"), ("kidney", "id", "age + sex"))
    for ties in ("breslow", "efron")
    for point in R[f"{model}_{ties}"]["fixed"]
]


@pytest.mark.parametrize(
    ("model", "group", "terms", "ties", "point"),
    FIXED,
    ids=[f"{m}-{t}-{p['theta']:.3g}" for m, _, _, t, p in FIXED],
)
def test_coxph_fixed_theta_matches_r(
    model: str, group: str, terms: str, ties: str, point: dict[str, Any]
) -> None:
    """coxph(..., frailty=, theta=) is R's coxph(... + frailty(g, theta = ))."""
    fit = ss.coxph(
        f"Surv(time, status) ~ {terms}",
        load_dataset(model),
        frailty=group,
        theta=point["theta"],
        ties=ties,  # type: ignore[arg-type]
    )
    fr = fit.frailty
    assert fr is not None
    assert fr.theta_fixed
    assert fr.theta == point["theta"]
    # R's penalised inner loop stops at its own tolerance (as tests/test_frailty.py).
    np.testing.assert_allclose(fit.params, point["coef"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(fr.loglik, point["ilik"], rtol=1e-7)
    # Standard errors: the marginal likelihood's curvature given theta. R's come from
    # the penalised likelihood (frailties as parameters); they agree on rats (large
    # litters, 4e-6) and differ by up to 2.3% on kidney (pairs), so not compared here.
    assert fr.std_err_kind == "conditional"
    assert np.isnan(fr.theta_ci[0])
    assert np.isnan(fr.lrt.p_value)
    assert "(fixed)" in str(fit)


def test_conf_level_reaches_theta_ci_and_posterior_intervals() -> None:
    data = load_dataset("rats")
    wide = ss.coxph("Surv(time, status) ~ rx", data, frailty="litter").frailty
    narrow = ss.coxph("Surv(time, status) ~ rx", data, frailty="litter", conf_level=0.8).frailty
    assert wide is not None
    assert narrow is not None
    assert narrow.theta == pytest.approx(wide.theta, rel=1e-8)
    assert narrow.theta_ci[1] < wide.theta_ci[1]
    assert (narrow.estimates["upper"] < wide.estimates["upper"]).all()
    assert "80% profile CI" in str(narrow)
    profile = frailty_profile(
        data[["rx"]].to_numpy(float), data["time"], data["status"], data["litter"]
    )
    drop = stats.chi2.ppf(0.8, 1) / 2
    assert profile.solve(narrow.theta_ci[1]).loglik == pytest.approx(narrow.loglik - drop, abs=1e-5)


def test_cluster_with_frailty_warns_and_is_not_robust() -> None:
    data = load_dataset("rats")
    with pytest.warns(SarcosurvWarning, match="robust"):
        fit = ss.coxph("Surv(time, status) ~ rx", data, frailty="litter", cluster="litter")
    assert not fit.robust
    assert "robust" not in str(fit)


def test_newton_cap_warns_and_reports() -> None:
    data = cox_dataset("lung")
    formula = "Surv(time, status) ~ age + sex + ph_ecog"
    with pytest.warns(ConvergenceWarning):
        fit = ss.coxph(formula, data, max_iter=1)
    assert not fit.converged
    assert fit.n_iter == 1
    full = ss.coxph(formula, data)
    assert full.converged
    assert full.n_iter > 1


def test_frailty_caps_warn_and_report() -> None:
    data = load_dataset("rats")
    with pytest.warns(ConvergenceWarning, match="EM fixed point"):
        fit = ss.coxph(
            "Surv(time, status) ~ rx",
            data,
            frailty="litter",
            control=CoxControl(inner_max_iter=2),
        )
    assert fit.frailty is not None
    assert not fit.frailty.converged
    assert not fit.converged
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ok = ss.coxph("Surv(time, status) ~ rx", data, frailty="litter")
    assert ok.converged
    assert ok.n_iter > 3


def test_max_iter_reaches_the_frailty_fit() -> None:
    with pytest.warns(ConvergenceWarning):
        ss.coxph("Surv(time, status) ~ rx", load_dataset("rats"), frailty="litter", max_iter=1)


@pytest.mark.parametrize(
    "options",
    [
        {"conf_level": 0.0},
        {"conf_level": 1.0},
        {"conf_level": True},
        {"max_iter": 0},
        {"max_iter": 2.5},
        {"eps": 0.0},
        {"frailty": "litter", "theta": -0.1},
        {"frailty": "litter", "theta": float("nan")},
    ],
)
def test_invalid_options_are_errors(options: dict[str, Any]) -> None:
    with pytest.raises(SarcosurvError):
        ss.coxph("Surv(time, status) ~ rx", load_dataset("rats"), **options)


def test_theta_without_frailty_warns() -> None:
    with pytest.warns(SarcosurvWarning, match="theta"):
        ss.coxph("Surv(time, status) ~ rx", load_dataset("rats"), theta=0.5)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_no_estimate_is_a_convergence_error() -> None:
    x = np.array([[0.0], [1.0], [0.0], [1.0]])
    with pytest.raises(ConvergenceError):
        fit_cox(x, [1.0, 2.0, 3.0, 4.0], [1, 1, 1, 0], offset=[np.inf, 0, 0, 0])


def test_fit_cox_is_what_coxph_fits() -> None:
    data = cox_dataset("lung").dropna(subset=["ph_ecog"])
    fit = ss.coxph("Surv(time, status) ~ age + sex + ph_ecog", data, strata="inst")
    x = data[["age", "sex", "ph_ecog"]].to_numpy(float)
    arrays = fit_cox(x, data["time"], data["status"], strata=data["inst"])
    np.testing.assert_allclose(arrays.beta, fit.params, rtol=1e-10)
    np.testing.assert_allclose(arrays.std_err, fit.std_err, rtol=1e-10)
    np.testing.assert_allclose(arrays.loglik, fit.loglik, rtol=1e-12)
    assert arrays.variance == "model"
    assert arrays.converged


def test_offset_of_a_fitted_term_leaves_the_others_unchanged() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 2))
    time = rng.exponential(1 / np.exp(x @ [0.5, -0.3]))
    event = rng.uniform(size=300) < 0.8
    full = fit_cox(x, time, event)
    part = fit_cox(x[:, :1], time, event, offset=x[:, 1] * full.beta[1])
    assert part.beta[0] == pytest.approx(full.beta[0], rel=1e-7)


def test_fit_gamma_frailty_matches_coxph() -> None:
    data = load_dataset("rats")
    fit = ss.coxph("Surv(time, status) ~ rx", data, frailty="litter")
    arrays = fit_gamma_frailty(
        data[["rx"]].to_numpy(float), data["time"], data["status"], data["litter"]
    )
    assert fit.frailty is not None
    assert arrays.frailty.theta == pytest.approx(fit.frailty.theta, rel=1e-10)
    np.testing.assert_allclose(arrays.beta, fit.params, rtol=1e-10)
    np.testing.assert_allclose(arrays.std_err, fit.std_err, rtol=1e-8)


def test_result_views() -> None:
    data = load_dataset("rats")
    fit = ss.coxph("Surv(time, status) ~ rx", data)
    assert repr(fit) == f"<CoxResult n={fit.n} events={fit.n_event} terms=1>"
    assert "<table" in fit._repr_html_()
    pd.testing.assert_frame_equal(fit.to_frame(), fit.hazard_ratios)
    assert "Cox proportional hazards model" in str(fit)
    again = ss.coxph("Surv(time, status) ~ rx", data)
    assert fit == fit
    assert fit != again
    fr = ss.coxph("Surv(time, status) ~ rx", data, frailty="litter").frailty
    assert fr is not None
    assert repr(fr).startswith("<FrailtyResult clusters=100")
    assert "<table" in fr._repr_html_()


def test_old_frailty_path_is_deprecated() -> None:
    import sarcosurv.frailty as old

    with pytest.warns(DeprecationWarning, match="sarcosurv.cox.frailty"):
        moved = old.FrailtyResult
    assert moved is ss.FrailtyResult
