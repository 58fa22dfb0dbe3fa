"""Per-cause counts per cell and distinct time: the one link to the counting layer.

:func:`counts` reads the per-cause event counts of the counting layer's
:func:`sarcosurv.counting.tabulate` (``n_causes=``, ``n_event_cause``): the rows
are coded and counted in one pass and no risk-set sum is written twice here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..counting.tabulate import tabulate

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["CauseCounts", "counts"]


@dataclass(frozen=True)
class CauseCounts:
    """Counts per cell and distinct exit time, split by cause.

    Attributes
    ----------
    times : ndarray (m,)
        Sorted distinct exit times over all cells.
    n_rows : ndarray of intp (cells, m)
        Unweighted rows leaving each cell at each time (any code).
    n_leave : ndarray (cells, codes, m)
        Weighted rows leaving, by event code (0 = censored, ``k`` = cause ``k``).
    n_risk : ndarray (cells, m)
        Weighted number at risk (``entry < t <= time``).
    """

    times: FloatArray
    n_rows: IntArray
    n_leave: FloatArray
    n_risk: FloatArray

    @property
    def n_exit(self) -> FloatArray:
        """Weighted rows leaving, ``(cells, m)``."""
        out: FloatArray = self.n_leave.sum(axis=1)
        return out

    @property
    def n_event(self) -> FloatArray:
        """Weighted events of cause ``k + 1`` at axis-0 index ``k``, ``(causes, cells, m)``."""
        return np.ascontiguousarray(np.moveaxis(self.n_leave[:, 1:, :], 1, 0))


def counts(
    time: FloatArray,
    code: IntArray,
    n_causes: int,
    *,
    cell: IntArray | None = None,
    n_cells: int = 1,
    weights: FloatArray | None = None,
    entry: FloatArray | None = None,
) -> CauseCounts:
    """Count at-risk rows, exits and per-cause events per cell and distinct time.

    Parameters
    ----------
    time : ndarray (n,)
        Exit times.
    code : ndarray of intp (n,)
        0 for censored, ``k`` for an event of cause ``k`` (1 .. ``n_causes``).
    n_causes : int
    cell : ndarray of intp (n,), optional
        Cell (group) code of each row, ``0 .. n_cells - 1``.
    weights, entry : ndarray (n,), optional
        Case weights and left-truncation times.

    Returns
    -------
    CauseCounts

    Examples
    --------
    >>> import numpy as np
    >>> c = counts(np.array([1.0, 2.0, 2.0]), np.array([1, 2, 0]), 2)
    >>> c.n_event[:, 0, :].tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    # tabulate counts per cause from K = 2 on; a single cause is its n_event.
    table = tabulate(
        time,
        code,
        cell=cell,
        n_cells=n_cells,
        weights=weights,
        entry=entry,
        n_causes=max(n_causes, 2),
    )
    assert table.n_event_cause is not None
    by_cause = table.n_event_cause[:n_causes]
    censored = np.maximum(table.n_exit - table.n_event, 0.0)
    n_leave = np.concatenate([censored[:, None, :], np.moveaxis(by_cause, 0, 1)], axis=1)
    return CauseCounts(
        times=table.times,
        n_rows=table.n_rows,
        n_leave=np.ascontiguousarray(n_leave),
        n_risk=table.n_risk,
    )
