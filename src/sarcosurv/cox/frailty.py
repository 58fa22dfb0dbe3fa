"""Shared gamma frailty by centre: exact marginal likelihood, profile CI, boundary test.

``ss.coxph(formula, data, frailty="centre_id")`` fits
:math:`h_{ij}(t) = w_i h_0(t) e^{x_{ij}\\beta}` with :math:`w_i` gamma with
mean 1 and variance :math:`\\theta`, by maximising the marginal likelihood
(the frailties integrated out, the baseline nonparametric) profiled over
:math:`\\theta` (Klein 1992; Nielsen et al. 1992; see
:mod:`sarcosurv.cox._frailty_likelihood` for the formula).

Why not R's answer? R ``coxph(... + frailty(centre))`` (survival 3.5, method
"em") alternates penalised partial-likelihood fits with an update of
:math:`\\theta` and stops when successive I-likelihood values agree; the
update is not a maximisation of the I-likelihood, so it can stop at a
:math:`\\theta` whose I-likelihood is lower than at other values of
:math:`\\theta`, as the tests show on R's own likelihood values. Here the
profile is maximised directly: each point is an EM fixed point solved to
1e-10 (quasi-Newton steps in :math:`\\beta` between SQUAREM-accelerated
E-steps, warm-started from the nearest solved :math:`\\theta`), and because
that fixed point maximises over the baseline, the derivative of the profile in
:math:`\\log\\theta` is the partial derivative of the marginal likelihood
(envelope theorem). The maximum is the root of that derivative (bracketed,
then Brent's method), the CI bounds are found by safeguarded Newton steps on
the profile, and the result is checked to exceed the profile on both sides.
The sorted rows are shared by every evaluation.

Strata get their own baseline and share the frailty. Counting-process data
``Surv(start, stop, event)`` are taken as left truncated at ``start`` (each row
a subject entering then) with the frailty conditioned on survival to entry, as
frailtyEM does (``coxph(..., frailty_left_truncation=False)`` instead treats the
rows as pieces of each subject's follow-up, as R's ``coxph`` does with
``frailty()``: for covariates that change over time). With truncation the EM
fixed point is not the stationary point of the marginal likelihood, so the
profile is maximised by its values (bounded Brent) and the CI bounds by root
finding on its values.

Standard errors of :math:`\\beta`: the Hessian of the profile over the
baseline in :math:`(\\beta, \\theta)` by forward differences of its analytic
gradient; ``fit.std_err`` holds the adjusted ones (the :math:`\\beta` block of
the inverse, frailtyEM's "adj. se"), ``fit.frailty.std_err_conditional`` those
given :math:`\\theta`.

Reported: :math:`\\hat\\theta`; the profile-likelihood 95% interval
:math:`\\{\\theta: 2(\\ell^*(\\hat\\theta) - \\ell^*(\\theta)) \\le
\\chi^2_{1, 0.95}\\}`; the likelihood-ratio test of :math:`\\theta = 0` with the
50:50 mixture of :math:`\\chi^2_0` and :math:`\\chi^2_1` as null distribution
because :math:`\\theta = 0` lies on the boundary (Self & Liang 1987);
Kendall's :math:`\\tau = \\theta/(\\theta + 2)`; per-centre posterior
:math:`\\Gamma(1/\\theta + D_i, 1/\\theta + C_i)` means and 95% intervals.

References: Klein JP (1992) Biometrics 48:795-806; Nielsen GG et al. (1992)
Scand J Stat 19:25-43; Self SG, Liang KY (1987) JASA 82:605-610; Balan TA,
Putter H (2019) J Stat Softw 90(7) (frailtyEM).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, stats

from ._frailty_likelihood import (
    FrailtyDesign,
    ProfilePoint,
    frailty_design,
    profile_point,
    score_and_information,
    theta_score,
    variances,
)
from .._results import TestResult
from .kernels import SortedCoxData, Ties, fit_cox_newton

__all__ = ["FrailtyResult", "GammaFrailtyFit", "fit_gamma_frailty"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Half the 95% point of chi-square(1): the profile drop that bounds the CI.
_CI_DROP = float(stats.chi2.ppf(0.95, 1)) / 2.0
_LOG_THETA_MIN = float(np.log(1e-6))  # below this theta is reported as 0 (boundary)
_LOG_THETA_MAX = float(np.log(1e4))
_INNER_TOL = 1e-10
_OUTER_MAX = 200
_REFRESH_INFO = 8


@dataclass(frozen=True)
class FrailtyResult:
    """The shared gamma frailty of a Cox model (``fit.frailty``).

    Attributes
    ----------
    theta : float
        Variance of the gamma frailty, marginal maximum likelihood estimate.
    theta_ci : tuple of float
        Profile-likelihood 95% interval (lower 0 when the boundary is inside).
    lrt : TestResult
        Likelihood-ratio test of theta = 0, p-value from the 50:50 mixture of
        chi-square(0) and chi-square(1).
    kendall_tau : float
        theta / (theta + 2), the within-centre rank correlation it implies.
    loglik : float
        Marginal log-likelihood at the estimate, on the Cox partial-likelihood
        scale (equal to the Cox log-likelihood at theta = 0).
    loglik_null : float
        Cox partial log-likelihood without frailty (theta = 0), maximised in beta.
    estimates : pandas.DataFrame
        Per cluster: cluster, n, n_event, frailty (posterior mean), lower, upper.
    std_err_kind : str
        Which standard errors ``fit.std_err`` holds (``"adjusted"``: accounting
        for the estimation of theta; ``fit.frailty.std_err_conditional`` holds
        those given theta).
    """

    theta: float
    theta_ci: tuple[float, float]
    lrt: TestResult
    kendall_tau: float
    loglik: float
    loglik_null: float
    estimates: pd.DataFrame
    std_err_conditional: pd.Series
    std_err_adjusted: pd.Series
    n_cluster: int
    std_err_kind: str = "adjusted"

    def to_frame(self) -> pd.DataFrame:
        """One row: theta, its CI, Kendall's tau, LRT statistic and p-value, log-likelihoods."""
        return pd.DataFrame(
            [
                {
                    "theta": self.theta,
                    "lower": self.theta_ci[0],
                    "upper": self.theta_ci[1],
                    "kendall_tau": self.kendall_tau,
                    "lrt_statistic": self.lrt.statistic,
                    "lrt_p_value": self.lrt.p_value,
                    "loglik": self.loglik,
                    "loglik_null": self.loglik_null,
                    "n_cluster": self.n_cluster,
                }
            ]
        )

    def summary(self) -> pd.DataFrame:
        return self.to_frame()

    def __str__(self) -> str:
        lo, hi = self.theta_ci
        return (
            f"Shared gamma frailty over {self.n_cluster} clusters: theta = {self.theta:.4g} "
            f"(95% profile CI {lo:.4g}-{hi:.4g}), Kendall's tau = {self.kendall_tau:.3f}; "
            f"LRT theta = 0: {self.lrt.statistic:.3f}, p = {self.lrt.p_value:.3g} "
            "(50:50 chi-bar-square)"
        )


@dataclass(frozen=True)
class GammaFrailtyFit:
    """What :func:`fit_gamma_frailty` hands back to :func:`sarcosurv.coxph`."""

    beta: FloatArray
    vcov: FloatArray  # adjusted for the estimation of theta
    vcov_conditional: FloatArray
    loglik: tuple[float, float]  # (Cox loglik without frailty, marginal loglik at estimate)
    linear_predictor: FloatArray  # input row order, without frailty
    log_frailty: FloatArray  # input row order
    frailty: FrailtyResult


@dataclass(frozen=True)
class _Point:
    """One solved point of the profile: beta and frailties maximising at fixed theta."""

    theta: float
    loglik: float
    beta: FloatArray
    inner: ProfilePoint
    slope: float  # d loglik / d log(theta), by the envelope theorem


class _Profile:
    """Profile log-likelihood in theta, warm-started from the nearest solved point.

    At fixed theta, Newton steps in beta use the Cox information given the
    current frailties; between steps the frailties are re-solved to a
    tolerance that tightens with the step size. The sorted rows of the design
    are shared by every evaluation.
    """

    def __init__(self, design: FrailtyDesign, ties: Ties, beta0: FloatArray):
        self.design, self.ties = design, ties
        self.beta0 = beta0.copy()
        self.cache: dict[float, _Point] = {}
        self.info: FloatArray | None = None

    def _warm(self, theta: float) -> tuple[FloatArray, FloatArray | None]:
        solved = [p for p in self.cache.values() if p.theta > 0]
        if theta <= 0 or not solved:
            return self.beta0.copy(), None
        near = min(solved, key=lambda p: abs(np.log(p.theta) - np.log(theta)))
        return near.beta.copy(), near.inner.state

    def solve(self, theta: float) -> _Point:
        """Maximise over beta (and the baseline) at fixed theta."""
        key = float(theta)
        if key in self.cache:
            return self.cache[key]
        design = self.design
        beta, state = self._warm(key)
        tol = 1e-6
        inner = profile_point(design, beta, key, state, tol)
        for iteration in range(_OUTER_MAX):
            if beta.size == 0:
                break
            if self.info is None or iteration == _REFRESH_INFO:
                # The information given the frailties changes little between nearby
                # thetas: quasi-Newton steps with a stored one, refreshed when slow.
                _, self.info = score_and_information(design, beta, inner.state, self.ties, True)
            step = _solve(self.info, inner.score)
            beta = beta + step
            size = float(np.max(np.abs(step)))
            converged = size < 1e-9 * max(1.0, float(np.max(np.abs(beta))))
            tol = _INNER_TOL if converged else min(max(1e-3 * size, _INNER_TOL), 1e-6)
            inner = profile_point(design, beta, key, inner.state, tol)
            if converged:
                break
        if beta.size == 0:
            inner = profile_point(design, beta, key, inner.state)
        if not np.isfinite(inner.loglik) and state is not None:
            # A warm start that ran away (truncation, near the drifting region): start cold.
            self.cache[key] = self._cold(key)
            return self.cache[key]
        slope = 0.0 if key <= 0 or not design.truncated else float("nan")
        if key > 0 and not design.truncated:
            slope = key * theta_score(key, design.n_event, inner.exit_hazard, inner.entry_hazard)
        point = _Point(key, inner.loglik, beta, inner, slope)
        self.cache[key] = point
        return point

    def _cold(self, theta: float) -> _Point:
        cold = _Profile(self.design, self.ties, self.beta0)
        cold.info = self.info
        return cold.solve(theta)

    def at(self, x: float) -> _Point:
        return self.solve(float(np.exp(x)))


def _solve(info: FloatArray, score: FloatArray) -> FloatArray:
    try:
        return np.asarray(np.linalg.solve(info, score), np.float64)
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(info) @ score, np.float64)


def _start_theta(design: FrailtyDesign, beta: FloatArray) -> float:
    """One-step moment estimate from the Cox fit: sum[(D - H)^2 - D] / sum H^2."""
    zero = profile_point(design, beta, 0.0)
    hazard = zero.exit_hazard - zero.entry_hazard
    events = design.n_event
    denominator = float(np.sum(hazard * hazard))
    estimate = float(np.sum((events - hazard) ** 2 - events)) / denominator if denominator else 0
    return float(np.clip(estimate, 1e-3, 10.0))


def _maximise(profile: _Profile, loglik_null: float, theta0: float) -> float:
    """theta maximising the profile (0 at the boundary): bracket the slope's sign change."""
    x = float(np.log(theta0))
    point = profile.at(x)
    if point.slope > 0:
        lo = x
        while point.slope > 0 and x < _LOG_THETA_MAX:
            lo, x = x, x + 1.0
            point = profile.at(x)
        if point.slope > 0:
            return float(np.exp(x))
        hi = x
    else:
        hi = x
        while point.slope <= 0 and x > _LOG_THETA_MIN:
            hi, x = x, x - 2.0
            point = profile.at(x)
        if point.slope <= 0:
            return 0.0
        lo = x
    root = optimize.brentq(lambda y: profile.at(y).slope, lo, hi, xtol=1e-7, rtol=1e-12)
    theta = float(np.exp(root))
    if profile.solve(theta).loglik <= loglik_null + 1e-9:
        return 0.0
    return theta


def _maximise_by_value(profile: _Profile, loglik_null: float, theta0: float) -> float:
    """theta maximising the profile by its values (left truncation: no exact slope)."""

    def value(x: float) -> float:
        return profile.at(x).loglik

    x, step = float(np.log(theta0)), 1.0
    current, ahead = value(x), value(x + step)
    if ahead < current:
        step = -step
        ahead = value(x + step)
    behind = x - step
    while ahead >= current:
        behind, x, current = x, x + step, ahead
        if not _LOG_THETA_MIN < x < _LOG_THETA_MAX:
            return 0.0 if step < 0 else float(np.exp(x))
        ahead = value(x + step)
    lo, hi = sorted((behind, x + step))
    found = optimize.minimize_scalar(
        lambda y: -value(y), bounds=(lo, hi), method="bounded", options={"xatol": 1e-7}
    )
    theta = float(np.exp(found.x))
    if profile.solve(theta).loglik <= loglik_null + 1e-9:
        return 0.0
    return theta


def _curvature(profile: _Profile, x_hat: float) -> float:
    """-d^2 loglik / d(log theta)^2 near the maximum, from the slopes already solved."""
    points = sorted(
        (p for p in profile.cache.values() if p.theta > 0 and p.theta != np.exp(x_hat)),
        key=lambda p: abs(np.log(p.theta) - x_hat),
    )
    if not points:
        return 1.0
    near = points[0]
    top = profile.at(x_hat)
    distance = float(np.log(near.theta)) - x_hat
    if abs(distance) < 1e-9:
        return 1.0
    value = -(near.slope - top.slope) / distance
    return float(value) if value > 1e-8 else 1.0


def _drop_root(profile: _Profile, x_hat: float, top: float, direction: float) -> float:
    """log theta where the profile has fallen CI_DROP below the maximum (safeguarded Newton)."""

    def height(point: _Point) -> float:
        return point.loglik - top + _CI_DROP

    step = float(np.clip(np.sqrt(2.0 * _CI_DROP / _curvature(profile, x_hat)), 0.05, 1.0))
    limit = _LOG_THETA_MAX if direction > 0 else _LOG_THETA_MIN - 10.0
    inside, x = x_hat, x_hat + direction * step
    point = profile.at(x)
    while height(point) > 0:
        if direction * (x - limit) >= 0:
            return float(direction * np.inf)  # the profile never falls far enough
        inside, x = x, float(np.clip(x + direction * step, min(x, limit), max(x, limit)))
        step *= 2.0
        point = profile.at(x)
    outside = x
    if profile.design.truncated:
        return float(
            optimize.brentq(
                lambda y: height(profile.at(y)),
                min(inside, outside),
                max(inside, outside),
                xtol=1e-8,
            )
        )
    for _ in range(100):
        h = height(point)
        if abs(h) < 1e-7:
            break
        if h > 0:
            inside = x
        else:
            outside = x
        if abs(outside - inside) < 1e-8:
            break
        newton = x - h / point.slope if point.slope != 0 else np.nan
        low, high = min(inside, outside), max(inside, outside)
        x = float(newton) if low < newton < high else 0.5 * (inside + outside)
        point = profile.at(x)
    return x


def _interval(
    profile: _Profile, theta: float, top: float, loglik_null: float
) -> tuple[float, float]:
    x_hat = float(np.log(theta)) if theta > 0 else _LOG_THETA_MIN
    upper = float(np.exp(_drop_root(profile, x_hat, top, 1.0)))
    if theta <= 0 or top - loglik_null <= _CI_DROP:
        return 0.0, upper
    return float(np.exp(_drop_root(profile, x_hat, top, -1.0))), upper


def _estimates(
    design: FrailtyDesign, labels: Sequence[object], theta: float, hazard: FloatArray
) -> pd.DataFrame:
    if theta > 0:
        shape = 1.0 / theta + design.n_event
        rate = 1.0 / theta + hazard
        mean = shape / rate
        lower = stats.gamma.ppf(0.025, shape, scale=1.0 / rate)
        upper = stats.gamma.ppf(0.975, shape, scale=1.0 / rate)
    else:
        mean = lower = upper = np.ones(design.n_cluster)
    return pd.DataFrame(
        {
            "cluster": list(labels),
            "n": design.n_rows,
            "n_event": design.n_event,
            "frailty": mean,
            "lower": lower,
            "upper": upper,
        }
    )


def fit_gamma_frailty_sorted(
    data: SortedCoxData,
    cluster: IntArray,
    cluster_labels: Sequence[object],
    term_names: Sequence[str],
    *,
    ties: Ties,
    left_truncation: bool = True,
) -> GammaFrailtyFit:
    """Fit the shared gamma frailty Cox model by profile marginal likelihood.

    Parameters
    ----------
    data : SortedCoxData
        From :func:`sarcosurv.cox.kernels.sort_cox_data`; the likelihood rows
        are sorted once and reused for every theta. Strata get their own
        baseline hazard and share the frailty; counting-process data
        ``(start, stop]`` are left truncated at ``start``, the frailty
        conditioned on survival to entry, unless ``left_truncation`` is false.
    cluster : ndarray of int
        Cluster code (0..K-1) of each row, input row order.
    cluster_labels : sequence
        Label of each code.
    term_names : sequence of str
    ties : {"efron", "breslow"}
    left_truncation : bool
        For counting-process data: true when ``start`` is a delayed entry (the
        frailty is conditioned on survival to it, as frailtyEM's
        ``left_truncation = TRUE``); false when the rows are pieces of each
        subject's follow-up, e.g. split for time-varying covariates (each row
        adds the hazard of its interval, as R ``coxph`` with ``frailty()``).
    """
    design = frailty_design(data, cluster, ties, left_truncation)
    cox = fit_cox_newton(data, ties=ties)
    loglik_null = cox.loglik
    profile = _Profile(design, ties, cox.beta)
    search = _maximise_by_value if design.truncated else _maximise
    theta = search(profile, loglik_null, _start_theta(design, cox.beta))
    point = profile.solve(theta)
    top, beta, inner = (point.loglik, point.beta, point.inner)
    if theta <= 0:
        top, beta = loglik_null, cox.beta
        inner = profile_point(design, beta, 0.0)
    theta_ci = _interval(profile, theta, top, loglik_null)
    statistic = max(0.0, 2.0 * (top - loglik_null))
    p_value = 0.5 * float(stats.chi2.sf(statistic, 1)) if statistic > 0 else 0.5
    conditional, adjusted = variances(design, ties, beta, theta, inner.state)
    index = pd.Index(list(term_names), name="term")
    result = FrailtyResult(
        theta=theta,
        theta_ci=theta_ci,
        lrt=TestResult(statistic, 1.0, p_value, "likelihood_ratio_theta_0"),
        kendall_tau=theta / (theta + 2.0),
        loglik=top,
        loglik_null=loglik_null,
        estimates=_estimates(design, cluster_labels, theta, inner.exit_hazard),
        std_err_conditional=pd.Series(np.sqrt(np.diag(conditional)), index=index),
        std_err_adjusted=pd.Series(np.sqrt(np.diag(adjusted)), index=index),
        n_cluster=design.n_cluster,
    )
    linear = np.empty(data.n)
    if beta.size:
        centre = float(np.sum(data.centre * beta))
        linear[data.order] = np.einsum("ij,j->i", data.covariates, beta) + centre
    else:
        linear[:] = 0.0
    log_frailty = np.log(inner.frailty)[np.asarray(cluster, dtype=np.intp)]
    return GammaFrailtyFit(
        beta=beta,
        vcov=adjusted,
        vcov_conditional=conditional,
        loglik=(loglik_null, top),
        linear_predictor=linear,
        log_frailty=log_frailty,
        frailty=result,
    )
