"""Building blocks of the Cox kernels: the sort, binned risk-set sums, weighted Gram matrices.

Risk sets are never materialised. After sorting by (stratum, stop), row ``i``
of stratum ``s`` is at risk at the tie groups ``lo_i <= k < hi_i`` (Therneau &
Grambsch 2000, sec. 3.7 for the counting-process form). A sparse matrix with
``+1`` at bin ``hi_i + s`` and, for counting-process data, ``-1`` at bin
``lo_i + s`` turns any per-row values into per-bin sums in one pass; a reverse
cumulative sum over the bins then gives every risk-set sum
:math:`\\sum_{i \\in R_k} v_i` at once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse

__all__ = ["bin_sums", "risk_intervals", "sort_order", "sum_matrix", "weighted_gram"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Rows per block in :func:`weighted_gram` (bounds the temporary to block x p).
GRAM_BLOCK = 1 << 14


def sort_order(stop: FloatArray, event: npt.NDArray[np.bool_], strata: IntArray) -> IntArray:
    """Stable order by (stratum, stop, events before censorings).

    Integer-valued times (day-level data) that fit in 16 bits with the
    stratum and the event flag are sorted by one radix sort of a ``uint16``
    key; other data by :func:`numpy.lexsort`. Both orders are stable, so they
    agree.
    """
    n = stop.shape[0]
    if n:
        n_strata = int(strata.max()) + 1
        top = float(stop.max())
        if float(stop.min()) >= 0.0 and top < 2**15:
            width = 2 * (int(top) + 1)
            if width * n_strata <= 2**16 and bool(np.all(stop == np.floor(stop))):
                key = strata * width + 2 * stop.astype(np.intp) + ~event
                return np.argsort(key.astype(np.uint16), kind="stable").astype(np.intp)
    return np.lexsort((~event, stop, strata)).astype(np.intp)


def risk_intervals(
    stop: FloatArray,
    start: FloatArray | None,
    stratum: IntArray,
    group_time: FloatArray,
    group_stratum: IntArray,
) -> tuple[IntArray, IntArray]:
    """Per sorted row, the tie groups ``lo <= k < hi`` at which it is at risk.

    Groups are numbered over all strata in (stratum, time) order, so ``hi`` is
    the number of groups with (stratum, time) at or before the row's (stratum,
    stop) and ``lo`` the number at or before its (stratum, start).
    """
    n = stop.shape[0]
    n_strata = int(stratum.max()) + 1 if n else 0
    if n_strata <= 1:
        first_row = np.searchsorted(stop, group_time, side="left")
    else:
        span = _stratum_span(stop, start if start is not None else np.zeros(0))
        stop_key = stratum * span + stop
        group_key = group_stratum * span + group_time
        first_row = np.searchsorted(stop_key, group_key, side="left")
    # Rows are sorted by (stratum, stop): a linear pass counts the groups reached.
    hi = np.cumsum(np.bincount(first_row, minlength=n + 1))[:n].astype(np.intp)
    if start is None:
        first_group = np.searchsorted(group_stratum, np.arange(max(n_strata, 1)), side="left")
        lo = first_group[stratum].astype(np.intp)
    else:
        span = _stratum_span(stop, start)
        group_key = group_stratum * span + group_time
        start_key = stratum * span + _finite(start)
        lo = np.searchsorted(group_key, start_key, side="right").astype(np.intp)
    return lo, hi


def _finite(values: FloatArray) -> FloatArray:
    """Replace -inf entry times by a value below every time (they never bound a risk set)."""
    return np.where(np.isneginf(values), -1.0, values)


def _stratum_span(stop: FloatArray, start: FloatArray) -> float:
    finite_start = start[np.isfinite(start)]
    top = max(float(stop.max(initial=0.0)), float(finite_start.max(initial=0.0)))
    return 2.0 * top + 4.0


def sum_matrix(
    lo: IntArray,
    hi: IntArray,
    stratum: IntArray,
    event_rows: IntArray,
    group_of_event: IntArray,
    group_stratum: IntArray,
    *,
    counting: bool,
) -> tuple[sparse.csr_array, int, IntArray, IntArray]:
    """Sparse matrix whose product with per-row values gives binned sums.

    Row ``i`` of stratum ``s`` is at risk at tie groups ``lo_i <= k < hi_i``.
    Bin ``b = hi_i + s`` collects ``+v_i`` and (counting-process data) bin
    ``lo_i + s`` collects ``-v_i``; the ``+ s`` keeps strata apart. The risk
    set sum at group ``k`` of stratum ``s`` is then the sum of bins
    ``k + s + 1`` to the last bin of the stratum, a reverse cumulative sum.
    The last ``n_groups`` rows of the matrix sum the event rows of each group.

    Returns
    -------
    matrix : scipy.sparse.csr_array, shape (n_bins + n_groups, n)
    n_bins : int
    bin_first, bin_end : ndarray of int, shape (n_groups,)
        Per tie group, the bin range ``[bin_first, bin_end)`` of its risk set.
    """
    n = hi.shape[0]
    n_groups = group_stratum.shape[0]
    n_strata = int(stratum.max()) + 1 if n else 0
    n_bins = n_groups + n_strata
    shape = (n_bins + n_groups, n)
    if counting:
        rows = np.concatenate([hi + stratum, lo + stratum, n_bins + group_of_event])
        cols = np.concatenate([np.arange(n), np.arange(n), event_rows])
        vals = np.concatenate([np.ones(n), -np.ones(n), np.ones(event_rows.shape[0])])
        matrix = sparse.csr_array((vals, (rows, cols)), shape=shape)
    else:
        # Rows are sorted by (stratum, stop), so bins and groups are already in order.
        risk_ptr = np.searchsorted(hi + stratum, np.arange(n_bins + 1), side="left")
        event_ptr = np.searchsorted(group_of_event, np.arange(1, n_groups + 1), side="left")
        indptr = np.concatenate([risk_ptr, n + event_ptr])
        indices = np.concatenate([np.arange(n), event_rows])
        matrix = sparse.csr_array((np.ones(indices.shape[0]), indices, indptr), shape=shape)
    stratum_end = np.searchsorted(group_stratum, np.arange(n_strata), side="right")
    bin_first = (np.arange(n_groups) + group_stratum + 1).astype(np.intp)
    bin_end = (stratum_end[group_stratum] + group_stratum + 1).astype(np.intp)
    return matrix, n_bins, bin_first, bin_end


def bin_sums(
    matrix: sparse.csr_array,
    n_bins: int,
    bin_first: IntArray,
    bin_end: IntArray,
    row_scale: FloatArray,
    values: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Risk-set sums and event-group sums of ``row_scale * values`` per tie group.

    ``values`` (sorted rows, shape (n, q)) defaults to ones; ``row_scale`` has
    shape (n,). One sparse product over the rows, then a reverse cumulative
    sum over the bins: no ``n x q`` temporary.
    """
    if values is None:
        sums = np.asarray(matrix @ row_scale, dtype=np.float64)
    else:
        scaled = sparse.csr_array(
            (matrix.data * row_scale[matrix.indices], matrix.indices, matrix.indptr),
            shape=matrix.shape,
        )
        sums = np.asarray(scaled @ values, dtype=np.float64)
    binned, grouped = sums[:n_bins], sums[n_bins:]
    tail = np.zeros((n_bins + 1, *binned.shape[1:]))
    tail[:-1] = np.cumsum(binned[::-1], axis=0)[::-1]
    return tail[bin_first] - tail[bin_end], grouped


def weighted_gram(x: FloatArray, weight: FloatArray, block: int = GRAM_BLOCK) -> FloatArray:
    """:math:`X^T \\mathrm{diag}(w) X` for ``w >= 0``.

    Accumulated over blocks of rows (a loop over blocks, not rows) as
    symmetric rank-k updates :math:`Y^T Y` with :math:`Y = \\sqrt{w} X`, so
    the temporary is ``block x p`` and not ``n x p``.
    """
    root = np.sqrt(np.maximum(weight, 0.0))
    out = np.zeros((x.shape[1], x.shape[1]))
    for lo in range(0, x.shape[0], block):
        y = x[lo : lo + block] * root[lo : lo + block, None]
        out += y.T @ y
    return out
