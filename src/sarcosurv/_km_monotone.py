"""Quantiles of many monotone curves by binary search (the fast path of ``quantiles_by_group``).

A Kaplan–Meier curve and its pointwise limits never rise, so ``1 - curve`` is
non-decreasing within each group once its missing values are set aside. Then
R's ``quantile.survfit`` rule (see
:func:`sarcosurv._km_groups.quantiles_by_group`) reduces to, per group, the
first row whose value reaches ``p - tol`` and the first that reaches
``p + tol``: a binary search run for every group at once, about
``log2(rows)`` vectorised steps over the groups, after one pass that checks
the order. Curves that are not monotone go to the general algorithm.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["monotone_quantiles"]


def _first_at_least(
    values: FloatArray, lo: IntArray, hi: IntArray, level: float | FloatArray
) -> IntArray:
    """Per segment ``values[lo:hi]`` (non-decreasing), the first index with value >= level.

    ``hi`` when there is none; ``level`` is one number or one per segment.
    Vectorised bisection over all segments at once.
    """
    lo, hi = lo.copy(), hi.copy()
    levels = np.broadcast_to(np.asarray(level, np.float64), lo.shape)
    active = np.flatnonzero(lo < hi)
    while active.size:
        mid = (lo[active] + hi[active]) // 2
        below = values[mid] < levels[active]
        lo[active] = np.where(below, mid + 1, lo[active])
        hi[active] = np.where(below, hi[active], mid)
        active = active[lo[active] < hi[active]]
    return lo


def _segments(ok: npt.NDArray[np.bool_], offsets: IntArray) -> tuple[IntArray, IntArray]:
    """Bounds of each group among the kept (non-missing) rows."""
    kept = np.concatenate(([0], np.cumsum(ok, dtype=np.intp)))
    return kept[offsets[:-1]], kept[offsets[1:]]


def monotone_quantiles(
    times: FloatArray, curve: FloatArray, offsets: IntArray, p: float, tol: float
) -> FloatArray | None:
    """The quantile ``p`` of every group, or None when some curve is not monotone.

    Same answer as :func:`sarcosurv._km_groups.quantiles_by_group`, missing
    values included: they are skipped for the search, and the last
    distinct value (for a flat end at ``1 - p``) is missing when the group's
    first missing value comes after its final level first appears.
    """
    y_all = 1.0 - curve
    ok = ~np.isnan(y_all)
    every = bool(ok.all())
    if not ok.any() or np.any(np.diff(offsets) == 0):
        return None
    y = y_all if every else y_all[ok]
    x = times if every else times[ok]
    lo, hi = _segments(ok, offsets) if not every else (offsets[:-1], offsets[1:])
    step = np.diff(y)
    inner = hi[:-1][(hi[:-1] > lo[:-1]) & (hi[:-1] < y.size)] - 1  # last row before a new group
    step[inner[inner < step.size]] = 0.0
    if step.size and float(step.min()) < 0.0:
        return None
    has = hi > lo
    last = np.where(has, y[np.maximum(hi - 1, 0)], 0.0)  # the prepended origin is 0
    top = np.maximum(last, 0.0)
    # R's rule with the origin (time 0, level 0) prepended: the low end uses levels
    # y + tol (inside when tol <= p <= top + tol), the high end y - tol.
    low_at = _first_at_least(y, lo, hi, p - tol)
    high_at = _first_at_least(y, lo, hi, p + tol)
    x_low = np.where(low_at < hi, x[np.minimum(low_at, max(x.size - 1, 0))], np.nan)
    x_high = np.where(high_at < hi, x[np.minimum(high_at, max(x.size - 1, 0))], np.nan)
    if p == tol:
        x_low = np.zeros_like(top)
    x_low = np.where((p >= tol) & (top + tol >= p), x_low, np.nan)
    x_high = np.where(top - tol >= p, x_high, np.nan)
    quantile = (x_low + x_high) / 2.0
    if p == 0.0:
        quantile = np.zeros(offsets.size - 1)
    last_time = times[np.maximum(offsets[1:] - 1, 0)]
    last_is_missing = _last_is_missing(ok, offsets, lo, hi, y, top, every)
    flat_end = ~last_is_missing & (np.abs(p - top) < tol)
    quantile = np.where(flat_end, (x_low + last_time) / 2.0, quantile)
    out: FloatArray = np.where(top >= p, quantile, np.nan)
    return out


def _last_is_missing(
    ok: npt.NDArray[np.bool_],
    offsets: IntArray,
    lo: IntArray,
    hi: IntArray,
    y: FloatArray,
    top: FloatArray,
    every: bool,
) -> npt.NDArray[np.bool_]:
    """Whether each group's last distinct value (first occurrences kept) is the missing one.

    It is when the group's first missing row comes after the row where its
    final level first appears (the prepended origin when that level is 0).
    """
    if every:
        return np.zeros(offsets.size - 1, dtype=bool)
    missing_rows = np.flatnonzero(~ok)
    at = np.searchsorted(missing_rows, offsets[:-1])
    safe = np.minimum(at, max(missing_rows.size - 1, 0))
    has_missing = (at < missing_rows.size) & (missing_rows[safe] < offsets[1:])
    first_top = _first_at_least(y, lo, hi, top)
    kept_rows = np.flatnonzero(ok)
    top_row = kept_rows[np.clip(first_top, 0, max(kept_rows.size - 1, 0))] if kept_rows.size else 0
    top_row = np.where(top > 0, top_row, -1)
    return np.asarray(has_missing & (missing_rows[safe] > top_row), dtype=bool)
