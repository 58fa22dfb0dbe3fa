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

Reported: :math:`\\hat\\theta`; the profile-likelihood interval
:math:`\\{\\theta: 2(\\ell^*(\\hat\\theta) - \\ell^*(\\theta)) \\le
\\chi^2_{1, c}\\}` at ``conf_level`` :math:`c`; the likelihood-ratio test of
:math:`\\theta = 0` with the 50:50 mixture of :math:`\\chi^2_0` and
:math:`\\chi^2_1` as null distribution because :math:`\\theta = 0` lies on the
boundary (Self & Liang 1987; p-value 1 when :math:`\\hat\\theta = 0`);
Kendall's :math:`\\tau = \\theta/(\\theta + 2)`; per-centre posterior
:math:`\\Gamma(1/\\theta + D_i, 1/\\theta + C_i)` means and intervals at
``conf_level``. With ``theta=`` fixed (R's ``frailty(x, theta = )``) only the
fit at that value is reported. Every iteration cap (``CoxControl``) that is
reached gives a ``ConvergenceWarning`` and ``converged = False``.

References: Klein JP (1992) Biometrics 48:795-806; Nielsen GG et al. (1992)
Scand J Stat 19:25-43; Self SG, Liang KY (1987) JASA 82:605-610; Balan TA,
Putter H (2019) J Stat Softw 90(7) (frailtyEM).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, special

from .._results import ResultDisplay, TestResult
from ..counting.linalg import solve_or_pinv
from ..errors import ConvergenceError, ConvergenceWarning
from ._frailty_likelihood import (
    FrailtyDesign,
    ProfilePoint,
    frailty_design,
    profile_point,
    score_and_information,
    theta_score,
    variances,
)
from ._monotone import diverging_terms
from .control import CoxControl
from .kernels import NewtonResult, SortedCoxData, Ties, fit_cox_newton

__all__ = [
    "FrailtyProfile",
    "FrailtyResult",
    "GammaFrailtyFit",
    "ProfileSolution",
    "boundary_lrt",
    "fit_gamma_frailty_sorted",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

_LOG_THETA_MIN = float(np.log(1e-6))  # below this theta is reported as 0 (boundary)
_LOG_THETA_MAX = float(np.log(1e4))
_REFRESH_INFO = 8


def ci_drop(conf_level: float) -> float:
    """Half the ``conf_level`` point of chi-square(1): the profile drop bounding the CI."""
    return float(special.chdtri(1, 1.0 - conf_level)) / 2.0


@dataclass(frozen=True, eq=False)
class FrailtyResult:
    """The shared gamma frailty of a Cox model (``fit.frailty``).

    Attributes
    ----------
    theta : float
        Variance of the gamma frailty, marginal maximum likelihood estimate.
    theta_ci : tuple of float
        Profile-likelihood interval at ``conf_level`` (lower 0 when the
        boundary is inside; NaN when theta was fixed).
    lrt : TestResult
        Likelihood-ratio test of theta = 0, p-value from the 50:50 mixture of
        chi-square(0) and chi-square(1): 1 when the estimate is 0 (statistic
        0); NaN when theta was fixed (nothing was estimated).
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
        for the estimation of theta; ``"conditional"``: given theta, as when
        theta was fixed; ``fit.frailty.std_err_conditional`` always holds those
        given theta).
    conf_level : float
        Level of ``theta_ci`` and of the posterior intervals in ``estimates``.
    converged : bool
        False when an iteration cap was reached (a ConvergenceWarning said so).
    n_iter : int
        Values of theta at which the profile was solved.
    theta_fixed : bool
        True when theta was given (``coxph(..., theta=)``), not estimated.
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
    conf_level: float = 0.95
    converged: bool = True
    n_iter: int = 0
    theta_fixed: bool = False

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

    def __repr__(self) -> str:
        kind = "fixed" if self.theta_fixed else "estimated"
        return f"<FrailtyResult clusters={self.n_cluster} theta={self.theta:.4g} ({kind})>"

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))

    def __str__(self) -> str:
        head = f"Shared gamma frailty over {self.n_cluster} clusters: theta = {self.theta:.4g}"
        if self.theta_fixed:
            return f"{head} (fixed), Kendall's tau = {self.kendall_tau:.3f}"
        lo, hi = self.theta_ci
        return (
            f"{head} ({self.conf_level:.0%} profile CI {lo:.4g}-{hi:.4g}), "
            f"Kendall's tau = {self.kendall_tau:.3f}; "
            f"LRT theta = 0: {self.lrt.statistic:.3f}, p = {self.lrt.p_value:.3g} "
            "(50:50 chi-bar-square)"
        )


@dataclass(frozen=True, repr=False)
class GammaFrailtyFit(ResultDisplay):
    """A fitted shared gamma frailty model on arrays (:func:`sarcosurv.cox.fit_gamma_frailty`).

    Attributes
    ----------
    beta : ndarray
        Coefficients, uncentred covariate scale.
    vcov, vcov_conditional : ndarray
        Variance of beta adjusted for the estimation of theta (given theta
        when theta was fixed), and given theta.
    loglik : tuple of float
        Cox partial log-likelihood without frailty, marginal log-likelihood at
        the estimate.
    linear_predictor, log_frailty : ndarray
        x beta and the posterior mean log frailty per row (input order).
    frailty : FrailtyResult
        theta, its CI and test, per-cluster posterior estimates.
    """

    _repr_fields: ClassVar[tuple[str, ...]] = ("beta", "frailty")

    beta: FloatArray
    vcov: FloatArray
    vcov_conditional: FloatArray
    loglik: tuple[float, float]  # (Cox loglik without frailty, marginal loglik at estimate)
    linear_predictor: FloatArray  # input row order, without frailty
    log_frailty: FloatArray  # input row order
    frailty: FrailtyResult

    @property
    def converged(self) -> bool:
        return self.frailty.converged

    @property
    def n_iter(self) -> int:
        return self.frailty.n_iter

    @property
    def std_err(self) -> FloatArray:
        return np.asarray(np.sqrt(np.diag(self.vcov)), np.float64)


@dataclass(frozen=True)
class ProfileSolution:
    """One solved point of the profile: beta and frailties maximising at fixed theta.

    Attributes
    ----------
    theta : float
    loglik : float
        Profile marginal log-likelihood (R's I-likelihood scale).
    beta : ndarray
    inner : ProfilePoint
        Log frailties (``inner.state``), cluster hazards, E-step count.
    slope : float
        d loglik / d log(theta) (envelope theorem; NaN under left truncation).
    n_iter : int
        Steps in beta taken at this theta.
    converged : bool
        False when the steps in beta or the E-steps stopped at their caps.
    """

    theta: float
    loglik: float
    beta: FloatArray
    inner: ProfilePoint
    slope: float
    n_iter: int = 0
    converged: bool = True

    @property
    def frailty(self) -> FloatArray:
        """Posterior mean frailty per cluster."""
        return self.inner.frailty


class FrailtyProfile:
    """Profile marginal log-likelihood in theta, warm-started from the nearest solved point.

    At fixed theta, Newton steps in beta use the Cox information given the
    current frailties; between steps the frailties are re-solved to a
    tolerance that tightens with the step size. The sorted rows of the design
    are shared by every evaluation. Build one from arrays with
    :func:`sarcosurv.cox.frailty_profile`; ``solve(theta)`` and
    ``at(log_theta)`` return a :class:`ProfileSolution`.
    """

    def __init__(
        self,
        design: FrailtyDesign,
        ties: Ties,
        beta0: FloatArray,
        control: CoxControl | None = None,
        conf_level: float = 0.95,
        diverging: bool = False,
    ):
        self.design, self.ties = design, ties
        self.diverging = diverging  # the Cox fit without frailty has an infinite coefficient
        self.beta0 = np.asarray(beta0, np.float64).copy()
        self.control = CoxControl() if control is None else control
        self.drop = ci_drop(conf_level)
        self.cache: dict[float, ProfileSolution] = {}
        self.info: FloatArray | None = None
        self.capped: set[str] = set()

    def _warm(self, theta: float) -> tuple[FloatArray, FloatArray | None]:
        solved = [p for p in self.cache.values() if p.theta > 0]
        if theta <= 0 or not solved:
            return self.beta0.copy(), None
        near = min(solved, key=lambda p: abs(np.log(p.theta) - np.log(theta)))
        return near.beta.copy(), near.inner.state

    def _inner(
        self, beta: FloatArray, theta: float, state: FloatArray | None, tol: float
    ) -> ProfilePoint:
        control = self.control
        inner = profile_point(self.design, beta, theta, state, tol, control.inner_max_iter)
        if not inner.converged:
            self.capped.add(f"the EM fixed point (inner_max_iter={control.inner_max_iter})")
        return inner

    def _newton(
        self, beta: FloatArray, theta: float, state: FloatArray | None
    ) -> tuple[FloatArray, ProfilePoint, int, bool]:
        """Quasi-Newton steps in beta at fixed theta, the frailties re-solved between them."""
        control = self.control
        inner = self._inner(beta, theta, state, 1e-6)
        if beta.size == 0:
            return beta, self._inner(beta, theta, inner.state, control.inner_tol), 0, True
        for iteration in range(control.outer_max_iter):
            if self.info is None or iteration == _REFRESH_INFO:
                # The information given the frailties changes little between nearby
                # thetas: quasi-Newton steps with a stored one, refreshed when slow.
                _, self.info = score_and_information(
                    self.design, beta, inner.state, self.ties, True
                )
            step = solve_or_pinv(self.info, inner.score)
            beta = beta + step
            size = float(np.max(np.abs(step)))
            converged = size < control.eps * max(1.0, float(np.max(np.abs(beta))))
            tol = control.inner_tol
            if not converged:
                tol = min(max(1e-3 * size, control.inner_tol), 1e-6)
            previous = inner.loglik
            inner = self._inner(beta, theta, inner.state, tol)
            diverged = self.diverging and _diverged(previous, inner.loglik, size, control.eps)
            if converged or diverged:
                return beta, inner, iteration + 1, True
        self.capped.add(f"the steps in beta at fixed theta (max_iter={control.outer_max_iter})")
        return beta, inner, control.outer_max_iter, False

    def solve(self, theta: float) -> ProfileSolution:
        """Maximise over beta (and the baseline) at fixed theta."""
        key = float(theta)
        if key in self.cache:
            return self.cache[key]
        beta, state = self._warm(key)
        beta, inner, n_iter, converged = self._newton(beta, key, state)
        if not np.isfinite(inner.loglik) and state is not None:
            # A warm start that ran away (truncation, near the drifting region): start cold.
            self.cache[key] = self._cold(key)
            return self.cache[key]
        design = self.design
        slope = 0.0 if key <= 0 or not design.truncated else float("nan")
        if key > 0 and not design.truncated:
            slope = key * theta_score(key, design.n_event, inner.exit_hazard, inner.entry_hazard)
        point = ProfileSolution(
            key, inner.loglik, beta, inner, slope, n_iter, converged and inner.converged
        )
        self.cache[key] = point
        return point

    def _cold(self, theta: float) -> ProfileSolution:
        cold = FrailtyProfile(
            self.design, self.ties, self.beta0, self.control, diverging=self.diverging
        )
        cold.info, cold.drop = self.info, self.drop
        point = cold.solve(theta)
        self.capped |= cold.capped
        return point

    def at(self, log_theta: float) -> ProfileSolution:
        """:meth:`solve` at ``exp(log_theta)``."""
        return self.solve(float(np.exp(log_theta)))

    def loglik_at(self, beta: npt.ArrayLike, theta: float) -> float:
        """Marginal log-likelihood at fixed beta and theta, maximised over the baseline."""
        beta_a = np.asarray(beta, np.float64).reshape(-1)
        return self._inner(beta_a, float(theta), None, self.control.inner_tol).loglik


def _diverged(previous: float, loglik: float, size: float, eps: float) -> bool:
    """A coefficient running to infinity: steps stay large while the log-likelihood is flat.

    Plain Cox stops there by R's rule (relative change of the log-likelihood
    below ``eps``); the steps in beta at fixed theta stop likewise once a step
    of at least ``sqrt(eps)`` no longer changes the log-likelihood, instead of
    chasing the coefficient to its iteration cap (the caller warns of the
    monotone likelihood).
    """
    if not (np.isfinite(previous) and np.isfinite(loglik)):
        return False
    flat = abs(loglik - previous) <= eps * max(abs(loglik), 1.0)
    return bool(flat and size > np.sqrt(eps))


def _start_theta(design: FrailtyDesign, beta: FloatArray) -> float:
    """One-step moment estimate from the Cox fit: sum[(D - H)^2 - D] / sum H^2."""
    zero = profile_point(design, beta, 0.0)
    hazard = zero.exit_hazard - zero.entry_hazard
    events = design.n_event
    denominator = float(np.sum(hazard * hazard))
    estimate = float(np.sum((events - hazard) ** 2 - events)) / denominator if denominator else 0
    return float(np.clip(estimate, 1e-3, 10.0))


def _root(
    profile: FrailtyProfile,
    function: Callable[[float], float],
    lo: float,
    hi: float,
    xtol: float,
    what: str,
) -> float:
    """Brent's root of ``function`` on [lo, hi], noting a reached iteration cap."""
    cap = profile.control.theta_max_iter
    root, found = optimize.brentq(
        function, lo, hi, xtol=xtol, rtol=1e-12, maxiter=cap, full_output=True, disp=False
    )
    if not found.converged:
        profile.capped.add(f"{what} (theta_max_iter={cap})")
    return float(root)


def _maximise(profile: FrailtyProfile, loglik_null: float, theta0: float) -> float:
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
    root = _root(profile, lambda y: profile.at(y).slope, lo, hi, 1e-7, "the search for theta")
    theta = float(np.exp(root))
    if profile.solve(theta).loglik <= loglik_null + 1e-9:
        return 0.0
    return theta


def _maximise_by_value(profile: FrailtyProfile, loglik_null: float, theta0: float) -> float:
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
    cap = profile.control.theta_max_iter
    found = optimize.minimize_scalar(
        lambda y: -value(y),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-7, "maxiter": cap},
    )
    if not found.success:
        profile.capped.add(f"the search for theta (theta_max_iter={cap})")
    theta = float(np.exp(found.x))
    if profile.solve(theta).loglik <= loglik_null + 1e-9:
        return 0.0
    return theta


def _curvature(profile: FrailtyProfile, x_hat: float) -> float:
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


def _drop_root(profile: FrailtyProfile, x_hat: float, top: float, direction: float) -> float:
    """log theta where the profile has fallen CI_DROP below the maximum (safeguarded Newton)."""

    def height(point: ProfileSolution) -> float:
        return point.loglik - top + profile.drop

    step = float(np.clip(np.sqrt(2.0 * profile.drop / _curvature(profile, x_hat)), 0.05, 1.0))
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
    cap = profile.control.theta_max_iter
    if profile.design.truncated:
        low, high = min(inside, outside), max(inside, outside)
        bound = "a confidence bound of theta"
        return _root(profile, lambda y: height(profile.at(y)), low, high, 1e-8, bound)
    for _ in range(cap):
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
    else:
        profile.capped.add(f"a confidence bound of theta (theta_max_iter={cap})")
    return x


def _interval(
    profile: FrailtyProfile, theta: float, top: float, loglik_null: float
) -> tuple[float, float]:
    x_hat = float(np.log(theta)) if theta > 0 else _LOG_THETA_MIN
    upper = float(np.exp(_drop_root(profile, x_hat, top, 1.0)))
    if theta <= 0 or top - loglik_null <= profile.drop:
        return 0.0, upper
    return float(np.exp(_drop_root(profile, x_hat, top, -1.0))), upper


def _estimates(
    design: FrailtyDesign,
    labels: Sequence[object],
    theta: float,
    hazard: FloatArray,
    conf_level: float,
) -> pd.DataFrame:
    """Posterior Gamma(1/theta + D_i, 1/theta + C_i) mean and equal-tailed interval."""
    if theta > 0:
        shape = 1.0 / theta + design.n_event
        rate = 1.0 / theta + hazard
        mean = shape / rate
        lower = special.gammaincinv(shape, (1.0 - conf_level) / 2.0) / rate
        upper = special.gammaincinv(shape, (1.0 + conf_level) / 2.0) / rate
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


def boundary_lrt(loglik: float, loglik_null: float) -> TestResult:
    """LRT of theta = 0 against the 50:50 mixture of chi-square(0) and chi-square(1).

    :math:`p = P(\\bar\\chi^2 \\ge T) = \\tfrac12 P(\\chi^2_1 \\ge T)` for
    :math:`T > 0`, and 1 at :math:`T = 0` (the :math:`\\chi^2_0` half is a point
    mass at 0; Self & Liang 1987).
    """
    statistic = max(0.0, 2.0 * (loglik - loglik_null))
    p_value = 0.5 * float(special.chdtrc(1, statistic)) if statistic > 0 else 1.0
    return TestResult(statistic, 1.0, p_value, "likelihood_ratio_theta_0")


def _estimate(
    profile: FrailtyProfile, cox: NewtonResult, theta_fixed: float | None
) -> tuple[float, ProfileSolution]:
    """theta (searched, or the fixed value) and the profile solution there."""
    design = profile.design
    if theta_fixed is not None:
        theta = float(theta_fixed)
    else:
        search = _maximise_by_value if design.truncated else _maximise
        theta = search(profile, cox.loglik, _start_theta(design, cox.beta))
    if theta > 0:
        point = profile.solve(theta)
    else:
        inner = profile_point(design, cox.beta, 0.0)
        point = ProfileSolution(0.0, cox.loglik, cox.beta, inner, 0.0, cox.n_iter, cox.converged)
    if not np.isfinite(point.loglik) or not np.all(np.isfinite(point.beta)):
        raise ConvergenceError(
            f"the frailty fit has no finite estimate at theta = {theta:.4g} (log-likelihood "
            f"{point.loglik}); check for covariates that separate events, or fix theta"
        )
    return theta, point


def _warn_caps(profile: FrailtyProfile) -> None:
    if profile.capped:
        warnings.warn(
            "the frailty fit stopped at an iteration cap in "
            + "; ".join(sorted(profile.capped))
            + ": raise it with coxph(..., control=CoxControl(...)) or max_iter=",
            ConvergenceWarning,
            stacklevel=4,
        )


def _linear_predictor(data: SortedCoxData, beta: FloatArray) -> FloatArray:
    """x beta (uncentred) in input row order."""
    linear = np.zeros(data.n)
    if beta.size:
        centre = float(np.sum(data.centre * beta))
        linear[data.order] = np.einsum("ij,j->i", data.covariates, beta) + centre
    return linear


def fit_gamma_frailty_sorted(
    data: SortedCoxData,
    cluster: IntArray,
    cluster_labels: Sequence[object],
    term_names: Sequence[str],
    *,
    ties: Ties,
    left_truncation: bool = True,
    theta: float | None = None,
    control: CoxControl | None = None,
    conf_level: float = 0.95,
) -> GammaFrailtyFit:
    """Fit the shared gamma frailty Cox model by profile marginal likelihood.

    The sorted-data engine behind :func:`sarcosurv.cox.fit_gamma_frailty`
    (the array-level fitter, which documents the model and arguments) and
    :func:`sarcosurv.coxph`. ``data`` comes from
    :func:`sarcosurv.cox.kernels.sort_cox_data`; ``cluster`` holds codes
    0..K-1 in input row order, ``cluster_labels`` their labels.
    """
    control = CoxControl() if control is None else control
    design = frailty_design(data, cluster, ties, left_truncation)
    cox = fit_cox_newton(data, ties=ties, max_iter=control.max_iter, eps=control.eps)
    if not cox.converged:
        warnings.warn(
            f"the Cox fit without frailty stopped after {cox.n_iter} iterations (max_iter)",
            ConvergenceWarning,
            stacklevel=3,
        )
    diverging = bool(diverging_terms(cox, control.eps).any())
    profile = FrailtyProfile(design, ties, cox.beta, control, conf_level, diverging)
    estimate, point = _estimate(profile, cox, theta)
    fixed = theta is not None
    nan = float("nan")
    skip_ci = fixed or not control.theta_ci
    theta_ci = (nan, nan) if skip_ci else _interval(profile, estimate, point.loglik, cox.loglik)
    lrt = boundary_lrt(point.loglik, cox.loglik)
    if fixed:
        lrt = TestResult(lrt.statistic, 0.0, nan, "likelihood_ratio_theta_0")
    conditional, adjusted = variances(design, ties, point.beta, estimate, point.inner.state)
    _warn_caps(profile)
    index = pd.Index(list(term_names), name="term")
    result = FrailtyResult(
        theta=estimate,
        theta_ci=theta_ci,
        lrt=lrt,
        kendall_tau=estimate / (estimate + 2.0),
        loglik=point.loglik,
        loglik_null=cox.loglik,
        estimates=_estimates(design, cluster_labels, estimate, point.inner.exit_hazard, conf_level),
        std_err_conditional=pd.Series(np.sqrt(np.diag(conditional)), index=index),
        std_err_adjusted=pd.Series(np.sqrt(np.diag(adjusted)), index=index),
        n_cluster=design.n_cluster,
        std_err_kind="conditional" if fixed else "adjusted",
        conf_level=conf_level,
        converged=not profile.capped and cox.converged,
        n_iter=len(profile.cache),
        theta_fixed=fixed,
    )
    return GammaFrailtyFit(
        beta=point.beta,
        vcov=conditional if fixed else adjusted,
        vcov_conditional=conditional,
        loglik=(cox.loglik, point.loglik),
        linear_predictor=_linear_predictor(data, point.beta),
        log_frailty=np.log(point.inner.frailty)[np.asarray(cluster, dtype=np.intp)],
        frailty=result,
    )
