"""Multiple imputation: Rubin's rules by hand, properties, imputation methods, bad input."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.discrete.discrete_model import MNLogit

import sarcosurv as ss
from conftest import load_dataset
from sarcosurv.errors import ColumnNotFoundError, ImputationError
from sarcosurv.imputation.methods import fit_multinomial, match_donors


def fake_fit(estimates: list[float], variances: list[float], n_event: int = 50) -> SimpleNamespace:
    names = pd.Index([f"x{j}" for j in range(len(estimates))], name="term")
    vcov = pd.DataFrame(np.diag(variances), index=names, columns=names)
    return SimpleNamespace(
        params=pd.Series(estimates, index=names),
        vcov=vcov,
        std_err=pd.Series(np.sqrt(variances), index=names),
        n_event=n_event,
    )


# Rubin's rules by hand ----------------------------------------------------------


def test_rubin_rules_hand_worked() -> None:
    # estimates 1, 2, 3 with variance 0.5 each, infinite complete-data df:
    # Qbar = 2, Ubar = 0.5, B = 1, T = 0.5 + 4/3, r = (4/3)/0.5, lambda = (4/3)/T,
    # df = (m - 1)/lambda^2, fmi = (r + 2/(df + 3))/(r + 1)
    fits = [fake_fit([q], [0.5]) for q in (1.0, 2.0, 3.0)]
    pooled = ss.pool(fits, dfcom=np.inf)
    total = 0.5 + 4 / 3
    lam = (4 / 3) / total
    df = 2 / lam**2
    riv = (4 / 3) / 0.5
    row = pooled.to_frame().iloc[0]
    assert row["estimate"] == pytest.approx(2.0)
    assert row["within_variance"] == pytest.approx(0.5)
    assert row["between_variance"] == pytest.approx(1.0)
    assert row["total_variance"] == pytest.approx(total)
    assert row["df"] == pytest.approx(df)
    assert row["riv"] == pytest.approx(riv)
    assert row["lambda_"] == pytest.approx(lam)
    assert row["fmi"] == pytest.approx((riv + 2 / (df + 3)) / (riv + 1))
    from scipy import stats

    half = stats.t.ppf(0.975, df) * np.sqrt(total)
    assert (row["lower"], row["upper"]) == pytest.approx((2 - half, 2 + half))


def test_barnard_rubin_with_finite_dfcom_by_hand() -> None:
    fits = [fake_fit([q], [0.5], n_event=13) for q in (1.0, 2.0, 3.0)]
    pooled = ss.pool(fits)  # dfcom = 13 events - 1 parameter
    lam = (4 / 3) / (0.5 + 4 / 3)
    old, obs = 2 / lam**2, (12 + 1) / (12 + 3) * 12 * (1 - lam)
    assert pooled.dfcom == 12
    assert pooled.df.iloc[0] == pytest.approx(old * obs / (old + obs))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-3, 3), min_size=2, max_size=2),
    st.floats(0.01, 2.0),
    st.integers(2, 8),
    st.sampled_from([np.inf, 30.0]),
)
def test_identical_fits_have_no_between_variance(
    estimate: list[float], variance: float, m: int, dfcom: float
) -> None:
    pooled = ss.pool([fake_fit(estimate, [variance, variance])] * m, dfcom=dfcom)
    np.testing.assert_allclose(pooled.between_variance, 0.0, atol=1e-12)
    np.testing.assert_allclose(pooled.riv, 0.0, atol=1e-12)
    np.testing.assert_allclose(pooled.total_variance, variance)
    np.testing.assert_allclose(pooled.params, estimate)
    # lambda floored at 1e-4: df is the complete-data df shrunk by at most a hair;
    # fmi = 2/(df + 3), essentially zero
    expected_df = (m - 1) / 1e-8 if np.isinf(dfcom) else (dfcom + 1) / (dfcom + 3) * dfcom
    np.testing.assert_allclose(pooled.df, expected_df, rtol=1e-3)
    np.testing.assert_allclose(pooled.fmi, 2 / (pooled.df + 3))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=2, max_size=10), st.floats(0.01, 3.0))
def test_pool_is_permutation_invariant_and_total_exceeds_within(
    estimates: list[float], variance: float
) -> None:
    fits = [fake_fit([q], [variance]) for q in estimates]
    a, b = ss.pool(fits), ss.pool(fits[::-1])
    np.testing.assert_allclose(a.to_frame(), b.to_frame(), rtol=1e-12)
    assert a.total_variance.iloc[0] >= a.within_variance.iloc[0]
    assert 0 <= a.lambda_.iloc[0] <= 1


def test_d1_of_a_single_parameter_is_the_squared_t_with_riv() -> None:
    fits = [fake_fit([q, 0.1], [0.2, 0.3]) for q in (0.5, 0.9, 0.7, 0.6)]
    pooled = ss.pool(fits, dfcom=np.inf)
    test = pooled.d1(["x0"])
    row = pooled.to_frame().loc["x0"]
    assert test.statistic == pytest.approx(row["estimate"] ** 2 / row["total_variance"])
    assert test.riv == pytest.approx(row["riv"])


def test_pool_rejects_one_fit_and_mismatched_terms() -> None:
    with pytest.raises(ImputationError, match="m >= 2"):
        ss.pool([fake_fit([1.0], [1.0])])
    with pytest.raises(ImputationError, match="differing"):
        ss.pool([fake_fit([1.0], [1.0]), fake_fit([1.0, 2.0], [1.0, 1.0])])


def test_pool_of_frailty_fits_pools_theta_on_the_log_scale() -> None:
    fits = []
    for theta in (0.2, 0.8):
        fit = fake_fit([0.3], [0.1])
        fit.frailty = SimpleNamespace(theta=theta, lrt=SimpleNamespace(p_value=0.01))
        fits.append(fit)
    pooled = ss.pool(fits)
    assert pooled.frailty is not None
    assert pooled.frailty.theta == pytest.approx(0.4)  # geometric mean of 0.2 and 0.8
    assert pooled.frailty.rule == "geometric mean"


# Imputation methods ---------------------------------------------------------------


def test_weighted_multinomial_equals_statsmodels_and_replicated_rows() -> None:
    rng = np.random.default_rng(3)
    n = 300
    x = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    y = rng.integers(0, 3, n)
    beta, covariance = fit_multinomial(y, x, np.ones(n), 3)
    reference = MNLogit(y, x).fit(disp=0)
    np.testing.assert_allclose(beta, reference.params, atol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(covariance)), np.ravel(reference.bse.T), atol=1e-8)
    weights = rng.integers(1, 4, n).astype(float)
    weighted, _ = fit_multinomial(y, x, weights, 3)
    repeat = np.repeat(np.arange(n), weights.astype(int))
    replicated, _ = fit_multinomial(y[repeat], x[repeat], np.ones(repeat.size), 3)
    np.testing.assert_allclose(weighted, replicated, atol=1e-8)


def test_pmm_donors_are_among_the_nearest_predictions() -> None:
    rng = np.random.default_rng(0)
    observed = rng.normal(size=200)
    missing = rng.normal(size=50)
    donors = match_donors(observed, missing, 5, rng)
    rank = (
        np.abs(observed[None, :] - missing[:, None]) < np.abs(observed[donors] - missing)[:, None]
    ).sum(axis=1)
    assert rank.max() < 5


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    data = load_dataset("lung").rename(columns=lambda c: c.replace(".", "_"))
    data["status"] = data["status"] - 1
    data["ecog"] = pd.Categorical(np.minimum(data["ph_ecog"], 2), categories=[0.0, 1.0, 2.0])
    data["sex"] = pd.Categorical(data["sex"].map({1: "m", 2: "f"}))
    data.loc[data.index[::7], "sex"] = np.nan
    return data


def test_impute_fills_every_column_with_observed_kinds(lung: pd.DataFrame) -> None:
    columns = ["age", "sex", "ecog", "wt_loss", "meal_cal"]
    result = ss.impute(lung, columns, m=2, seed=1, survival=("time", "status"), iterations=3)
    assert len(result) == 2
    assert result[0] is result.datasets[0]
    assert result.methods == {
        "sex": "logreg",
        "ecog": "polyreg",
        "wt_loss": "pmm",
        "meal_cal": "pmm",
    }
    for completed in result:
        assert not completed[columns].isna().any().any()
        assert set(completed["meal_cal"]) <= set(lung["meal_cal"].dropna())  # PMM donors
        assert completed["sex"].dtype == lung["sex"].dtype
        observed = lung["wt_loss"].notna()
        pd.testing.assert_series_equal(
            completed.loc[observed, "wt_loss"], lung.loc[observed, "wt_loss"]
        )
    chains = result.chains
    assert set(chains["iteration"]) == {1, 2, 3}
    assert set(chains["imputation"]) == {0, 1}
    assert "ImputationResult m=2" in repr(result)


def test_ordered_categorical_uses_ordered_logit(lung: pd.DataFrame) -> None:
    data = lung.assign(ecog=lung["ecog"].cat.as_ordered())
    data.loc[data.index[::9], "ecog"] = np.nan
    result = ss.impute(
        data, ["age", "ecog"], m=2, seed=2, survival=("time", "status"), iterations=2
    )
    assert result.methods["ecog"] == "polr"
    assert result[1]["ecog"].notna().all()
    assert result[1]["ecog"].cat.ordered


def test_same_seed_same_datasets_other_seed_differs(lung: pd.DataFrame) -> None:
    columns = ["age", "sex", "wt_loss", "meal_cal"]
    a = ss.impute(lung, columns, m=2, seed=11, survival=("time", "status"), iterations=2)
    b = ss.impute(lung, columns, m=2, seed=11, survival=("time", "status"), iterations=2)
    c = ss.impute(lung, columns, m=2, seed=12, survival=("time", "status"), iterations=2)
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)
    assert not a[0]["meal_cal"].equals(c[0]["meal_cal"])


def test_mi_coxph_excludes_and_counts_missing_outcome(lung: pd.DataFrame) -> None:
    data = lung.copy()
    data.loc[data.index[:3], "time"] = np.nan
    formula = "Surv(time, status) ~ age + sex + wt_loss"
    fit = ss.mi_coxph(formula, data, m=3, seed=5, iterations=2)
    again = ss.mi_coxph(formula, data, m=3, seed=5, iterations=2)
    assert fit.n == len(data) - 3
    assert fit.m == 3
    assert list(fit.excluded["row"]) == list(data.index[:3])
    pd.testing.assert_frame_equal(fit.to_frame(), again.to_frame())
    assert (fit.fmi > 0).all()
    assert fit.imputation is not None
    assert "Pooled over m = 3 imputations" in str(fit)
    assert set(fit.hazard_ratios.columns) >= {"hazard_ratio", "lower", "upper", "fmi"}


# Bad input ------------------------------------------------------------------------


def test_m_below_two_is_refused(lung: pd.DataFrame) -> None:
    with pytest.raises(ImputationError, match="m must be"):
        ss.impute(lung, ["age", "wt_loss"], m=1)


def test_entirely_missing_column_is_named(lung: pd.DataFrame) -> None:
    data = lung.assign(empty=np.nan)
    with pytest.raises(ImputationError, match="'empty'") as error:
        ss.impute(data, ["age", "empty"], m=2)
    assert error.value.column == "empty"


def test_sparse_level_is_named(lung: pd.DataFrame) -> None:
    data = lung.assign(rare=pd.Categorical(["a"] * (len(lung) - 1) + ["b"]))
    data.loc[data.index[:5], "rare"] = np.nan
    with pytest.raises(ImputationError, match="too few donors") as error:
        ss.impute(data, ["age", "rare"], m=2)
    assert error.value.column == "rare"


def test_unknown_column_and_method(lung: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError):
        ss.impute(lung, ["age", "nope"], m=2)
    with pytest.raises(ImputationError, match="needs a numeric"):
        ss.impute(lung, ["age", "sex"], m=2, method={"sex": "pmm"})


def test_no_missing_values_warns(lung: pd.DataFrame) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = ss.impute(lung, ["age", "time"], m=2, seed=1, iterations=1)
    assert any("no missing values" in str(w.message) for w in caught)
    pd.testing.assert_frame_equal(result[0], result[1])


def test_nelson_aalen_with_tied_events_by_hand() -> None:
    from sarcosurv.imputation import nelson_aalen_at_own_time

    # 5 at risk at t=1 with 2 events: Efron 1/5 + 1/4, Breslow 2/5; then 1 event of 2 at t=2
    time, event = np.array([1.0, 1.0, 1.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0, 1.0, 0.0])
    efron = nelson_aalen_at_own_time(time, event)
    breslow = nelson_aalen_at_own_time(time, event, ties="breslow")
    np.testing.assert_allclose(efron, [1 / 5 + 1 / 4] * 3 + [1 / 5 + 1 / 4 + 1 / 2] * 2)
    np.testing.assert_allclose(breslow, [2 / 5] * 3 + [2 / 5 + 1 / 2] * 2)


def test_pool_of_frailty_fits_with_a_boundary_estimate_reports_the_median() -> None:
    fits = []
    for theta, p_value in ((0.0, 0.5), (0.4, 0.02), (0.6, 0.01)):
        fit = fake_fit([0.3], [0.1])
        fit.frailty = SimpleNamespace(theta=theta, lrt=SimpleNamespace(p_value=p_value))
        fits.append(fit)
    pooled = ss.pool(fits)
    assert pooled.frailty is not None
    assert pooled.frailty.theta == pytest.approx(0.4)
    assert pooled.frailty.rule.startswith("median")
    assert pooled.frailty.lrt_p_value_median == pytest.approx(0.02)
