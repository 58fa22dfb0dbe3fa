"""Cox models small enough to solve by hand (Therneau & Grambsch 2000, sec. 3.3 style).

Six subjects, one binary covariate ``x``; with ``r = exp(beta)`` the risk sets are

====  ======  ===========================  ====================
time  events  at risk (x = 1 / x = 0)      S0
====  ======  ===========================  ====================
1     x=1     3 / 3                        3r + 3
6     x=1,x=0 1 / 3 (a tie)                r + 3
9     x=0     0 / 1                        1
====  ======  ===========================  ====================

so every expected value below is a closed-form expression in ``r``, written out
in the test and never taken from the package's kernels.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

import sarcosurv as ss
from sarcosurv.cox.kernels import cox_loglik, sort_cox_data


@pytest.fixture
def six() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": [1.0, 1.0, 6.0, 6.0, 8.0, 9.0],
            "status": [1, 0, 1, 1, 0, 1],
            "x": [1.0, 1.0, 1.0, 0.0, 0.0, 0.0],
        }
    )


# Breslow: l = 2b - log(3r + 3) - 2 log(r + 3)
def breslow_loglik(b: float) -> float:
    r = math.exp(b)
    return 2 * b - math.log(3 * r + 3) - 2 * math.log(r + 3)


def breslow_score(b: float) -> float:
    r = math.exp(b)
    return 2 - r / (r + 1) - 2 * r / (r + 3)


def breslow_information(b: float) -> float:
    r = math.exp(b)
    return r / (r + 1) ** 2 + 6 * r / (r + 3) ** 2


# Efron: the tie at 6 has denominators r + 3 and (r + 3) - (r + 1)/2 = (r + 5)/2.
def efron_loglik(b: float) -> float:
    r = math.exp(b)
    return 2 * b - math.log(3 * r + 3) - math.log(r + 3) - math.log((r + 5) / 2)


def efron_score(b: float) -> float:
    r = math.exp(b)
    return 2 - r / (r + 1) - r / (r + 3) - r / (r + 5)


def efron_information(b: float) -> float:
    r = math.exp(b)
    return r / (r + 1) ** 2 + 3 * r / (r + 3) ** 2 + 5 * r / (r + 5) ** 2


HAND = {
    "breslow": (breslow_loglik, breslow_score, breslow_information),
    "efron": (efron_loglik, efron_score, efron_information),
}


def test_values_at_zero_are_simple_fractions() -> None:
    # Guards the hand formulas themselves.
    assert breslow_loglik(0.0) == pytest.approx(-math.log(6) - 2 * math.log(4), rel=1e-15)
    assert breslow_score(0.0) == pytest.approx(1.0, rel=1e-15)
    assert breslow_information(0.0) == pytest.approx(5 / 8, rel=1e-15)
    assert efron_loglik(0.0) == pytest.approx(-math.log(72), rel=1e-15)
    assert efron_score(0.0) == pytest.approx(13 / 12, rel=1e-15)
    assert efron_information(0.0) == pytest.approx(83 / 144, rel=1e-15)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("beta", [0.0, 0.7, -1.3, 2.5])
def test_kernel_loglik_score_information(six: pd.DataFrame, ties: str, beta: float) -> None:
    loglik, score, information = HAND[ties]
    data = sort_cox_data(six["time"], six["status"], six[["x"]].to_numpy())
    got = cox_loglik(data, [beta], ties=ties)  # type: ignore[arg-type]
    assert got[0] == pytest.approx(loglik(beta), rel=1e-13)
    assert got[1][0] == pytest.approx(score(beta), rel=1e-12, abs=1e-14)
    assert got[2][0, 0] == pytest.approx(information(beta), rel=1e-12)


def test_breslow_estimate_has_a_closed_form(six: pd.DataFrame) -> None:
    # U(b) = 0  <=>  -r^2 + 3r + 6 = 0  <=>  r = (3 + sqrt(33)) / 2.
    beta = math.log((3 + math.sqrt(33)) / 2)
    assert breslow_score(beta) == pytest.approx(0.0, abs=1e-14)
    fit = ss.coxph("Surv(time, status) ~ x", six, ties="breslow")
    assert fit.params["x"] == pytest.approx(beta, rel=1e-8)
    assert fit.std_err["x"] == pytest.approx(1 / math.sqrt(breslow_information(beta)), rel=1e-7)
    assert fit.loglik[0] == pytest.approx(breslow_loglik(0.0), rel=1e-14)
    assert fit.loglik[1] == pytest.approx(breslow_loglik(beta), rel=1e-12)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_fit_and_global_tests(six: pd.DataFrame, ties: str) -> None:
    loglik, score, information = HAND[ties]
    beta = optimize.brentq(score, -5.0, 10.0, xtol=1e-14)
    fit = ss.coxph("Surv(time, status) ~ x", six, ties=ties)  # type: ignore[arg-type]
    assert fit.n == 6
    assert fit.n_event == 4
    assert fit.params["x"] == pytest.approx(beta, rel=1e-8)
    se = 1 / math.sqrt(information(beta))
    assert fit.std_err["x"] == pytest.approx(se, rel=1e-7)
    assert fit.loglik == pytest.approx((loglik(0.0), loglik(beta)), rel=1e-12)
    assert fit.tests is not None
    assert fit.tests.score.statistic == pytest.approx(score(0.0) ** 2 / information(0.0), rel=1e-12)
    assert fit.tests.likelihood_ratio.statistic == pytest.approx(
        2 * (loglik(beta) - loglik(0.0)), rel=1e-9
    )
    assert fit.tests.wald.statistic == pytest.approx((beta / se) ** 2, rel=1e-7)
    table = fit.hazard_ratios
    assert table.loc["x", "hazard_ratio"] == pytest.approx(math.exp(beta), rel=1e-8)
    assert table.loc["x", "lower"] == pytest.approx(math.exp(beta - 1.959963984540054 * se), 1e-7)


def test_breslow_score_test_is_the_logrank_numerator_over_binomial_variance(
    six: pd.DataFrame,
) -> None:
    # O - E for x = 1: 2 - (1 * 3/6 + 2 * 1/4 + 1 * 0/1) = 1; the Breslow information
    # at 0 is sum d p (1 - p) = 1/4 + 2 * 3/16 = 5/8, without the (n - d)/(n - 1) factor.
    fit = ss.coxph("Surv(time, status) ~ x", six, ties="breslow")
    assert fit.tests is not None
    assert fit.tests.score.statistic == pytest.approx(1.0 / (5 / 8), rel=1e-13)


def test_score_test_equals_logrank_without_ties() -> None:
    # No tied times: every ties method gives the log-rank statistic (T&G 2000, sec. 3.4).
    data = pd.DataFrame(
        {
            "time": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "status": [1, 1, 0, 1, 1, 0, 1],
            "x": [1, 0, 1, 1, 0, 0, 0],
        }
    )
    # At risk (x=1 / total) at each event time: 1: 3/7, 2: 2/6, 4: 1/4, 5: 0/3, 7: 0/1.
    p = np.array([3 / 7, 2 / 6, 1 / 4, 0.0, 0.0])
    observed = 2.0  # events with x = 1 at times 1 and 4
    expected = p.sum()
    variance = (p * (1 - p)).sum()
    by_hand = (observed - expected) ** 2 / variance
    logrank = ss.logrank_test(data, "time", "status", "x")
    assert logrank.statistic == pytest.approx(by_hand, rel=1e-12)
    for ties in ("breslow", "efron"):
        fit = ss.coxph("Surv(time, status) ~ x", data, ties=ties)  # type: ignore[arg-type]
        assert fit.tests is not None
        assert fit.tests.score.statistic == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_baseline_cumulative_hazard(six: pd.DataFrame, ties: str) -> None:
    fit = ss.coxph("Surv(time, status) ~ x", six, ties=ties)  # type: ignore[arg-type]
    r = math.exp(fit.params["x"])
    tie = 2 / (r + 3) if ties == "breslow" else 1 / (r + 3) + 2 / (r + 5)
    # R basehaz lists every observed time; the censoring at 8 adds nothing.
    steps = np.cumsum([1 / (3 * r + 3), tie, 0.0, 1.0])
    base = fit.baseline_hazard()
    np.testing.assert_allclose(base["time"], [1.0, 6.0, 8.0, 9.0])
    np.testing.assert_allclose(base["cumulative_hazard"], steps, rtol=1e-12)


def test_martingale_residuals_at_the_estimate(six: pd.DataFrame) -> None:
    # M_i = delta_i - r_i * Lambda_0(t_i) with Breslow increments.
    fit = ss.coxph("Surv(time, status) ~ x", six, ties="breslow")
    r = math.exp(fit.params["x"])
    cumulative = {1.0: 1 / (3 * r + 3)}
    cumulative[6.0] = cumulative[1.0] + 2 / (r + 3)
    cumulative[8.0] = cumulative[6.0]
    cumulative[9.0] = cumulative[6.0] + 1.0
    risk = np.where(six["x"] == 1, r, 1.0)
    expected = six["status"] - risk * six["time"].map(cumulative).to_numpy()
    np.testing.assert_allclose(fit.residuals("martingale").to_numpy(), expected, atol=1e-12)


def test_left_truncated_row_joins_later_risk_sets(six: pd.DataFrame) -> None:
    # A seventh subject with x = 1 enters at 2 and is censored at 7: it is at risk at 6 only,
    # so S0(6) = 2r + 3 and Breslow's l = 2b - log(3r + 3) - 2 log(2r + 3).
    data = pd.concat(
        [
            six.assign(start=0.0),
            pd.DataFrame({"time": [7.0], "status": [0], "x": [1.0], "start": [2.0]}),
        ],
        ignore_index=True,
    )
    fit = ss.coxph("Surv(start, time, status) ~ x", data, ties="breslow")

    def score(b: float) -> float:
        r = math.exp(b)
        return 2 - 3 * r / (3 * r + 3) - 2 * 2 * r / (2 * r + 3)

    def information(b: float) -> float:
        r = math.exp(b)
        return r / (r + 1) ** 2 + 2 * (2 * r * 3) / (2 * r + 3) ** 2

    beta = optimize.brentq(score, -5.0, 10.0, xtol=1e-14)
    assert fit.params["x"] == pytest.approx(beta, rel=1e-8)
    assert fit.std_err["x"] == pytest.approx(1 / math.sqrt(information(beta)), rel=1e-7)
    assert fit.loglik[0] == pytest.approx(-math.log(6) - 2 * math.log(5), rel=1e-14)


def test_strata_add_their_log_likelihoods(six: pd.DataFrame) -> None:
    # Two copies of the data as two strata: every quantity doubles, the estimate stays.
    data = pd.concat([six.assign(s="a"), six.assign(s="b")], ignore_index=True)
    fit = ss.coxph("Surv(time, status) ~ x", data, ties="efron", strata="s")
    beta = optimize.brentq(efron_score, -5.0, 10.0, xtol=1e-14)
    assert fit.params["x"] == pytest.approx(beta, rel=1e-8)
    assert fit.loglik[1] == pytest.approx(2 * efron_loglik(beta), rel=1e-12)
    assert fit.std_err["x"] == pytest.approx(1 / math.sqrt(2 * efron_information(beta)), 1e-7)


def test_efron_with_case_weights_uses_the_mean_weight_of_the_tie(six: pd.DataFrame) -> None:
    # Weights 2 on the tied pair at 6. Time 1: x=1 weights 1+1+2, x=0 weights 2+1+1, so
    # S0 = 4r + 4. Time 6: S0 = 2r + 4 and D0 = 2r + 2; Efron's denominators 2r + 4 and
    # (2r + 4) - (2r + 2)/2 = r + 3 each carry the mean weight 2. Time 9: S0 = 1.
    # l = 3b - log(4r + 4) - 2 log(2r + 4) - 2 log(r + 3).
    data = six.assign(w=[1.0, 1.0, 2.0, 2.0, 1.0, 1.0])
    fit = ss.coxph("Surv(time, status) ~ x", data, ties="efron", weights="w")

    def loglik(b: float) -> float:
        r = math.exp(b)
        return 3 * b - math.log(4 * r + 4) - 2 * math.log(2 * r + 4) - 2 * math.log(r + 3)

    def score(b: float) -> float:
        r = math.exp(b)
        return 3 - r / (r + 1) - 2 * r / (r + 2) - 2 * r / (r + 3)

    def information(b: float) -> float:
        r = math.exp(b)
        return r / (r + 1) ** 2 + 2 * 2 * r / (r + 2) ** 2 + 2 * 3 * r / (r + 3) ** 2

    beta = optimize.brentq(score, -5.0, 10.0, xtol=1e-14)
    assert fit.loglik[0] == pytest.approx(-math.log(8) - 2 * math.log(6) - 2 * math.log(4), 1e-13)
    assert fit.loglik[1] == pytest.approx(loglik(beta), rel=1e-12)
    assert fit.params["x"] == pytest.approx(beta, rel=1e-8)
    assert fit.std_err["x"] == pytest.approx(1 / math.sqrt(information(beta)), rel=1e-7)
