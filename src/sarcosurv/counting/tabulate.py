"""Tabulation per cell and distinct time: the counts under Kaplan–Meier, log-rank and follow-up.

These estimators need, for every distinct observed time ``t`` and every cell (group, or
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

import itertools

import numpy as np
import numpy.typing as npt
import pandas as pd

from .table import RiskTable, _empty, _entered_later, _reverse_cumsum
from .valuesort import MergeSorted, value_sorted_blocks

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


def _integer_grid(time: FloatArray, n_cells: int) -> tuple[FloatArray, IntArray] | None:
    """Dense codes ``time - min`` when times are integers on a small enough range."""
    tmin = float(time.min())
    tmax = float(time.max())
    span = tmax - tmin + 1.0
    if span * n_cells > _max_cells(time.size) or tmax >= 2.0**52:
        return None
    sample = time[:: max(1, time.size // _SAMPLE_SIZE)]  # a fraction in the sample: no grid
    if not (sample.astype(np.intp) == sample).all():
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


def _code_times(
    time: FloatArray,
    n_cells: int,
    coded: tuple[FloatArray, IntArray] | None = None,
    dense: tuple[FloatArray, IntArray] | None = None,
) -> tuple[FloatArray, IntArray, bool]:
    """Grid of times, each row's code into it, and whether the grid is the dense integer range.

    ``dense`` is the dense integer coding when :func:`_integer_grid` found one;
    ``coded`` (sorted distinct times and row codes, known already) replaces the
    sort or hash of the general case.
    """
    if dense is not None:
        return dense[0], dense[1], True
    grid, codes = _general_grid(time) if coded is None else coded
    return grid, codes, False


def tabulate(
    time: FloatArray,
    event: BoolArray | IntArray,
    *,
    cell: IntArray | None = None,
    n_cells: int = 1,
    weights: FloatArray | None = None,
    entry: FloatArray | None = None,
    n_causes: int = 1,
) -> RiskTable:
    """Count rows at risk, events and exits per cell at every distinct time.

    With ``d_{c j}(t) = sum_i w_i [time_i = t, event_i = c, cell_i = j]`` and
    ``n_j(t) = sum_i w_i [entry_i < t <= time_i, cell_i = j]``, the table holds
    ``n_risk = n_j(t)``, ``n_event = sum_c d_{c j}(t)``, the exits and, for
    several causes, ``d_{c j}(t)`` itself: every count of the Kaplan–Meier,
    Nelson–Aalen, Aalen–Johansen and log-rank estimators (Andersen et al. 1993,
    *Statistical Models Based on Counting Processes*, ch. IV).

    The table is dense (cells × distinct times of all cells together); use
    :func:`tabulate_blocks` when many cells each hold few of the times.

    Parameters
    ----------
    time : ndarray (n,)
        Exit times (finite, validated, e.g. :attr:`sarcosurv.Surv.time`).
    event : ndarray (n,)
        Event indicators (boolean) or codes ``0`` (censored), ``1..K`` (cause).
    cell : ndarray of intp (n,), optional
        Cell code ``0 .. n_cells - 1`` of each row (group, or stratum × group).
    n_cells : int
        Number of cells.
    weights : ndarray (n,), optional
        Case weights; every count becomes a sum of weights.
    entry : ndarray (n,), optional
        Left-truncation times; a row is at risk at ``t`` when ``entry < t <= time``.
    n_causes : int
        K; with K > 1 the events per cause are counted too (``n_event_cause``).

    Returns
    -------
    RiskTable

    Examples
    --------
    >>> import numpy as np
    >>> from sarcosurv.counting import tabulate
    >>> table = tabulate(np.array([2.0, 1.0, 2.0, 3.0]), np.array([1, 1, 0, 2]), n_causes=2)
    >>> table.n_risk.tolist(), table.n_event.tolist()
    ([[4.0, 3.0, 1.0]], [[1.0, 1.0, 1.0]])
    >>> table.n_event_cause[1].tolist()
    [[0.0, 0.0, 1.0]]
    """
    dense = _integer_grid(time, n_cells)
    if dense is None and weights is None:
        one_block = value_sorted_blocks(
            time, event, cell=cell, n_cells=n_cells, block_size=n_cells, entry=entry,
            n_causes=n_causes,
        )  # fmt: skip
        if one_block is not None:
            return one_block[0]
    grid, codes, is_dense = _code_times(time, n_cells, dense=dense)
    return _count(grid, codes, is_dense, event, cell, n_cells, weights, entry, n_causes)


def tabulate_blocks(
    time: FloatArray,
    event: BoolArray | IntArray,
    *,
    cell: IntArray,
    n_cells: int,
    block_size: int = 1,
    weights: FloatArray | None = None,
    entry: FloatArray | None = None,
    n_causes: int = 1,
    coded: tuple[FloatArray, IntArray] | None = None,
    at_events: bool = False,
    merge_sorted: MergeSorted | None = None,
) -> list[RiskTable]:
    """One :class:`RiskTable` per block of ``block_size`` consecutive cells.

    Each block's table keeps only the times at which the block has rows (a group
    of a Kaplan–Meier fit: ``block_size = 1``; a stratum of a log-rank test with
    ``k`` groups: ``block_size = k``). When a dense cells × times table would be
    too large (many cells, many distinct times), blocks are counted one at a
    time instead, so memory stays linear in the number of rows. Arguments as
    :func:`tabulate`; ``coded`` is the sorted distinct times with each row's
    index into them when already known (:meth:`sarcosurv.Surv.time_codes`).
    With ``at_events`` each table keeps only the times with an event in its
    block, all that log-rank sums need: ``n_risk`` and ``n_event`` there are
    unchanged; ``n_rows``/``n_exit`` count each row at the last of these times
    at or before its own (rows leaving before the first are left out).
    ``merge_sorted`` maps sorted times to their merged values (the timefix
    rule, :func:`sarcosurv.surv.aeq_sorted_times`) for times not merged yet;
    the counts are those of the merged times.

    Unweighted counts are taken from value sorts of the times
    (:mod:`sarcosurv.counting.valuesort`), weighted ones from an index sort or
    hash codes of the times; integer times on a short range are counted
    directly on their codes.
    """
    dense = _integer_grid(time, n_cells) if merge_sorted is None else None
    if dense is None and weights is None:
        tables = value_sorted_blocks(
            time, event, cell=cell, n_cells=n_cells, block_size=block_size, entry=entry,
            n_causes=n_causes, at_events=at_events, merge_sorted=merge_sorted,
        )  # fmt: skip
        if tables is not None:
            return tables
    if merge_sorted is not None:
        time = _merged_rows(time, merge_sorted)
        dense = _integer_grid(time, n_cells)
    tables = _indexed_blocks(
        time, event, cell, (n_cells, block_size, n_causes), weights, entry, coded, dense
    )
    return [_event_times_only(t) for t in tables] if at_events else tables


def _merged_rows(time: FloatArray, merge_sorted: MergeSorted) -> FloatArray:
    """Each row's merged time, through one index sort."""
    order = np.argsort(time)
    merged = np.empty_like(time)
    merged[order] = merge_sorted(time[order])
    return merged


def _indexed_blocks(
    time: FloatArray,
    event: BoolArray | IntArray,
    cell: IntArray,
    sizes: tuple[int, int, int],
    weights: FloatArray | None,
    entry: FloatArray | None,
    coded: tuple[FloatArray, IntArray] | None,
    dense: tuple[FloatArray, IntArray] | None,
) -> list[RiskTable]:
    """:func:`tabulate_blocks` on codes of the times (integer, index-sorted or hashed)."""
    n_cells, block_size, n_causes = sizes
    n_blocks = n_cells // block_size
    grid, codes, is_dense = _code_times(time, n_cells, coded, dense)
    if n_cells * grid.size <= _max_cells(time.size) or n_blocks == 1:
        # One block (one stratum): its table is this one; counting it apart would sort again.
        table = _count(grid, codes, is_dense, event, cell, n_cells, weights, entry, n_causes)
        return [_block(table, b * block_size, (b + 1) * block_size) for b in range(n_blocks)]
    if block_size == 1 and entry is None and n_causes == 1:
        tables = _sparse_blocks(grid, codes, event, cell, n_cells, weights)
        if tables is not None:
            return tables
    block = cell // block_size
    order = np.argsort(block, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(block, minlength=n_blocks))))
    tables = []
    for b in range(n_blocks):
        rows = order[bounds[b] : bounds[b + 1]]
        if rows.size == 0:
            tables.append(_empty(block_size, n_causes))
            continue
        tables.append(
            tabulate(
                time[rows],
                event[rows],
                cell=cell[rows] - b * block_size,
                n_cells=block_size,
                weights=None if weights is None else weights[rows],
                entry=None if entry is None else entry[rows],
                n_causes=n_causes,
            )
        )
    return tables


def _padded_cumsum(values: FloatArray, sizes: IntArray) -> FloatArray:
    """``np.cumsum`` restarted at each consecutive segment (rows of a padded array)."""
    width = int(sizes.max()) if sizes.size else 0
    inside = np.arange(width) < sizes[:, None]
    padded = np.zeros((sizes.size, width))
    padded[inside] = values
    out: FloatArray = np.cumsum(padded, axis=1)[inside]
    return out


def _sparse_blocks(
    grid: FloatArray,
    codes: IntArray,
    event: BoolArray | IntArray,
    cell: IntArray,
    n_cells: int,
    weights: FloatArray | None,
) -> list[RiskTable] | None:
    """One table per cell from the (cell, time) pairs present, without a loop over cells.

    The counts are bincounts over the distinct pairs (rows summed in input
    order, as per cell); the numbers at risk are reverse cumulative sums
    restarted at each cell. None when the cells are so unequal that the padded
    sums would cost more than counting cell by cell.
    """
    key = cell.astype(np.int64) * grid.size + codes
    pairs, inverse = np.unique(key, return_inverse=True)
    pair_cell = pairs // grid.size
    sizes = np.bincount(pair_cell, minlength=n_cells).astype(np.intp)
    if sizes.size * int(sizes.max()) > max(4 * pairs.size, 1 << 20) or (sizes == 0).any():
        return None
    inverse = inverse.reshape(-1)
    died = np.asarray(event, dtype=bool) if event.dtype == np.bool_ else event > 0
    n_rows = np.bincount(inverse, minlength=pairs.size)
    if weights is None:
        n_exit = n_rows.astype(np.float64)
        n_event = np.bincount(inverse, weights=died, minlength=pairs.size).astype(np.float64)
    else:
        n_exit = np.asarray(np.bincount(inverse, weights=weights, minlength=pairs.size), np.float64)
        event_weight = np.where(died, weights, 0.0)
        n_event = np.asarray(
            np.bincount(inverse, weights=event_weight, minlength=pairs.size), np.float64
        )
    n_risk = _padded_cumsum(n_exit[::-1], sizes[::-1])[::-1]
    times = grid[pairs % grid.size]
    bounds = np.concatenate(([0], np.cumsum(sizes))).tolist()
    return [
        RiskTable(
            times[a:b],
            n_rows[None, a:b],
            n_exit[None, a:b],
            n_event[None, a:b],
            n_risk[None, a:b],
            None,
        )
        for a, b in itertools.pairwise(bounds)
    ]


def _event_times_only(table: RiskTable) -> RiskTable:
    """The columns where some cell has an event, the rows leaving between counted at the last.

    As :func:`~sarcosurv.counting.valuesort.block_table` with ``at_events``:
    exits are summed from each event time up to the next, those before the
    first event time are left out; ``n_risk`` and ``n_event`` are unchanged.
    """
    has_event = table.n_event.sum(axis=0) > 0
    keep = np.flatnonzero(has_event)
    if keep.size == table.times.size:
        return table
    by_cause = table.n_event_cause
    if keep.size == 0:
        return _empty(table.n_risk.shape[0], 1 if by_cause is None else by_cause.shape[0])
    # np.compress keeps rows contiguous (a boolean index would give column-major copies).
    return RiskTable(
        table.times[keep],
        np.add.reduceat(table.n_rows, keep, axis=1),
        np.add.reduceat(table.n_exit, keep, axis=1),
        np.compress(has_event, table.n_event, axis=1),
        np.compress(has_event, table.n_risk, axis=1),
        None if by_cause is None else np.compress(has_event, by_cause, axis=2),
    )


def _block(table: RiskTable, first: int, last: int) -> RiskTable:
    """Cells ``first:last`` of a dense table, at the times where they have rows."""
    n_rows = table.n_rows[first:last]
    keep = n_rows.sum(axis=0) > 0
    by_cause = table.n_event_cause
    if keep.all():
        return RiskTable(
            table.times,
            n_rows,
            table.n_exit[first:last],
            table.n_event[first:last],
            table.n_risk[first:last],
            None if by_cause is None else by_cause[:, first:last],
        )
    return RiskTable(
        table.times[keep],
        n_rows[:, keep],
        table.n_exit[first:last, keep],
        table.n_event[first:last, keep],
        table.n_risk[first:last, keep],
        None if by_cause is None else by_cause[:, first:last, keep],
    )


def _count(
    grid: FloatArray,
    codes: IntArray,
    dense: bool,
    event: BoolArray | IntArray,
    cell: IntArray | None,
    n_cells: int,
    weights: FloatArray | None,
    entry: FloatArray | None,
    n_causes: int = 1,
) -> RiskTable:
    """Dense counts on a coded grid (see :func:`tabulate`)."""
    size = grid.size
    joint = codes if cell is None or n_cells == 1 else cell * size + codes
    length = n_cells * size
    n_rows = np.bincount(joint, minlength=length).reshape(n_cells, size)
    died: BoolArray = np.asarray(event, dtype=bool) if event.dtype == np.bool_ else event > 0
    n_exit: FloatArray
    # Weighted counting is cheaper than first selecting the event rows.
    if weights is None:
        n_exit = n_rows.astype(np.float64)
        event_weight = died
    else:
        n_exit = np.asarray(
            np.bincount(joint, weights=weights, minlength=length), dtype=np.float64
        ).reshape(n_cells, size)
        event_weight = np.where(died, weights, 0.0)
    n_event = np.asarray(
        np.bincount(joint, weights=event_weight, minlength=length), dtype=np.float64
    ).reshape(n_cells, size)
    by_cause = None
    if n_causes > 1:
        by_cause = _cause_counts(joint, event, died, weights, length, n_causes)
        by_cause = by_cause.reshape(n_causes, n_cells, size)
    if dense:
        present = n_rows.sum(axis=0) > 0
        if not present.all():
            grid = grid[present]
            n_rows = n_rows[:, present]
            n_exit = n_exit[:, present]
            n_event = n_event[:, present]
            by_cause = None if by_cause is None else by_cause[:, :, present]
    n_risk = _reverse_cumsum(n_exit)
    if entry is not None:
        n_risk = n_risk - _entered_later(grid, entry, cell, n_cells, weights)
    return RiskTable(grid, n_rows, n_exit, n_event, n_risk, by_cause)


def _cause_counts(
    joint: IntArray,
    event: BoolArray | IntArray,
    died: BoolArray,
    weights: FloatArray | None,
    length: int,
    n_causes: int,
) -> FloatArray:
    """Weighted events per (cause, cell × time), flattened cause-major."""
    rows = np.flatnonzero(died)
    cause = event[rows].astype(np.intp) - 1
    counts = np.bincount(
        cause * length + joint[rows],
        weights=None if weights is None else weights[rows],
        minlength=n_causes * length,
    )
    out: FloatArray = np.asarray(counts, dtype=np.float64)
    return out
