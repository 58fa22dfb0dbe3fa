"""Risk tables from counts that were aggregated elsewhere (per partition, per chunk).

:func:`~sarcosurv.counting.tabulate` counts rows it holds in memory. When the rows
live in many partitions (a Dask DataFrame, files read in chunks) each partition
can instead report, per cell and distinct exit time, its number of rows, weighted
exits and weighted events, and per cell and distinct entry time its weighted
entries. Those counts add across partitions, and :func:`tables_from_counts` turns
their sum into exactly the :class:`RiskTable` blocks :func:`tabulate_blocks`
would have built from all rows: the number at risk at ``t`` is
``sum_{time >= t} exits - sum_{entry >= t} entries`` (Andersen et al. 1993, ch. IV).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .table import RiskTable, _empty, _entered_later, _reverse_cumsum

__all__ = ["tables_from_counts"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def _bounds(block: IntArray, n_blocks: int) -> tuple[IntArray, IntArray]:
    order = np.argsort(block, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(block, minlength=n_blocks))))
    return order.astype(np.intp), bounds.astype(np.intp)


def tables_from_counts(
    time: FloatArray,
    cell: IntArray,
    n_rows: FloatArray,
    n_exit: FloatArray,
    n_event: FloatArray,
    *,
    n_cells: int,
    block_size: int = 1,
    entry: FloatArray | None = None,
    entry_cell: IntArray | None = None,
    entry_weight: FloatArray | None = None,
) -> list[RiskTable]:
    """One :class:`RiskTable` per block of ``block_size`` cells, from aggregated counts.

    Parameters
    ----------
    time, cell : ndarray (r,)
        Exit time and cell of each count record (a record may repeat a
        (cell, time) pair; records are summed).
    n_rows, n_exit, n_event : ndarray (r,)
        Rows, weighted exits and weighted events of each record.
    n_cells, block_size : int
        As :func:`~sarcosurv.counting.tabulate_blocks`.
    entry, entry_cell, entry_weight : ndarray (q,), optional
        Entry (left-truncation) time, cell and weighted number of rows of each
        entry record.

    Returns
    -------
    list of RiskTable
        Equal to ``tabulate_blocks`` on the rows the counts summarise.

    Examples
    --------
    >>> import numpy as np
    >>> from sarcosurv.counting.merge import tables_from_counts
    >>> t = tables_from_counts(np.array([2.0, 1.0, 2.0]), np.array([0, 0, 0]),
    ...                        np.array([1.0, 2.0, 1.0]), np.array([1.0, 2.0, 1.0]),
    ...                        np.array([1.0, 1.0, 0.0]), n_cells=1)
    >>> t[0].times.tolist(), t[0].n_risk.tolist(), t[0].n_event.tolist()
    ([1.0, 2.0], [[4.0, 2.0]], [[1.0, 1.0]])
    """
    n_blocks = n_cells // block_size
    order, bounds = _bounds(cell // block_size, n_blocks)
    if entry is not None:
        assert entry_cell is not None
        assert entry_weight is not None
        e_order, e_bounds = _bounds(entry_cell // block_size, n_blocks)
    tables = []
    for b in range(n_blocks):  # a loop over blocks (groups, strata), never over rows
        rows = order[bounds[b] : bounds[b + 1]]
        entries = None
        if entry is not None and entry_cell is not None and entry_weight is not None:
            e_rows = e_order[e_bounds[b] : e_bounds[b + 1]]
            entries = (entry[e_rows], entry_cell[e_rows] - b * block_size, entry_weight[e_rows])
        counts = (
            time[rows],
            cell[rows] - b * block_size,
            n_rows[rows],
            n_exit[rows],
            n_event[rows],
        )
        tables.append(_block_table(counts, entries, block_size))
    return tables


def _block_table(
    counts: tuple[FloatArray, IntArray, FloatArray, FloatArray, FloatArray],
    entries: tuple[FloatArray, IntArray, FloatArray] | None,
    block_size: int,
) -> RiskTable:
    """The table of one block from its (time, local cell, rows, exits, events) records."""
    time, cell, n_rows, n_exit, n_event = counts
    if time.size == 0:
        return _empty(block_size, 1)
    grid, codes = np.unique(time, return_inverse=True)
    size = grid.size * block_size
    joint = cell * grid.size + codes.reshape(-1)

    def total(values: FloatArray) -> FloatArray:
        summed = np.bincount(joint, weights=values, minlength=size)
        return np.asarray(summed, np.float64).reshape(block_size, -1)

    exits = total(n_exit)
    n_risk = _reverse_cumsum(exits)
    if entries is not None:
        n_risk = n_risk - _entered_later(grid, entries[0], entries[1], block_size, entries[2])
    counted = np.rint(total(n_rows)).astype(np.intp)
    return RiskTable(grid, counted, exits, total(n_event), n_risk)
