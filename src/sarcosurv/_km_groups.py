"""Quantiles and landmark values of many Kaplan–Meier curves at once.

The curves of all groups lie one after the other in the table (group ``g`` in
rows ``offsets[g]:offsets[g + 1]``, times increasing within a group). These
functions give, for every group together, what
:func:`sarcosurv._km_quantile.curve_quantile` and R ``summary(fit, times =)``
give for one curve: no Python loop runs over groups, so 10^4 groups cost about
as much as one curve of the same total length.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._km_monotone import monotone_quantiles
from ._km_quantile import FLAT_TOLERANCE

__all__ = ["general_quantiles", "landmarks_by_group", "quantiles_by_group"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def _group_of_rows(offsets: IntArray) -> IntArray:
    sizes = np.diff(offsets)
    out: IntArray = np.repeat(np.arange(sizes.size, dtype=np.intp), sizes)
    return out


def quantiles_by_group(
    times: FloatArray, curve: FloatArray, offsets: IntArray, p: float
) -> FloatArray:
    """``curve_quantile(times_g, curve_g, p)`` for every group ``g`` (R ``quantile.survfit``).

    Each curve starts at 1 at time 0; the quantile is the first time the curve
    falls to ``1 - p`` or below, the midpoint of a stretch where it equals
    ``1 - p`` (within :data:`~sarcosurv._km_quantile.FLAT_TOLERANCE`), NaN when
    it never gets there. NaN curve values (bands at S = 0 or 1) are skipped.
    """
    fast = monotone_quantiles(times, curve, offsets, p, FLAT_TOLERANCE)
    if fast is not None:
        return fast
    return general_quantiles(times, curve, offsets, p)


def general_quantiles(
    times: FloatArray, curve: FloatArray, offsets: IntArray, p: float
) -> FloatArray:
    """:func:`quantiles_by_group` for curves in any order (first occurrences by hashing)."""
    n_groups = offsets.size - 1
    starts = offsets[:-1]
    # Prepend (time 0, cumulative probability 0) to every group.
    x = np.insert(times, starts, 0.0)
    y = np.insert(1.0 - curve, starts, 0.0)
    ext = offsets + np.arange(n_groups + 1)
    group = _group_of_rows(ext)
    reached = np.maximum.reduceat(np.where(np.isnan(y), -np.inf, y), ext[:-1]) >= p
    last_time = x[ext[1:] - 1]
    # The first time each value is reached, per group (a missing value counts as one value).
    first = _first_occurrence(group, y)
    x, y, group = x[first], y[first], group[first]
    kept = np.concatenate(([0], np.cumsum(np.bincount(group, minlength=n_groups))))
    y_last = y[kept[1:] - 1]
    ok = ~np.isnan(y)
    index = np.flatnonzero(ok)
    low = _first_reaching(y[ok] + FLAT_TOLERANCE, group[ok], index, n_groups, p)
    high = _first_reaching(y[ok] - FLAT_TOLERANCE, group[ok], index, n_groups, p)
    x_low = np.where(low >= 0, x[np.maximum(low, 0)], np.nan)
    x_high = np.where(high >= 0, x[np.maximum(high, 0)], np.nan)
    quantile = (x_low + x_high) / 2.0
    if p == 0.0:
        quantile = x[kept[:-1]]
    flat_end = ~np.isnan(y_last) & (np.abs(p - y_last) < FLAT_TOLERANCE)
    quantile = np.where(flat_end, (x_low + last_time) / 2.0, quantile)
    out: FloatArray = np.where(reached, quantile, np.nan)
    return out


def _first_occurrence(group: IntArray, values: FloatArray) -> npt.NDArray[np.bool_]:
    """Whether each row holds the first occurrence of its value within its group (NaN = NaN)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    key = group.astype(np.int64) * max(len(uniques), 1) + codes
    out: npt.NDArray[np.bool_] = ~pd.Series(key).duplicated().to_numpy()
    return out


def _first_reaching(
    levels: FloatArray, group: IntArray, index: IntArray, n_groups: int, p: float
) -> IntArray:
    """Per group, the row (``index``) of the smallest level ``>= p``; -1 outside the range.

    R's ``approx(levels, positions, p, method = "constant", f = 1)`` per group
    after a stable sort of its levels: the earliest row holding the smallest
    level ``>= p``, and -1 when ``p`` lies below the smallest or above the
    largest level. Found by segment reductions, without sorting.
    """
    start = np.concatenate(([0], np.cumsum(np.bincount(group, minlength=n_groups))[:-1]))
    inside = (np.minimum.reduceat(levels, start) <= p) & (np.maximum.reduceat(levels, start) >= p)
    reaching = levels >= p
    smallest = np.minimum.reduceat(np.where(reaching, levels, np.inf), start)
    hit = reaching & (levels == smallest[group])
    first = np.minimum.reduceat(np.where(hit, np.arange(levels.size), levels.size), start)
    out: IntArray = np.where(inside, index[np.minimum(first, levels.size - 1)], -1)
    return out


def landmarks_by_group(
    columns: dict[str, FloatArray], offsets: IntArray, at: FloatArray, extend: bool
) -> dict[str, FloatArray]:
    """Survival, limits, SE and number at risk of every group at the sorted times ``at``.

    R ``summary(survfit, times = at)``: the values of the last row at or before
    each time (1, and SE 0, before the first row unless a group starts at time
    0), the number at risk of the first row at or after it (0 past the last
    row), NaN past a group's last time unless ``extend``. Rows run group-major.
    """
    times = columns["time"]
    n_groups = offsets.size - 1
    grid = np.unique(np.concatenate((times, at)))
    key = _group_of_rows(offsets).astype(np.int64) * grid.size + np.searchsorted(grid, times)
    query_group = np.repeat(np.arange(n_groups, dtype=np.int64), at.size)
    query = query_group * grid.size + np.tile(np.searchsorted(grid, at), n_groups)
    first, end = offsets[:-1][query_group], offsets[1:][query_group]
    last = np.searchsorted(key, query, side="right") - 1
    following = np.searchsorted(key, query, side="left")
    n_risk = np.where(following < end, columns["n_risk"][np.minimum(following, times.size - 1)], 0)
    starts_at_zero = times[first] == 0.0
    before = (last < first) & ~starts_at_zero
    take = np.maximum(last, first)
    query_time = np.tile(at, n_groups)
    past_end = query_time > times[end - 1]
    out: dict[str, FloatArray] = {"time": query_time}
    for column, start in (("survival", 1.0), ("lower", 1.0), ("upper", 1.0), ("std_err", 0.0)):
        values = np.where(before, start, columns[column][take])
        if not extend:
            values = np.where(past_end, np.nan, values)
        out[column] = values
    out["n_risk"] = n_risk.astype(np.float64)
    return out
