"""Quantiles of a Kaplan–Meier curve and their confidence limits.

Pure functions on one curve (one group): arrays in time order over every
distinct observed time of the group.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]

__all__ = ["FLAT_TOLERANCE", "curve_quantile", "symmetric_interval"]

#: Two curve values closer than this count as equal (R's default, sqrt of machine epsilon).
FLAT_TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))

#: Half-width of the survival window used to estimate the density at a quantile (Collett).
_DENSITY_WINDOW = 0.05


def curve_quantile(times: FloatArray, curve: FloatArray, p: float, *, start: float = 0.0) -> float:
    """First time at which the step curve ``curve`` falls to ``1 - p`` or below.

    The curve starts at 1 at ``start``. Where it equals ``1 - p`` exactly (within
    :data:`FLAT_TOLERANCE`) over a stretch, the quantile is the midpoint of that
    stretch, and, when the curve ends on that value, the midpoint between the time
    it reached the value and the last observed time (the rule of R
    ``quantile.survfit``). Undefined (NaN) values of ``curve``, as confidence
    bands have at S = 0 or S = 1, are skipped. Returns NaN when the curve never
    reaches ``1 - p``.

    Applied to the lower and upper pointwise confidence bands, this gives the
    Brookmeyer & Crowley (1982) confidence interval of the quantile, as R does.
    """
    x = np.concatenate(([start], times))
    y = np.concatenate(([0.0], 1.0 - curve))
    finite = ~np.isnan(y)
    if not finite.any() or y[finite].max() < p:
        return float("nan")
    last_time = float(x[-1])
    # Keep the first time each value is reached (a missing value counts as one value).
    first = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[first], y[first]
    position = np.arange(y.size)
    ok = ~np.isnan(y)
    idx_low = _first_reaching(y[ok] + FLAT_TOLERANCE, position[ok], p)
    idx_high = _first_reaching(y[ok] - FLAT_TOLERANCE, position[ok], p)
    low = float(x[idx_low]) if idx_low >= 0 else float("nan")
    high = float(x[idx_high]) if idx_high >= 0 else float("nan")
    quantile = (low + high) / 2.0
    if p == 0.0:
        quantile = float(x[0])
    if not np.isnan(y[-1]) and abs(p - y[-1]) < FLAT_TOLERANCE:
        quantile = (low + last_time) / 2.0
    return quantile


def _first_reaching(levels: FloatArray, positions: npt.NDArray[np.intp], p: float) -> int:
    """Position of the smallest level ``>= p`` (levels sorted first); -1 outside their range.

    This is R's ``approx(levels, positions, p, method = "constant", f = 1)``.
    """
    order = np.argsort(levels, kind="stable")
    levels, positions = levels[order], positions[order]
    if levels.size == 0 or p < levels[0] or p > levels[-1]:
        return -1
    return int(positions[np.searchsorted(levels, p, side="left")])


def symmetric_interval(
    times: FloatArray,
    survival: FloatArray,
    std_err: FloatArray,
    n_event: FloatArray,
    estimate: float,
    p: float,
    z: float,
) -> tuple[float, float, float]:
    """Normal-approximation interval ``t_p ± z SE(t_p)`` of a quantile.

    ``SE(t_p) = SE[S(t_p)] / f(t_p)``, the delta method with Greenwood's standard
    error of the survival at the estimated quantile and Collett's density estimate
    (Collett 2003, *Modelling Survival Data in Medical Research*, §2.4.2):
    ``f(t_p) = (S(u) - S(l)) / (l - u)``, where ``u`` is the latest event time with
    ``S(u) >= 1 - p + 0.05`` (time 0, where S = 1, when there is none) and
    ``l`` the earliest event time with ``S(l) <= 1 - p - 0.05``. The interval has
    the form SPSS prints for median survival times (estimate ± 1.96 SE); SPSS does
    not document its density estimate, so its standard errors may differ.

    Returns
    -------
    std_err, lower, upper : float
        NaN when the quantile or ``l`` does not exist.
    """
    nan = float("nan")
    if np.isnan(estimate):
        return nan, nan, nan
    at = np.searchsorted(times, estimate, side="right") - 1
    se_survival = float(std_err[at]) if at >= 0 else 0.0
    level = 1.0 - p
    events = n_event > 0
    event_times = np.concatenate(([0.0], times[events]))
    event_surv = np.concatenate(([1.0], survival[events]))
    above = np.flatnonzero(event_surv >= level + _DENSITY_WINDOW)
    below = np.flatnonzero(event_surv <= level - _DENSITY_WINDOW)
    if above.size == 0 or below.size == 0:
        return nan, nan, nan
    u, low = above[-1], below[0]
    density = (event_surv[u] - event_surv[low]) / (event_times[low] - event_times[u])
    if not density > 0:
        return nan, nan, nan
    se = se_survival / density
    return se, estimate - z * se, estimate + z * se
