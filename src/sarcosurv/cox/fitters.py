"""Array-level Cox and shared gamma frailty fitters (the fit stage of :func:`sarcosurv.coxph`).

``coxph`` parses a formula and a DataFrame into arrays, then calls the same
functions a user can call on a design matrix: :func:`fit_cox`,
:func:`fit_gamma_frailty` and, to study the profile likelihood of the frailty
variance, :func:`frailty_profile`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import special

from .._results import ResultDisplay, TestResult
from ..counting.linalg import inverse_or_pinv, solve_or_pinv
from ..errors import (
    ConvergenceError,
    ConvergenceWarning,
    EmptyDataError,
    MonotoneLikelihoodWarning,
    SarcosurvError,
)
from ._frailty_likelihood import frailty_design
from ._monotone import diverging_terms
from ._scaling import Scaling, scale_data, unscale_newton
from .control import CoxControl, check_conf_level
from .frailty import FrailtyProfile, GammaFrailtyFit, fit_gamma_frailty_sorted
from .kernels import NewtonResult, SortedCoxData, Ties, fit_cox_newton, sort_cox_data
from .residuals import robust_variance, score_residuals
from .result import CoxTests

__all__ = [
    "CoxModelFit",
    "fit_cox",
    "fit_cox_sorted",
    "fit_gamma_frailty",
    "fit_gamma_frailty_scaled",
    "frailty_profile",
    "has_fractional_weights",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Variance = Literal["model", "robust"]


@dataclass(frozen=True, eq=False)
class CoxModelFit(ResultDisplay):
    """A Cox model fitted on arrays (:func:`fit_cox`).

    Attributes
    ----------
    beta : ndarray, shape (p,)
        Coefficients on the scale of the covariates given.
    vcov : ndarray, shape (p, p)
        Reported variance: the robust sandwich one (``variance == "robust"``:
        with ``cluster``, or with non-integer case weights as R's default),
        else the model-based inverse information.
    vcov_naive : ndarray, shape (p, p)
        Model-based variance (inverse observed information).
    variance : {"model", "robust"}
    loglik : tuple of float
        Partial log-likelihood at beta = 0 (or ``init``) and at the estimate.
    tests : CoxTests
        Likelihood-ratio, Wald (with ``vcov``), score and, when robust, R's
        robust score test.
    converged : bool
    n_iter : int
        Newton–Raphson iterations.
    data : SortedCoxData
        The sorted rows (for residuals and diagnostics).
    newton : NewtonResult
    """

    beta: FloatArray
    vcov: FloatArray
    vcov_naive: FloatArray
    variance: Variance
    loglik: tuple[float, float]
    tests: CoxTests
    converged: bool
    n_iter: int
    data: SortedCoxData
    newton: NewtonResult

    @property
    def std_err(self) -> FloatArray:
        return np.asarray(np.sqrt(np.diag(self.vcov)), np.float64)

    @property
    def std_err_naive(self) -> FloatArray:
        return np.asarray(np.sqrt(np.diag(self.vcov_naive)), np.float64)

    def __repr__(self) -> str:
        return (
            f"<CoxModelFit n={self.data.n} events={self.data.n_event} "
            f"terms={self.beta.size} variance={self.variance}>"
        )


def has_fractional_weights(weights: npt.ArrayLike | None) -> bool:
    """True when some case weight is not a whole number (R then defaults to robust SEs)."""
    if weights is None:
        return False
    w = np.asarray(weights, np.float64)
    return bool(np.any(w != np.floor(w)))


def _warn_monotone(newton: NewtonResult, names: Sequence[str], eps: float) -> None:
    """A warning for each coefficient heading to infinity (:func:`diverging_terms`)."""
    for j in np.flatnonzero(diverging_terms(newton, eps)):
        warnings.warn(
            f"log-likelihood converged before term {names[int(j)]!r}: its coefficient may be "
            "infinite (monotone likelihood, e.g. no events in one category)",
            MonotoneLikelihoodWarning,
            stacklevel=4,
        )


def _chi2(value: float, df: int, name: str) -> TestResult:
    return TestResult(value, float(df), float(special.chdtrc(df, value)) if df else 1.0, name)


def _tests(newton: NewtonResult, vcov: FloatArray, robust_score: float | None) -> CoxTests:
    p = newton.beta.size
    info0 = newton.information_init
    score = float(newton.score_init @ solve_or_pinv(info0, newton.score_init)) if p else 0.0
    wald = float(newton.beta @ solve_or_pinv(vcov, newton.beta)) if p else 0.0
    return CoxTests(
        likelihood_ratio=_chi2(2.0 * (newton.loglik - newton.loglik_init), p, "likelihood_ratio"),
        wald=_chi2(wald, p, "wald"),
        score=_chi2(score, p, "score"),
        robust_score=None if robust_score is None else _chi2(robust_score, p, "robust_score"),
    )


def _robust(
    data: SortedCoxData,
    ties: Ties,
    newton: NewtonResult,
    weights: FloatArray,
    cluster: IntArray | None,
    offset: FloatArray | None,
) -> tuple[FloatArray, float]:
    """Sandwich variance at the estimate and R's robust score test at beta = 0."""
    naive = inverse_or_pinv(newton.information)
    vcov = robust_variance(
        score_residuals(data, newton.beta, ties, offset), naive, weights, cluster
    )
    inv0 = inverse_or_pinv(newton.information_init)
    zero = np.zeros(newton.beta.size)
    rvar0 = robust_variance(score_residuals(data, zero, ties, offset), inv0, weights, cluster)
    u = inv0 @ newton.score_init
    return vcov, float(u @ solve_or_pinv(rvar0, u))


def fit_cox_sorted(
    data: SortedCoxData,
    *,
    ties: Ties = "efron",
    weights: FloatArray | None = None,
    cluster: IntArray | None = None,
    offset: FloatArray | None = None,
    robust: bool | None = None,
    control: CoxControl | None = None,
    names: Sequence[str] | None = None,
    init: FloatArray | None = None,
) -> CoxModelFit:
    """:func:`fit_cox` on data already sorted by :func:`sarcosurv.cox.kernels.sort_cox_data`.

    ``weights``, ``cluster`` and ``offset`` are in input row order.
    """
    control = CoxControl() if control is None else control
    scaled, scaling = scale_data(data)
    newton = fit_cox_newton(
        scaled,
        ties=ties,
        offset=offset,
        init=None if init is None else np.asarray(init, np.float64) * scaling.columns,
        max_iter=control.max_iter,
        eps=control.eps,
    )
    if not np.isfinite(newton.loglik_init):
        raise ConvergenceError(
            "the partial log-likelihood is not finite at the start: no estimate exists "
            "(check for infinite covariates or offsets)"
        )
    if not newton.converged:
        warnings.warn(
            f"Newton-Raphson stopped after {newton.n_iter} iterations without meeting the "
            f"tolerance {control.eps:g} (raise max_iter)",
            ConvergenceWarning,
            stacklevel=3,
        )
    term_names = [f"x{j}" for j in range(newton.beta.size)] if names is None else names
    _warn_monotone(newton, term_names, control.eps)
    case_weights = np.ones(data.n) if weights is None else np.asarray(weights, np.float64)
    if robust is None:
        robust = cluster is not None or has_fractional_weights(weights)
    naive = inverse_or_pinv(newton.information)
    vcov, robust_score = naive, None
    tests = _tests(newton, vcov, None)
    if robust and newton.beta.size:
        case_weights = case_weights / scaling.weight
        vcov, robust_score = _robust(scaled, ties, newton, case_weights, cluster, offset)
        tests = _tests(newton, vcov, robust_score)
        vcov = scaling.variance(vcov, weighted=False)
    else:
        vcov = scaling.variance(vcov)
    return _model_fit(unscale_newton(newton, scaling), data, scaling, naive, vcov, tests, robust)


def _model_fit(
    newton: NewtonResult,
    data: SortedCoxData,
    scaling: Scaling,
    naive: FloatArray,
    vcov: FloatArray,
    tests: CoxTests,
    robust: bool,
) -> CoxModelFit:
    """Assemble a :class:`CoxModelFit` (``newton`` unscaled, ``naive`` still scaled)."""
    if scaling.weight != 1.0:  # the LR, Wald and score statistics scale with the weights
        tests = _rescaled_tests(tests, scaling.weight, robust)
    return CoxModelFit(
        beta=newton.beta,
        vcov=vcov,
        vcov_naive=scaling.variance(naive),
        variance="robust" if robust and newton.beta.size else "model",
        loglik=(newton.loglik_init, newton.loglik),
        tests=tests,
        converged=newton.converged,
        n_iter=newton.n_iter,
        data=data,
        newton=newton,
    )


def _rescaled_tests(tests: CoxTests, c: float, robust: bool) -> CoxTests:
    """Tests of the fit with weights ``c w`` from the fit with ``w``.

    The likelihood-ratio and score statistics, and the Wald statistic with the
    model-based variance, are proportional to ``c``; the robust ones are not.
    """
    p = round(tests.likelihood_ratio.df)
    wald = tests.wald.statistic if robust else tests.wald.statistic * c
    return CoxTests(
        likelihood_ratio=_chi2(tests.likelihood_ratio.statistic * c, p, "likelihood_ratio"),
        wald=_chi2(wald, p, "wald"),
        score=_chi2(tests.score.statistic * c, p, "score"),
        robust_score=tests.robust_score,
    )


def _label_codes(values: npt.ArrayLike) -> IntArray:
    """Integer codes 0..k-1 of labels of any type (sorted label order)."""
    _, codes = np.unique(np.asarray(values), return_inverse=True)
    return codes.astype(np.intp).reshape(-1)


def _codes(values: npt.ArrayLike | None) -> IntArray | None:
    return None if values is None else _label_codes(values)


def _sorted_arrays(
    x: npt.ArrayLike,
    time: npt.ArrayLike,
    event: npt.ArrayLike,
    entry: npt.ArrayLike | None,
    strata: npt.ArrayLike | None,
    weights: npt.ArrayLike | None,
) -> SortedCoxData:
    """Sort the arrays of one fit (``x`` reshaped to (n, p))."""
    n = np.asarray(time).shape[0]
    x_a = np.asarray(x, np.float64).reshape(n, -1)
    return sort_cox_data(time, event, x_a, start=entry, strata=_codes(strata), weights=weights)


def fit_cox(
    x: npt.ArrayLike,
    time: npt.ArrayLike,
    event: npt.ArrayLike,
    *,
    entry: npt.ArrayLike | None = None,
    strata: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
    offset: npt.ArrayLike | None = None,
    cluster: npt.ArrayLike | None = None,
    ties: Ties = "efron",
    robust: bool | None = None,
    control: CoxControl | None = None,
    init: npt.ArrayLike | None = None,
) -> CoxModelFit:
    """Fit a Cox proportional hazards model to a design matrix.

    Maximises the partial likelihood

    .. math:: \\ell(\\beta) = \\sum_k \\Big[ \\sum_{i \\in D_k} w_i \\eta_i
              - \\sum_{j=0}^{m_k - 1} \\bar w_k
              \\log\\big(S_0(t_k) - \\tfrac{j}{m_k} D_0(t_k)\\big) \\Big],
              \\quad \\eta_i = x_i \\beta + o_i,

    by Newton–Raphson with step halving (R ``coxph``'s rule: converged when the
    relative change of the log-likelihood is below ``control.eps``; Therneau &
    Grambsch 2000, ch. 3). The array-level engine of :func:`sarcosurv.coxph`.

    Parameters
    ----------
    x : array_like, shape (n, p)
        Design matrix without intercept (``p`` may be 0).
    time, event : array_like, shape (n,)
        Exit time; event indicator (1 = event, 0 = censored).
    entry : array_like, optional
        Entry time for counting-process rows ``(entry, time]``.
    strata : array_like, optional
        Stratum of each row (any labels): a baseline hazard per stratum.
    weights : array_like, optional
        Case weights. Non-integer weights make the robust variance the
        default, as in R.
    offset : array_like, optional
        Fixed part of the linear predictor.
    cluster : array_like, optional
        Cluster of each row: robust variance summed within clusters (Lin & Wei 1989).
    ties : {"efron", "breslow"}
    robust : bool, optional
        Force (True) or suppress (False) the sandwich variance; by default
        robust with ``cluster`` or non-integer ``weights`` (R's rule).
    control : CoxControl, optional
        Iteration cap and tolerance.
    init : array_like, optional
        Starting coefficients (zeros by default); as R ``coxph(init=)``, the
        first log-likelihood and the tests' null value are taken there.

    Returns
    -------
    CoxModelFit

    Examples
    --------
    >>> import numpy as np
    >>> from sarcosurv.cox import fit_cox
    >>> fit = fit_cox(np.array([[0.0], [1.0], [1.0], [0.0]]), [1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1])
    >>> round(float(fit.beta[0]), 4), fit.converged
    (0.6931, True)
    """
    if not np.any(np.asarray(event)):
        raise EmptyDataError("no events: a Cox model needs at least one event")
    data = _sorted_arrays(x, time, event, entry, strata, weights)
    return fit_cox_sorted(
        data,
        ties=ties,
        weights=None if weights is None else np.asarray(weights, np.float64),
        cluster=_codes(cluster),
        offset=None if offset is None else np.asarray(offset, np.float64),
        robust=robust,
        control=control,
        init=None if init is None else np.asarray(init, np.float64).reshape(-1),
    )


def fit_gamma_frailty(
    x: npt.ArrayLike,
    time: npt.ArrayLike,
    event: npt.ArrayLike,
    cluster: npt.ArrayLike,
    *,
    entry: npt.ArrayLike | None = None,
    strata: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
    ties: Ties = "efron",
    theta: float | None = None,
    left_truncation: bool = True,
    control: CoxControl | None = None,
    conf_level: float = 0.95,
    names: Sequence[str] | None = None,
) -> GammaFrailtyFit:
    """Fit a Cox model with a shared gamma frailty per cluster to a design matrix.

    Model :math:`h_{ij}(t) = w_i h_0(t) e^{x_{ij}\\beta}` with :math:`w_i` gamma
    of mean 1 and variance :math:`\\theta`, fitted by the marginal likelihood
    (frailties integrated out, baseline nonparametric) profiled over
    :math:`\\theta`, or at a fixed ``theta`` (R's ``frailty(x, theta = )``, whose
    coefficients and I-likelihood it reproduces). See
    :mod:`sarcosurv.cox.frailty` for the method (Klein 1992; Nielsen et al. 1992).

    Parameters
    ----------
    x : array_like, shape (n, p)
    time, event : array_like, shape (n,)
    cluster : array_like, shape (n,)
        Cluster (e.g. centre) of each row; labels of any type.
    entry : array_like, optional
        Entry times: left truncation (or, with ``left_truncation=False``,
        pieces of follow-up).
    strata, weights : array_like, optional
    ties : {"efron", "breslow"}
    theta : float, optional
        Fix the frailty variance instead of estimating it (then ``vcov`` is
        the variance given theta and ``frailty.theta_ci`` is NaN).
    left_truncation : bool
    control : CoxControl, optional
    conf_level : float
        Level of the profile CI of theta and of the posterior intervals.
    names : sequence of str, optional
        Term names (default ``x0, x1, ...``).

    Returns
    -------
    GammaFrailtyFit

    Examples
    --------
    >>> import numpy as np
    >>> from sarcosurv.cox import fit_gamma_frailty
    >>> rng = np.random.default_rng(1)
    >>> centre = np.repeat(np.arange(10), 20)
    >>> x = rng.normal(size=(200, 1))
    >>> t = rng.exponential(1 / np.exp(0.5 * x[:, 0] + rng.normal(0, 0.5, 10)[centre]))
    >>> fit = fit_gamma_frailty(x, t, np.ones(200), centre, theta=0.3)
    >>> fit.frailty.theta, fit.frailty.theta_fixed
    (0.3, True)
    """
    conf = check_conf_level(conf_level)
    if theta is not None and not (np.isfinite(theta) and theta >= 0):
        raise SarcosurvError(f"theta must be a finite number >= 0, not {theta!r}")
    data = _sorted_arrays(x, time, event, entry, strata, weights)
    labels, codes = np.unique(np.asarray(cluster), return_inverse=True)
    term_names = [f"x{j}" for j in range(data.n_covariates)] if names is None else list(names)
    return fit_gamma_frailty_scaled(
        data,
        codes.astype(np.intp).reshape(-1),
        list(labels),
        term_names,
        ties=ties,
        left_truncation=left_truncation,
        theta=theta,
        control=control,
        conf_level=conf,
    )


def fit_gamma_frailty_scaled(
    data: SortedCoxData,
    cluster: IntArray,
    cluster_labels: Sequence[object],
    term_names: Sequence[str],
    **options: Any,
) -> GammaFrailtyFit:
    """:func:`~sarcosurv.cox.frailty.fit_gamma_frailty_sorted` on covariates scaled to about 1.

    Columns are divided by powers of two (:mod:`sarcosurv.cox._scaling`) and
    the coefficients and variances mapped back, so that the standard errors do
    not depend on the covariates' units.
    """
    scaled, scaling = scale_data(data, weights=False)
    control = options.get("control") or CoxControl()
    plain = fit_cox_newton(scaled, ties=options.get("ties", "efron"), max_iter=control.max_iter)
    diverging = [term_names[int(j)] for j in np.flatnonzero(diverging_terms(plain, control.eps))]
    for name in diverging:
        warnings.warn(
            f"log-likelihood converged before term {name!r} (in the Cox fit without frailty): "
            "its coefficient may be infinite (monotone likelihood, e.g. no events in one "
            "category, or a covariate that separates events from non-events)",
            MonotoneLikelihoodWarning,
            stacklevel=4,
        )
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            fit = fit_gamma_frailty_sorted(scaled, cluster, cluster_labels, term_names, **options)
    except (ValueError, np.linalg.LinAlgError) as error:
        if isinstance(error, SarcosurvError):
            raise
        raise ConvergenceError(
            "the frailty fit found no finite estimate"
            + (
                f": the coefficient of {', '.join(map(repr, diverging))} diverges"
                if diverging
                else ""
            )
            + f" ({error}); drop or merge the term, or fix theta"
        ) from error
    if np.all(scaling.columns == 1.0):
        return fit
    s = scaling.columns
    frailty = replace(
        fit.frailty,
        std_err_conditional=fit.frailty.std_err_conditional / s,
        std_err_adjusted=fit.frailty.std_err_adjusted / s,
    )
    return replace(
        fit,
        beta=fit.beta / s,
        vcov=scaling.variance(fit.vcov, weighted=False),
        vcov_conditional=scaling.variance(fit.vcov_conditional, weighted=False),
        frailty=frailty,
    )


def frailty_profile(
    x: npt.ArrayLike,
    time: npt.ArrayLike,
    event: npt.ArrayLike,
    cluster: npt.ArrayLike,
    *,
    entry: npt.ArrayLike | None = None,
    strata: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
    ties: Ties = "efron",
    left_truncation: bool = True,
    control: CoxControl | None = None,
    conf_level: float = 0.95,
) -> FrailtyProfile:
    """The profile marginal log-likelihood of the frailty variance, for study and plots.

    ``profile.solve(theta)`` maximises over beta and the baseline at that
    theta and returns a :class:`~sarcosurv.cox.frailty.ProfileSolution`
    (``loglik``, ``beta``, ``slope`` = d loglik / d log theta, ``frailty``);
    ``profile.at(log_theta)`` the same on the log scale;
    ``profile.loglik_at(beta, theta)`` maximises over the baseline only.
    Solutions are cached and warm-start each other. Arguments as
    :func:`fit_gamma_frailty`; the Cox fit without frailty is the start.

    Examples
    --------
    >>> import numpy as np
    >>> from sarcosurv.cox import frailty_profile
    >>> rng = np.random.default_rng(2)
    >>> centre = np.repeat(np.arange(8), 25)
    >>> x = rng.normal(size=(200, 1))
    >>> profile = frailty_profile(x, rng.exponential(1, 200), np.ones(200), centre)
    >>> profile.solve(0.5).loglik < profile.solve(0.0).loglik + 10
    True
    """
    check_conf_level(conf_level)
    control = CoxControl() if control is None else control
    data = _sorted_arrays(x, time, event, entry, strata, weights)
    design = frailty_design(data, _label_codes(cluster), ties, left_truncation)
    start = fit_cox_newton(data, ties=ties, max_iter=control.max_iter, eps=control.eps)
    return FrailtyProfile(design, ties, start.beta, control, conf_level)
