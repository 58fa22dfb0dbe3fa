"""The risk table: counts per cell and distinct time, and the helpers that build it.

Shared by every way of counting (:mod:`~sarcosurv.counting.tabulate` with an
index sort, hashing or integer codes; :mod:`~sarcosurv.counting.valuesort`
with value sorts; :mod:`~sarcosurv.counting.merge` from aggregated counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["RiskTable"]


@dataclass(frozen=True)
class RiskTable:
    """Counts per cell and distinct time, cells along axis 0, times along axis 1.

    Attributes
    ----------
    times : ndarray (m,)
        Sorted distinct observed exit times over all cells.
    n_rows : ndarray (k, m)
        Unweighted number of rows of each cell leaving at each time; a cell has
        a row in its own table exactly where this is positive.
    n_exit, n_event, n_risk : ndarray (k, m)
        Weighted rows leaving, weighted events (of any cause), and the weighted
        number at risk ``sum(w[entry < t <= time])``.
    n_event_cause : ndarray (K, k, m) or None
        Weighted events per cause ``1..K`` (``n_event_cause[c - 1]``), when the
        table was built with ``n_causes > 1``; ``n_event`` is their sum.
    """

    times: FloatArray
    n_rows: IntArray
    n_exit: FloatArray
    n_event: FloatArray
    n_risk: FloatArray
    n_event_cause: FloatArray | None = None


def _reverse_cumsum(values: FloatArray) -> FloatArray:
    """Sum over columns ``j' >= j`` along axis 1 (a C-contiguous array).

    The sums are written through a reversed view of the output, so the result
    has positive strides: later selections and products over the times run at
    full speed (a reversed-stride table makes them several times slower).
    """
    out: FloatArray = np.empty(values.shape, dtype=np.float64)
    np.cumsum(values[:, ::-1], axis=1, out=out[:, ::-1])
    return out


def _empty(n_cells: int, n_causes: int) -> RiskTable:
    empty = np.zeros((n_cells, 0))
    by_cause = np.zeros((n_causes, n_cells, 0)) if n_causes > 1 else None
    return RiskTable(
        np.zeros(0), empty.astype(np.intp), empty, empty.copy(), empty.copy(), by_cause
    )


def _entered_later(
    times: FloatArray,
    entry: FloatArray,
    cell: IntArray | None,
    n_cells: int,
    weights: FloatArray | None,
) -> FloatArray:
    """Weighted number of rows with ``entry >= times[j]``, per cell (not yet at risk)."""
    m = times.size
    # pos = number of grid times <= entry: the row is not at risk at grid indices < pos.
    pos = np.searchsorted(times, entry, side="right")
    joint = pos if cell is None or n_cells == 1 else cell * (m + 1) + pos
    counts = np.bincount(joint, weights=weights, minlength=n_cells * (m + 1))
    later = _reverse_cumsum(counts.reshape(n_cells, m + 1).astype(np.float64))
    out: FloatArray = later[:, 1:]
    return out
