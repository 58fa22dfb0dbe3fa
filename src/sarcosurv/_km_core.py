"""Numerical kernels of the Kaplan–Meier estimator: the curve, its pointwise bands.

Pure functions on numpy arrays of one curve (one group), in time order.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "CONF_TYPES",
    "confidence_band",
    "kaplan_meier_curve",
    "normal_quantile",
    "padded_accumulate",
]

CONF_TYPES = ("plain", "log", "log-log", "arcsin")


def normal_quantile(conf_level: float) -> float:
    """Two-sided standard normal critical value ``z_{1 - (1 - level) / 2}``."""
    return float(special.ndtri(1.0 - (1.0 - conf_level) / 2.0))


def padded_accumulate(
    ufunc: np.ufunc, values: FloatArray, sizes: npt.NDArray[np.intp], fill: float
) -> FloatArray:
    """``ufunc.accumulate`` restarted at each of the consecutive segments of ``sizes``.

    The segments become the rows of a ``(len(sizes), max(sizes))`` array padded
    with ``fill`` at their ends and are accumulated along the rows: the same
    sequential arithmetic as one ``np.cumsum``/``np.cumprod`` per segment,
    without a Python loop over segments.
    """
    width = int(sizes.max()) if sizes.size else 0
    inside = np.arange(width) < sizes[:, None]
    padded = np.full((sizes.size, width), fill)
    padded[inside] = values
    out: FloatArray = ufunc.accumulate(padded, axis=1)[inside]
    return out


def kaplan_meier_curve(
    n_risk: FloatArray, n_event: FloatArray, sizes: npt.NDArray[np.intp] | None = None
) -> tuple[FloatArray, FloatArray]:
    """Product-limit survival and Greenwood's variance of ``log S``.

    ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)`` (Kaplan & Meier 1958) and
    ``Var[log S(t)] = sum_{t_j <= t} d_j / (n_j (n_j - d_j))`` (Greenwood 1926),
    with weighted counts when the data carry case weights. The variance is
    infinite once every row at risk has had the event (``n_j = d_j``).
    With ``sizes``, the arrays hold several curves one after the other (each
    segment of ``sizes`` rows starts afresh).

    Returns
    -------
    survival, var_log_survival : ndarray
    """
    has_event = n_event > 0
    no_event = ~has_event
    # In place, in the order of the formulas (the same floating-point operations).
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.divide(n_event, n_risk)
        np.subtract(1.0, factor, out=factor)
        term = np.subtract(n_risk, n_event)
        np.multiply(n_risk, term, out=term)
        np.divide(n_event, term, out=term)
    np.copyto(factor, 1.0, where=no_event)
    np.copyto(term, 0.0, where=no_event)
    np.copyto(term, np.inf, where=has_event & (n_risk <= n_event))
    if sizes is not None:
        return (
            padded_accumulate(np.multiply, factor, sizes, 1.0),
            padded_accumulate(np.add, term, sizes, 0.0),
        )
    survival: FloatArray = np.cumprod(factor, dtype=np.float64)
    var_log: FloatArray = np.cumsum(term, dtype=np.float64)
    return survival, var_log


def confidence_band(
    survival: FloatArray, se_log: FloatArray, conf_type: str, z: float
) -> tuple[FloatArray, FloatArray]:
    """Pointwise confidence limits of ``S(t)`` on a transformed scale.

    ``se_log`` is the standard error of ``log S`` (the square root of
    Greenwood's sum). With ``z`` the normal critical value:

    * ``plain``:   ``S ± z S se``, cut to [0, 1];
    * ``log``:     ``exp(log S ± z se)``, upper cut at 1 (undefined at S = 0);
    * ``log-log``: ``exp(-exp(log(-log S) ± z se / log S))`` (Kalbfleisch & Prentice
      1980), undefined at S = 0 and S = 1;
    * ``arcsin``:  ``sin²(arcsin(√S) ± z se √(S / (1 - S)) / 2)`` kept within
      [0, π/2] (Borgan & Liestøl 1990), undefined at S = 0.

    These are the limits of R ``survfit`` (``survival:::survfit_confint``),
    including where R leaves them undefined (NaN).
    """
    s = survival
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = z * se_log * s
            return np.maximum(s - half, 0.0), np.minimum(s + half, 1.0)
        if conf_type == "log":
            xx = np.where(s == 0.0, np.nan, s)
            half = z * se_log
            return np.exp(np.log(xx) - half), np.minimum(np.exp(np.log(xx) + half), 1.0)
        if conf_type == "log-log":
            return _log_log_band(s, se_log, z)
        if conf_type == "arcsin":
            xx = np.where(s == 0.0, np.nan, s)
            half = 0.5 * z * se_log * np.sqrt(xx / (1.0 - xx))
            centre = np.arcsin(np.sqrt(xx))
            lower = np.sin(np.maximum(0.0, centre - half)) ** 2
            upper = np.sin(np.minimum(np.pi / 2.0, centre + half)) ** 2
            return lower, upper
    raise ValueError(f"unknown conf_type {conf_type!r}; use one of {CONF_TYPES}")


def _log_log_band(s: FloatArray, se_log: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    """``exp(-exp(log(-log S) ± z se / log S))`` with few temporaries (same operations)."""
    log_s = np.where((s == 0.0) | (s == 1.0), np.nan, s)
    np.log(log_s, out=log_s)
    half = np.multiply(z, se_log)
    np.divide(half, log_s, out=half)
    centre = np.negative(log_s, out=log_s)
    np.log(centre, out=centre)
    lower = np.subtract(centre, half)
    upper = np.add(centre, half, out=half)
    for limit in (lower, upper):
        np.exp(limit, out=limit)
        np.negative(limit, out=limit)
        np.exp(limit, out=limit)
    return lower, upper
