"""Rubin's rules as pure numpy kernels: pooled estimates, variances, degrees of freedom, D1.

Kept free of pandas and of any model class so that any result exposing
estimates and covariance matrices can be pooled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from scipy import special

from .._results import ResultDisplay

__all__ = ["RubinPooled", "barnard_rubin_df", "d1_test", "rubin_pool", "t_quantile"]

FloatArray = npt.NDArray[np.float64]

#: Floor of the fraction of missing information in the Barnard–Rubin formula (as mice).
_LAMBDA_FLOOR = 1e-4


def t_quantile(probability: float, df: FloatArray) -> FloatArray:
    """Quantile of Student's t on (non-integer) ``df``, accurate to rounding.

    The inverse from ``scipy.special.stdtrit`` polished by two Newton steps on
    the distribution function :math:`F_\\nu` (``stdtr``, an incomplete-beta
    evaluation accurate to rounding):

    .. math:: q \\leftarrow q - \\frac{F_\\nu(q) - p}{f_\\nu(q)}, \\quad
              f_\\nu(q) = \\frac{\\Gamma((\\nu+1)/2)}{\\sqrt{\\nu\\pi}\\,\\Gamma(\\nu/2)}
              \\Big(1 + \\frac{q^2}{\\nu}\\Big)^{-(\\nu+1)/2}

    Older SciPy releases (before 1.12) invert with a relative error near 1e-10
    for non-integer degrees of freedom, too coarse for agreement with R's
    ``qt`` to 1e-10; infinite ``df`` gives the normal quantile.

    Examples
    --------
    >>> import numpy as np
    >>> t_quantile(0.975, np.array([10.0, np.inf])).round(6)
    array([2.228139, 1.959964])
    """
    nu = np.asarray(df, dtype=np.float64)
    finite = np.isfinite(nu) & (nu > 0)
    safe = np.where(finite, nu, 1.0)
    quantile = np.asarray(special.stdtrit(safe, probability), dtype=np.float64)
    log_norm = (
        special.gammaln((safe + 1) / 2) - special.gammaln(safe / 2) - 0.5 * np.log(safe * np.pi)
    )
    for _ in range(2):  # Newton polish (converges quadratically from stdtrit's start)
        density = np.exp(log_norm - (safe + 1) / 2 * np.log1p(quantile**2 / safe))
        quantile = quantile - (special.stdtr(safe, quantile) - probability) / density
    normal = np.full(nu.shape, special.ndtri(probability))
    return np.asarray(np.where(finite, quantile, np.where(nu > 0, normal, np.nan)), np.float64)


@dataclass(frozen=True, eq=False, repr=False)
class RubinPooled(ResultDisplay):
    """Per-parameter results of Rubin's rules (arrays of length p)."""

    _repr_fields: ClassVar[tuple[str, ...]] = ("estimate",)

    estimate: FloatArray
    within: FloatArray
    between: FloatArray
    total: FloatArray
    df: FloatArray
    riv: FloatArray
    lambda_: FloatArray
    fmi: FloatArray


def barnard_rubin_df(m: int, between: FloatArray, total: FloatArray, dfcom: float) -> FloatArray:
    """Barnard–Rubin (1999) small-sample degrees of freedom.

    .. math:: \\nu_{old} = (m - 1)/\\lambda^2, \\quad
              \\nu_{obs} = \\frac{\\nu_{com} + 1}{\\nu_{com} + 3}\\,\\nu_{com}(1 - \\lambda), \\quad
              \\nu = \\frac{\\nu_{old}\\,\\nu_{obs}}{\\nu_{old} + \\nu_{obs}}

    with :math:`\\lambda = (1 + 1/m) B / T` floored at 1e-4 (as ``mice:::barnard.rubin``);
    :math:`\\nu = \\nu_{old}` when :math:`\\nu_{com}` is infinite.

    Examples
    --------
    >>> import numpy as np
    >>> barnard_rubin_df(5, np.array([0.01]), np.array([0.1]), np.inf).round(2)
    array([277.78])
    """
    lam = np.maximum((1 + 1 / m) * between / total, _LAMBDA_FLOOR)
    df_old = (m - 1) / lam**2
    if np.isinf(dfcom):
        return np.asarray(df_old, dtype=np.float64)
    df_obs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
    return np.asarray(df_old * df_obs / (df_old + df_obs), dtype=np.float64)


def rubin_pool(estimates: FloatArray, variances: FloatArray, dfcom: float) -> RubinPooled:
    """Rubin's (1987) rules for m estimates of p parameters.

    .. math:: \\bar Q = \\frac1m \\sum_l \\hat Q_l, \\quad \\bar U = \\frac1m \\sum_l U_l, \\quad
              B = \\frac{1}{m-1} \\sum_l (\\hat Q_l - \\bar Q)^2, \\quad
              T = \\bar U + (1 + 1/m) B

    relative increase in variance :math:`r = (1 + 1/m)B/\\bar U`, proportion of the
    variance due to missingness :math:`\\lambda = (1 + 1/m)B/T` and fraction of
    missing information :math:`\\gamma = (r + 2/(\\nu + 3))/(r + 1)`
    (van Buuren 2018, sec. 2.3; ``mice::pool``).

    Parameters
    ----------
    estimates, variances : ndarray, shape (m, p)
        Per-imputation estimates and squared standard errors.
    dfcom : float
        Complete-data degrees of freedom (``np.inf`` for large samples).

    Examples
    --------
    >>> import numpy as np
    >>> r = rubin_pool(np.array([[1.0], [2.0], [3.0]]), np.full((3, 1), 0.5), np.inf)
    >>> round(float(r.total[0]), 4), round(float(r.riv[0]), 4)
    (1.8333, 2.6667)
    """
    m = estimates.shape[0]
    estimate = estimates.mean(axis=0)
    within = variances.mean(axis=0)
    between = estimates.var(axis=0, ddof=1)
    total = within + (1 + 1 / m) * between
    df = barnard_rubin_df(m, between, total, dfcom)
    riv = (1 + 1 / m) * between / within
    lambda_ = (1 + 1 / m) * between / total
    fmi = (riv + 2 / (df + 3)) / (riv + 1)
    return RubinPooled(estimate, within, between, total, df, riv, lambda_, fmi)


def _d1_denominator_df(k: int, m: int, riv: float, dfcom: float) -> float:
    """Denominator df of D1: Reiter (2007) with finite dfcom, Li et al. (1991) otherwise."""
    t = k * (m - 1)
    if np.isfinite(dfcom):
        a = riv * t / (t - 2)
        vstar = (dfcom + 1) / (dfcom + 3) * dfcom
        c0 = 1 / (t - 4)
        c1 = vstar - 2 * (1 + a)
        c2 = vstar - 4 * (1 + a)
        z = (
            1 / c2
            + c0 * (a**2 * c1 / ((1 + a) ** 2 * c2))
            + c0 * (8 * a**2 * c1 / ((1 + a) * c2**2) + 4 * a**2 / ((1 + a) * c2))
            + c0 * (4 * a**2 / (c2 * c1) + 16 * a**2 * c1 / c2**3)
            + c0 * (8 * a**2 / c2**2)
        )
        return float(4 + 1 / z)
    if t > 4:
        return float(4 + (t - 4) * (1 + (1 - 2 / t) / riv) ** 2)
    return float(t * (1 + 1 / k) * (1 + 1 / riv) ** 2 / 2)


def d1_test(
    estimates: FloatArray, covariances: FloatArray, dfcom: float
) -> tuple[float, int, float, float]:
    """The D1 multivariate Wald test that k pooled parameters are all zero.

    .. math:: r_1 = (1 + 1/m)\\,\\mathrm{tr}(B \\bar U^{-1})/k, \\quad
              D_1 = \\bar Q^T \\big((1 + r_1)\\bar U\\big)^{-1} \\bar Q / k

    referred to an F distribution on k and :math:`\\nu_1` degrees of freedom
    (Li, Raghunathan & Rubin 1991; Reiter 2007 for finite ``dfcom``), as
    ``mice::D1`` / ``mitml::testModels(method = "D1")``.

    Parameters
    ----------
    estimates : ndarray, shape (m, k)
    covariances : ndarray, shape (m, k, k)
    dfcom : float

    Returns
    -------
    tuple
        (F statistic, k, denominator df, riv).

    Examples
    --------
    >>> import numpy as np
    >>> q = np.array([[1.0, 0.5], [1.2, 0.4], [0.9, 0.6]])
    >>> f, k, v, r = d1_test(q, np.tile(np.eye(2) * 0.1, (3, 1, 1)), np.inf)
    >>> k
    2
    """
    m, k = estimates.shape
    qbar = estimates.mean(axis=0)
    ubar = covariances.mean(axis=0)
    between = np.atleast_2d(np.cov(estimates, rowvar=False, ddof=1))
    riv = float((1 + 1 / m) * np.trace(np.linalg.solve(ubar, between)) / k)
    statistic = float(qbar @ np.linalg.solve((1 + riv) * ubar, qbar) / k)
    return statistic, k, _d1_denominator_df(k, m, riv, dfcom), riv
