"""Counting by value sorts: unweighted risk tables without an index sort of the rows.

Sorting the values of 10^7 doubles is several times faster than sorting their
indices (``np.sort`` uses SIMD sorting networks, ``np.argsort`` cannot), and
unweighted counts need no row identity: the number of rows leaving at ``t`` and
at risk at ``t`` follow from the positions of ``t`` among the sorted exit
times, the events from the event flags sorted along with them. So each exit
time and its event flag are packed in one unsigned 64-bit key whose order is
that of (time, event) (:func:`packed_keys`); when the bit patterns of the
times leave room (they span far fewer than 63 bits unless the times range over
hundreds of orders of magnitude), the block (stratum) and the cell within it
(group) go in the same key, and one value sort orders the rows by (block,
time, cell, event) (:func:`block_major`). Otherwise cells are grouped by a
stable (radix) sort of their small integer codes, each cell's keys sorted, and
the cells of a block merged by a stable sort of the concatenated sorted runs,
which is linear merging (timsort).

Weighted counts (sums of case weights) do need each row's weight next to its
time, so they keep the index path of :mod:`sarcosurv.counting.tabulate`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .table import RiskTable, _empty, _entered_later

__all__ = ["value_sorted_blocks"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
KeyArray = npt.NDArray[np.uint64]
ValueT = TypeVar("ValueT", bound=np.generic)
LabelArray = npt.NDArray[np.unsignedinteger[Any]]
#: A merge of times equal up to rounding, applied to sorted times (timefix).
MergeSorted = Callable[[FloatArray], FloatArray]

#: Most cells grouped by the radix sort of their codes (16-bit codes).
MAX_CELLS = 1 << 16
#: Most blocks counted one after the other (a Python loop over blocks, not rows).
MAX_BLOCKS = 64


def packed_keys(time: FloatArray, died: BoolArray) -> KeyArray | None:
    """Keys ``2 · bits(time) + died`` whose order is that of ``(time, died)``.

    For ``time >= 0`` the IEEE 754 bit patterns of doubles, read as unsigned
    integers, are ordered as the values and lie below ``2^63``, so doubling them
    leaves the lowest bit free for the event flag (``-0.0`` becomes ``0.0``).
    None when a time is negative or NaN (the index path counts those).
    """
    if time.size == 0 or not float(time.min()) >= 0.0:
        return None
    bits = np.ascontiguousarray(time, dtype=np.float64).view(np.uint64)
    keys: KeyArray = np.left_shift(bits, np.uint64(1))
    np.bitwise_or(keys, died, out=keys, casting="unsafe")
    return keys


def unpack(keys: KeyArray) -> tuple[FloatArray, BoolArray]:
    """Times and event flags of packed keys (``keys`` is overwritten by the times)."""
    died: BoolArray = np.bitwise_and(keys, np.uint64(1)).astype(np.bool_)
    np.right_shift(keys, np.uint64(1), out=keys)
    time: FloatArray = keys.view(np.float64)
    return time, died


def cell_major(
    values: npt.NDArray[ValueT], cell: IntArray | None, n_cells: int
) -> tuple[npt.NDArray[ValueT], IntArray]:
    """``values`` grouped by cell (cell 0 first) and sorted within each cell, and the bounds.

    Cell ``c`` holds ``out[bounds[c]:bounds[c + 1]]``. The grouping is a stable
    sort of 8- or 16-bit cell codes (numpy sorts those by radix, in linear
    time), then each cell's values are sorted in place.
    """
    if cell is None or n_cells == 1:
        return np.sort(values), np.array([0, values.size], dtype=np.intp)
    small = cell.astype(np.uint8 if n_cells <= 1 << 8 else np.uint16)
    out = values[np.argsort(small, kind="stable")]
    bounds = np.zeros(n_cells + 1, dtype=np.intp)
    np.cumsum(np.bincount(cell, minlength=n_cells), out=bounds[1:])
    for first, last in itertools.pairwise(bounds.tolist()):
        if last - first > 1:
            out[first:last].sort()
    return out, bounds


def _new_values(sorted_values: FloatArray) -> BoolArray:
    """Whether each element of a sorted run differs from the one before (the first does)."""
    new = np.empty(sorted_values.size, dtype=np.bool_)
    new[:1] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=new[1:])
    return new


def cell_tables(time: FloatArray, died: BoolArray, bounds: IntArray) -> list[RiskTable]:
    """One table per cell from exit times sorted within consecutive cells.

    Each cell's distinct times start where the value changes or a cell begins;
    ``n_rows`` is the length of each run of equal times, ``n_risk`` the rows
    from the run's start to the cell's end, ``n_event`` a difference of the
    running event count. No Python loop runs over cells or rows.
    """
    n = time.size
    new = _new_values(time)
    new[bounds[:-1][bounds[:-1] < n]] = True
    first = np.flatnonzero(new)
    ends = np.empty_like(first)
    ends[:-1] = first[1:]
    ends[-1:] = n
    n_rows = ends - first
    events_before = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(died, out=events_before[1:])
    n_event = (events_before[ends] - events_before[first]).astype(np.float64)
    pair_bounds = np.searchsorted(first, bounds)
    n_risk = (np.repeat(bounds[1:], np.diff(pair_bounds)) - first).astype(np.float64)
    n_exit = n_rows.astype(np.float64)
    times = time[first]
    return [
        RiskTable(times[a:b], n_rows[None, a:b], n_exit[None, a:b], n_event[None, a:b],
                  n_risk[None, a:b])
        for a, b in itertools.pairwise(pair_bounds.tolist())
    ]  # fmt: skip


def merge_cells(
    time: FloatArray, died: BoolArray, sizes: IntArray
) -> tuple[FloatArray, BoolArray, LabelArray]:
    """Rows of consecutive sorted cells in time order, with their cell (0 .. k - 1).

    A stable sort of the concatenated sorted runs merges them (timsort finds
    the runs), so rows with equal times keep the cell order.
    """
    label = np.repeat(np.arange(sizes.size, dtype=_label_type(sizes.size)), sizes)
    if sizes.size == 1:
        return time, died, label
    order = np.argsort(time, kind="stable")
    return time[order], died[order], label[order]


def block_table(
    time: FloatArray,
    died: BoolArray,
    label: LabelArray,
    k: int,
    at_events: bool,
) -> RiskTable:
    """The table of ``k`` cells from their rows in time order.

    Every distinct time is a column, or with ``at_events`` only the times with
    an event in the block, each row counted at the last of them at or before
    its time (rows leaving before the first are left out): ``n_risk`` and
    ``n_event`` there are unchanged. Counts are bincounts over (cell, column),
    the numbers at risk their sums over later columns.
    """
    new = _new_values(time)
    first = np.flatnonzero(new)
    if at_events:
        new[first] = np.logical_or.reduceat(died, first)  # a column starts at event times only
        times, lead = time[new], 1
    else:
        times, lead = time[first], 0
    column = np.cumsum(new, dtype=np.intp)
    if not at_events:
        column -= 1
    width = times.size + lead
    joint = (
        column if k == 1 else np.add(column, np.multiply(label, width, dtype=np.intp), out=column)
    )
    n_exit = np.bincount(joint, minlength=k * width).reshape(k, width)[:, lead:]
    n_risk = _at_or_after(n_exit)
    n_event = np.bincount(joint[died], minlength=k * width).reshape(k, width)[:, lead:]
    return RiskTable(times, n_exit, n_exit.astype(np.float64), n_event.astype(np.float64), n_risk)


def _at_or_after(counts: IntArray) -> FloatArray:
    """Sum over columns ``j' >= j`` of integer counts, as doubles (exact: whole numbers).

    Forward sums of contiguous rows (a reversed cumulative sum over strided
    views costs several times more).
    """
    cumulative = np.cumsum(counts, axis=1)
    out: FloatArray = np.subtract(cumulative[:, -1:], cumulative, dtype=np.float64)
    out += counts
    return out


def _cause_counts(
    times: FloatArray, causes: list[tuple[FloatArray, IntArray]], k: int
) -> FloatArray:
    """Events per (cause, cell, time) from each cause's sorted event times and cells.

    Each event counts at the last table time at or before it: its own, or the
    one it was merged into by ``merge_sorted`` (a run of tied times starts there).
    """
    m = times.size
    out = np.zeros((len(causes), k, m))
    for q, (cause_time, cause_cell) in enumerate(causes):
        joint = cause_cell * m + np.searchsorted(times, cause_time, side="right") - 1
        out[q] = np.bincount(joint, minlength=k * m).reshape(k, m)
    return out


def block_major(
    time: FloatArray, died: BoolArray, cell: IntArray | None, n_blocks: int, block_size: int
) -> tuple[FloatArray, BoolArray, LabelArray, IntArray] | None:
    """Rows ordered by (block, time, cell within the block, event), from one value sort.

    The bit patterns of doubles ``>= 0``, less that of the smallest positive
    time (zero stays zero), span far fewer than 63 bits unless the times range
    over hundreds of orders of magnitude; the block, the cell within its block
    and the event flag then fit in the same 64-bit key. Returns the times,
    event flags, cells within blocks, and the block bounds; None when the key
    does not fit.
    """
    bits = np.add(time, 0.0).view(np.uint64)  # -0.0 becomes 0.0
    top = int(bits.max())
    base = max(int(np.min(bits, where=bits > 0, initial=top)) - 1, 0)
    label_bits, block_bits = (block_size - 1).bit_length(), (n_blocks - 1).bit_length()
    time_bits = (top - base).bit_length()
    if time_bits + label_bits + block_bits + 1 > 64:
        return None
    keys = np.maximum(bits, np.uint64(base))
    keys -= np.uint64(base)
    cells = np.zeros(time.size, dtype=np.intp) if cell is None else cell
    keys <<= np.uint64(label_bits)
    keys |= (cells % block_size).astype(np.uint64)
    keys <<= np.uint64(1)
    keys |= died
    if n_blocks > 1:
        keys |= (cells // block_size).astype(np.uint64) << np.uint64(time_bits + label_bits + 1)
    keys.sort()
    sorted_died: BoolArray = np.bitwise_and(keys, np.uint64(1)).astype(np.bool_)
    keys >>= np.uint64(1)
    label = np.bitwise_and(keys, np.uint64((1 << label_bits) - 1)).astype(_label_type(block_size))
    keys >>= np.uint64(label_bits)
    keys &= np.uint64((1 << time_bits) - 1)
    zero = keys == 0
    keys += np.uint64(base)
    keys[zero] = 0
    bounds = np.zeros(n_blocks + 1, dtype=np.intp)
    np.cumsum(np.bincount(cells // block_size, minlength=n_blocks), out=bounds[1:])
    return keys.view(np.float64), sorted_died, label, bounds


def _label_type(k: int) -> type[np.unsignedinteger[Any]]:
    return np.uint8 if k <= 1 << 8 else np.uint16


def _merged_by_cells(
    time: FloatArray, died: BoolArray, cell: IntArray | None, n_cells: int, block_size: int
) -> tuple[FloatArray, BoolArray, LabelArray, IntArray] | None:
    """As :func:`block_major`, by sorting each cell and merging the cells of each block."""
    keys = packed_keys(time, died)
    if keys is None:
        return None
    keys, bounds = cell_major(keys, cell, n_cells)
    sorted_time, sorted_died = unpack(keys)
    label = np.empty(time.size, dtype=_label_type(block_size))
    for b in range(n_cells // block_size):
        cells = bounds[b * block_size : (b + 1) * block_size + 1]
        rows = slice(int(cells[0]), int(cells[-1]))
        sorted_time[rows], sorted_died[rows], label[rows] = merge_cells(
            sorted_time[rows], sorted_died[rows], np.diff(cells)
        )
    return sorted_time, sorted_died, label, bounds[::block_size].copy()


def value_sorted_blocks(
    time: FloatArray,
    event: BoolArray | IntArray,
    *,
    cell: IntArray | None,
    n_cells: int,
    block_size: int,
    entry: FloatArray | None,
    n_causes: int,
    at_events: bool = False,
    merge_sorted: MergeSorted | None = None,
) -> list[RiskTable] | None:
    """The unweighted tables of :func:`~sarcosurv.counting.tabulate_blocks` by value sorts.

    Arguments as there. None when this path does not apply: negative or NaN
    times, more than :data:`MAX_CELLS` cells, or more than :data:`MAX_BLOCKS`
    blocks needing one pass each (several cells per block, entry times, causes),
    or ``merge_sorted`` with more than one block or with entry times.
    """
    n_blocks = n_cells // block_size
    simple = block_size == 1 and entry is None and n_causes == 1 and not at_events
    if n_cells > MAX_CELLS or (n_blocks > MAX_BLOCKS and not simple):
        return None
    if merge_sorted is not None and (n_blocks > 1 or entry is not None):
        return None
    if time.size == 0 or not float(time.min()) >= 0.0:
        return None
    died = np.asarray(event, dtype=np.bool_) if event.dtype == np.bool_ else event > 0
    if simple:
        by_cell = None if n_cells == 1 else block_major(time, died, cell, n_cells, 1)
        if by_cell is not None:
            sorted_time, sorted_died, _, bounds = by_cell
        else:
            keys = packed_keys(time, died)
            assert keys is not None  # the times were checked above
            keys, bounds = cell_major(keys, cell, n_cells)
            sorted_time, sorted_died = unpack(keys)
        if merge_sorted is not None:
            sorted_time = merge_sorted(sorted_time)
        return cell_tables(sorted_time, sorted_died, bounds)
    rows = block_major(time, died, cell, n_blocks, block_size)
    if rows is None:
        rows = _merged_by_cells(time, died, cell, n_cells, block_size)
    assert rows is not None  # the times were checked above
    sorted_time, sorted_died, label, bounds = rows
    if merge_sorted is not None:  # one block: its rows are all rows
        sorted_time = merge_sorted(sorted_time)
    extra = _entries_and_causes(time, event, cell, n_cells, entry, n_causes)
    tables = []
    for b in range(n_blocks):
        block = slice(int(bounds[b]), int(bounds[b + 1]))
        if block.start == block.stop:
            tables.append(_empty(block_size, n_causes))
            continue
        table = block_table(
            sorted_time[block], sorted_died[block], label[block], block_size, at_events
        )
        tables.append(_with_entries_and_causes(table, extra, b, block_size))
    return tables


def _entries_and_causes(
    time: FloatArray,
    event: BoolArray | IntArray,
    cell: IntArray | None,
    n_cells: int,
    entry: FloatArray | None,
    n_causes: int,
) -> tuple[tuple[FloatArray, IntArray] | None, list[tuple[FloatArray, IntArray]]]:
    """Entry times, and each cause's event times, grouped by cell (with the cell bounds)."""
    entries = None if entry is None else cell_major(entry, cell, n_cells)
    causes = (
        [_cause_rows(time, event, cell, n_cells, q) for q in range(1, n_causes + 1)]
        if n_causes > 1
        else []
    )
    return entries, causes


def _with_entries_and_causes(
    table: RiskTable,
    extra: tuple[tuple[FloatArray, IntArray] | None, list[tuple[FloatArray, IntArray]]],
    block: int,
    block_size: int,
) -> RiskTable:
    """A block's table less the rows not yet entered, with its events per cause."""
    entries, causes = extra
    cells = slice(block * block_size, (block + 1) * block_size + 1)
    if entries is not None:
        values, label = _block_rows(*entries, cells)
        later = _entered_later(table.times, values, label, block_size, None)
        table = replace(table, n_risk=table.n_risk - later)
    if causes:
        in_block = [_block_rows(t, c, cells) for t, c in causes]
        table = replace(table, n_event_cause=_cause_counts(table.times, in_block, block_size))
    return table


def _cause_rows(
    time: FloatArray, event: BoolArray | IntArray, cell: IntArray | None, n_cells: int, cause: int
) -> tuple[FloatArray, IntArray]:
    """Exit times of the events of one cause, grouped by cell and sorted, and the cell bounds."""
    rows = np.flatnonzero(event == cause)
    values, bounds = cell_major(time[rows], None if cell is None else cell[rows], n_cells)
    return values.astype(np.float64, copy=False), bounds


def _block_rows(values: FloatArray, bounds: IntArray, cells: slice) -> tuple[FloatArray, IntArray]:
    """The values of a block's cells with each one's cell within the block."""
    sizes = np.diff(bounds[cells])
    label = np.repeat(np.arange(sizes.size, dtype=np.intp), sizes)
    return values[int(bounds[cells][0]) : int(bounds[cells][-1])], label
