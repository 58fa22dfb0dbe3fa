"""Counting kernel shared by the Kaplan–Meier estimator and the log-rank family.

Both need, for every distinct observed time ``t`` and every cell (group, or
stratum × group), the (weighted) number of rows at risk, of events and of rows
leaving. The counts are built with :func:`numpy.bincount` on integer codes of
the times, so no risk set is ever materialised and no Python loop runs over
rows or times.

Two ways to code the times:

* integer-valued times with a moderate range (days, rounded months): the code
  is ``time - min(time)``, so counting needs neither sorting nor hashing;
* anything else: when a sample of the times is mostly distinct, one argsort of
  all rows; when it is tied, :func:`pandas.factorize` (hashing, linear time)
  followed by a sort of the distinct values only, much cheaper than sorting
  every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["RiskTable", "tabulate", "tabulate_blocks"]

#: Largest dense grid (cells × time range) the integer path may allocate, as a
#: multiple of the number of rows; beyond it hashing is cheaper than a sparse grid.
_DENSE_FACTOR = 1
_DENSE_MINIMUM = 1 << 22
#: Rows sampled to judge whether times are mostly distinct (sort) or tied (hash).
_SAMPLE_SIZE = 2048


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
        Weighted rows leaving, weighted events, and the weighted number at risk
        ``sum(w[entry < t <= time])``.
    """

    times: FloatArray
    n_rows: IntArray
    n_exit: FloatArray
    n_event: FloatArray
    n_risk: FloatArray


def _reverse_cumsum(values: FloatArray) -> FloatArray:
    """Sum over columns ``j' >= j`` along axis 1."""
    out: FloatArray = np.cumsum(values[:, ::-1], axis=1)[:, ::-1]
    return out


def _integer_grid(time: FloatArray, n_cells: int) -> tuple[FloatArray, IntArray] | None:
    """Dense codes ``time - min`` when times are integers on a small enough range."""
    tmin = float(time.min())
    tmax = float(time.max())
    span = tmax - tmin + 1.0
    if span * n_cells > _max_cells(time.size) or tmax >= 2.0**52:
        return None
    codes = time.astype(np.intp)
    # An exact round trip proves every time was integer-valued.
    if not (codes == time).all():
        return None
    if tmin != 0.0:
        codes -= int(tmin)
    grid = np.arange(int(span), dtype=np.float64) + tmin
    return grid, codes


def _general_grid(time: FloatArray) -> tuple[FloatArray, IntArray]:
    """Codes into the sorted distinct times: sort when most times are distinct, else hash."""
    sample = time[:: max(1, time.size // _SAMPLE_SIZE)]
    if np.unique(sample).size > sample.size // 2:
        return _sorted_grid(time)
    return _hashed_grid(time)


def _sorted_grid(time: FloatArray) -> tuple[FloatArray, IntArray]:
    """Codes into the sorted distinct times by sorting every row (few ties)."""
    order = np.argsort(time)
    ordered = time[order]
    new = np.empty(ordered.size, dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    codes = np.empty(time.size, dtype=np.intp)
    codes[order] = np.cumsum(new) - 1
    return ordered[new], codes


def _hashed_grid(time: FloatArray) -> tuple[FloatArray, IntArray]:
    """Codes into the sorted distinct times, via hashing then sorting the distinct values."""
    codes, uniques = pd.factorize(time, sort=False)
    uniques_arr = np.asarray(uniques, dtype=np.float64)
    order = np.argsort(uniques_arr)  # distinct values: stability is irrelevant, speed is not
    rank = np.empty(order.size, dtype=np.intp)
    rank[order] = np.arange(order.size, dtype=np.intp)
    return uniques_arr[order], rank[codes]


def _max_cells(n: int) -> int:
    return max(_DENSE_FACTOR * n, _DENSE_MINIMUM)


def _code_times(time: FloatArray, n_cells: int) -> tuple[FloatArray, IntArray, bool]:
    """Grid of times, each row's code into it, and whether the grid is the dense integer range."""
    dense = _integer_grid(time, n_cells)
    if dense is not None:
        return dense[0], dense[1], True
    grid, codes = _general_grid(time)
    return grid, codes, False


def tabulate(
    time: FloatArray,
    event: BoolArray,
    *,
    cell: IntArray | None = None,
    n_cells: int = 1,
    weights: FloatArray | None = None,
    entry: FloatArray | None = None,
) -> RiskTable:
    """Count rows at risk, events and exits per cell at every distinct time.

    The table is dense (cells × distinct times of all cells together); use
    :func:`tabulate_blocks` when many cells each hold few of the times.

    Parameters
    ----------
    time, event : ndarray (n,)
        Exit times (finite, validated) and event indicators.
    cell : ndarray of intp (n,), optional
        Cell code ``0 .. n_cells - 1`` of each row (group, or stratum × group).
    n_cells : int
        Number of cells.
    weights : ndarray (n,), optional
        Case weights; every count becomes a sum of weights.
    entry : ndarray (n,), optional
        Left-truncation times; a row is at risk at ``t`` when ``entry < t <= time``.

    Returns
    -------
    RiskTable
    """
    grid, codes, dense = _code_times(time, n_cells)
    return _count(grid, codes, dense, event, cell, n_cells, weights, entry)


def tabulate_blocks(
    time: FloatArray,
    event: BoolArray,
    *,
    cell: IntArray,
    n_cells: int,
    block_size: int = 1,
    weights: FloatArray | None = None,
    entry: FloatArray | None = None,
) -> list[RiskTable]:
    """One :class:`RiskTable` per block of ``block_size`` consecutive cells.

    Each block's table keeps only the times at which the block has rows (a group
    of a Kaplan–Meier fit: ``block_size = 1``; a stratum of a log-rank test with
    ``k`` groups: ``block_size = k``). When a dense cells × times table would be
    too large (many cells, many distinct times), blocks are counted one at a
    time instead, so memory stays linear in the number of rows.
    """
    n_blocks = n_cells // block_size
    grid, codes, dense = _code_times(time, n_cells)
    if n_cells * grid.size <= _max_cells(time.size):
        table = _count(grid, codes, dense, event, cell, n_cells, weights, entry)
        return [_block(table, b * block_size, (b + 1) * block_size) for b in range(n_blocks)]
    block = cell // block_size
    order = np.argsort(block, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(block, minlength=n_blocks))))
    tables = []
    for b in range(n_blocks):
        rows = order[bounds[b] : bounds[b + 1]]
        if rows.size == 0:
            empty = np.zeros((block_size, 0))
            tables.append(
                RiskTable(np.zeros(0), empty.astype(np.intp), empty, empty.copy(), empty.copy())
            )
            continue
        tables.append(
            tabulate(
                time[rows],
                event[rows],
                cell=cell[rows] - b * block_size,
                n_cells=block_size,
                weights=None if weights is None else weights[rows],
                entry=None if entry is None else entry[rows],
            )
        )
    return tables


def _block(table: RiskTable, first: int, last: int) -> RiskTable:
    """Cells ``first:last`` of a dense table, at the times where they have rows."""
    n_rows = table.n_rows[first:last]
    keep = n_rows.sum(axis=0) > 0
    if keep.all():
        return RiskTable(
            table.times,
            n_rows,
            table.n_exit[first:last],
            table.n_event[first:last],
            table.n_risk[first:last],
        )
    return RiskTable(
        table.times[keep],
        n_rows[:, keep],
        table.n_exit[first:last, keep],
        table.n_event[first:last, keep],
        table.n_risk[first:last, keep],
    )


def _count(
    grid: FloatArray,
    codes: IntArray,
    dense: bool,
    event: BoolArray,
    cell: IntArray | None,
    n_cells: int,
    weights: FloatArray | None,
    entry: FloatArray | None,
) -> RiskTable:
    """Dense counts on a coded grid (see :func:`tabulate`)."""
    size = grid.size
    joint = codes if cell is None or n_cells == 1 else cell * size + codes
    length = n_cells * size
    n_rows = np.bincount(joint, minlength=length).reshape(n_cells, size)
    n_exit: FloatArray
    n_event: FloatArray
    # Weighted counting is cheaper than first selecting the event rows.
    if weights is None:
        n_exit = n_rows.astype(np.float64)
        event_weight = event
    else:
        n_exit = np.asarray(
            np.bincount(joint, weights=weights, minlength=length), dtype=np.float64
        ).reshape(n_cells, size)
        event_weight = np.where(event, weights, 0.0)
    n_event = np.asarray(
        np.bincount(joint, weights=event_weight, minlength=length), dtype=np.float64
    )
    n_event = n_event.reshape(n_cells, size)
    if dense:
        present = n_rows.sum(axis=0) > 0
        if not present.all():
            grid = grid[present]
            n_rows = n_rows[:, present]
            n_exit = n_exit[:, present]
            n_event = n_event[:, present]
    n_risk = _reverse_cumsum(n_exit)
    if entry is not None:
        n_risk = n_risk - _entered_later(grid, entry, cell, n_cells, weights)
    return RiskTable(grid, n_rows, n_exit, n_event, n_risk)


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
