"""The covariate-free sorted risk-set structure: sort, tie groups, strata, entry.

Cox, the shared gamma frailty, ``cox.zph`` and concordance evaluate sums over
risk sets many times on the same rows; :func:`build_risk_sets` sorts the rows
once and indexes them (:class:`RiskSets`), and Cox adds its covariates to it.

Risk sets are never materialised. After sorting by (stratum, stop), row ``i``
of stratum ``s`` is at risk at the tie groups ``lo_i <= k < hi_i`` (Therneau &
Grambsch 2000, sec. 3.7 for the counting-process form). A sparse matrix with
``+1`` at bin ``hi_i + s`` and, for counting-process data, ``-1`` at bin
``lo_i + s`` turns any per-row values into per-bin sums in one pass; a reverse
cumulative sum over the bins then gives every risk-set sum
:math:`\\sum_{i \\in R_k} v_i` at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from .linalg import tie_weights

__all__ = [
    "CellLayout",
    "CellSums",
    "RiskSets",
    "bin_sums",
    "build_risk_sets",
    "cell_layout",
    "finite_entry",
    "risk_intervals",
    "sort_order",
    "stratum_span",
    "sum_matrix",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def sort_order(stop: FloatArray, event: npt.NDArray[np.bool_], strata: IntArray) -> IntArray:
    """Stable order by (stratum, stop, events before censorings).

    Integer-valued times (day-level data) that fit in 16 bits with the
    stratum and the event flag are sorted by one radix sort of a ``uint16``
    key; other data by stable sorts key by key (the order of
    :func:`numpy.lexsort`). Both orders are stable, so they agree.
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
    # Stable sorts key by key, least significant first: the order of np.lexsort,
    # faster (radix sorts of the flag and the stratum codes, one merge sort of stop).
    order = np.argsort(~event, kind="stable")
    order = order[np.argsort(stop[order], kind="stable")]
    if n and bool(np.any(strata != strata[0])):
        order = order[np.argsort(strata[order], kind="stable")]
    return np.asarray(order, dtype=np.intp)


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
    entry = None if start is None else finite_entry(start)
    if n_strata <= 1:
        first_row = np.searchsorted(stop, group_time, side="left")
    else:
        stop_key, group_key, start_key = _stratum_keys(
            stratum, stop, group_stratum, group_time, entry
        )
        first_row = np.searchsorted(stop_key, group_key, side="left")
    # Rows are sorted by (stratum, stop): a linear pass counts the groups reached.
    hi = np.cumsum(np.bincount(first_row, minlength=n + 1))[:n].astype(np.intp)
    if entry is None:
        first_group = np.searchsorted(group_stratum, np.arange(max(n_strata, 1)), side="left")
        lo = first_group[stratum].astype(np.intp)
    elif n_strata <= 1:
        lo = np.searchsorted(group_time, entry, side="right").astype(np.intp)
    else:
        lo = np.searchsorted(group_key, start_key, side="right").astype(np.intp)
    return lo, hi


def _stratum_keys(
    stratum: IntArray,
    stop: FloatArray,
    group_stratum: IntArray,
    group_time: FloatArray,
    entry: FloatArray | None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Exact integer keys ``stratum * m + rank(time)`` of rows, tie groups and entries.

    Times are replaced by their rank among all distinct times, so that times
    one rounding apart stay apart (a float key ``stratum * span + time`` would
    merge them).
    """
    pooled = [stop, group_time] if entry is None else [stop, group_time, entry]
    distinct, rank = np.unique(np.concatenate(pooled), return_inverse=True)
    rank = rank.reshape(-1).astype(np.int64)
    size = np.int64(distinct.shape[0] + 1)
    n, m = stop.shape[0], group_time.shape[0]
    stop_key = stratum.astype(np.int64) * size + rank[:n]
    group_key = group_stratum.astype(np.int64) * size + rank[n : n + m]
    start_key = stratum.astype(np.int64) * size + rank[n + m :] if entry is not None else rank[:0]
    return stop_key, group_key, start_key


def finite_entry(values: FloatArray) -> FloatArray:
    """Replace -inf entry times by a value below every time (they never bound a risk set)."""
    return np.where(np.isneginf(values), -1.0, values)


def stratum_span(stop: FloatArray, start: FloatArray) -> float:
    """Width that keeps strata apart in the composite key ``stratum * span + time``."""
    finite_start = np.abs(start[np.isfinite(start)])
    top = max(float(np.abs(stop).max(initial=0.0)), float(finite_start.max(initial=0.0)))
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


@dataclass(frozen=True)
class RiskSets:
    """Rows sorted by (stratum, stop, events first) with their risk sets indexed.

    ``order`` maps sorted position to input row. Event rows, sorted the same
    way, form tie groups (one per distinct event time of a stratum); row ``i``
    is at risk at tie groups ``row_group_lo[i] <= k < row_group_hi[i]``.
    :meth:`sums` gives every risk-set sum :math:`\\sum_{i \\in R_k} v_i` and
    event-group sum at once (one sparse product, one reverse cumulative sum).
    """

    order: IntArray  # sorted position -> input row
    stop: FloatArray  # sorted
    start: FloatArray  # sorted like stop; -inf for right-censored data
    event: npt.NDArray[np.bool_]  # sorted
    weights: FloatArray  # sorted
    stratum: IntArray  # sorted stratum codes
    stratum_bounds: IntArray  # sorted rows of stratum s: bounds[s]:bounds[s+1]
    counting: bool
    event_rows: IntArray  # sorted positions of event rows
    group_of_event: IntArray  # tie group of each event row
    group_first_event: IntArray  # index (among event rows) of each group's first event
    position_in_group: FloatArray  # j / m_k for each event row
    group_size: FloatArray  # m_k per tie group
    group_time: FloatArray  # t_k per tie group
    group_stratum: IntArray  # stratum of each tie group
    row_group_lo: IntArray  # per sorted row: first tie group at which it is at risk
    row_group_hi: IntArray  # per sorted row: one past the last such group
    sum_matrix: sparse.csr_array  # (n_bins + n_groups, n), see :func:`sum_matrix`
    n_bins: int
    bin_first: IntArray  # per tie group: first bin of its risk set
    bin_end: IntArray  # per tie group: one past the last bin of its stratum
    event_mean_weight: FloatArray  # Efron: mean case weight of each event row's tie group

    @property
    def n(self) -> int:
        return int(self.stop.shape[0])

    @property
    def n_event(self) -> int:
        return int(self.event_rows.shape[0])

    @property
    def n_groups(self) -> int:
        return int(self.group_time.shape[0])

    @property
    def n_strata(self) -> int:
        return int(self.stratum_bounds.shape[0] - 1)

    def sums(
        self, row_scale: FloatArray, values: FloatArray | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """Risk-set and event-group sums of ``row_scale * values`` per tie group."""
        return bin_sums(
            self.sum_matrix, self.n_bins, self.bin_first, self.bin_end, row_scale, values
        )

    def group_total(self, per_event: FloatArray) -> FloatArray:
        """Sum per-event-row values (1-d or 2-d) over each tie group."""
        if per_event.shape[0] == 0:
            return np.zeros((self.n_groups, *per_event.shape[1:]))
        if self.group_first_event.shape[0] == per_event.shape[0]:
            return np.asarray(per_event, np.float64)  # no tied events: one row per group
        return np.asarray(np.add.reduceat(per_event, self.group_first_event), np.float64)

    def per_row_from_groups(self, per_group: FloatArray) -> FloatArray:
        """For each sorted row, the sum of ``per_group`` over the groups where it is at risk."""
        head = (
            np.zeros_like(per_group[:1])
            if per_group.shape[0]
            else np.zeros((1, *per_group.shape[1:]))
        )
        cumulative = np.concatenate([head, np.cumsum(per_group, axis=0)])
        return np.asarray(cumulative[self.row_group_hi] - cumulative[self.row_group_lo], np.float64)

    def within_stratum(self, per_group: FloatArray) -> FloatArray:
        """Cumulative sums of ``per_group`` over the tie groups, restarting in each stratum."""
        total = np.cumsum(per_group)
        first = np.searchsorted(self.group_stratum, self.group_stratum, side="left")
        return np.asarray(total - np.concatenate([[0.0], total])[first], np.float64)


def _tie_groups(
    stop: FloatArray, stratum: IntArray, event_rows: IntArray
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Tie groups of the sorted event rows: group of each, first event, j / m_k, sizes."""
    ev_time, ev_strat = stop[event_rows], stratum[event_rows]
    new_group = np.ones(event_rows.shape[0], dtype=bool)
    new_group[1:] = (ev_time[1:] != ev_time[:-1]) | (ev_strat[1:] != ev_strat[:-1])
    group_start = np.flatnonzero(new_group).astype(np.intp)
    group_of_event = (np.cumsum(new_group) - 1).astype(np.intp)
    group_size = np.diff(np.append(group_start, event_rows.shape[0])).astype(np.float64)
    position = (np.arange(event_rows.shape[0]) - group_start[group_of_event]) / group_size[
        group_of_event
    ]
    return group_of_event, group_start, np.asarray(position, np.float64), group_size


def build_risk_sets(
    stop: npt.ArrayLike,
    event: npt.ArrayLike,
    *,
    start: npt.ArrayLike | None = None,
    strata: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
) -> RiskSets:
    """Sort rows by (stratum, stop) once and index their risk sets.

    Parameters
    ----------
    stop, event : array_like, shape (n,)
        Exit time and event indicator, input row order.
    start : array_like, optional
        Entry time for counting-process data ``(start, stop]``.
    strata : array_like of int, optional
        Stratum codes 0..S-1.
    weights : array_like, optional
        Case weights.

    Examples
    --------
    >>> rs = build_risk_sets([3.0, 1.0, 2.0, 2.0], [1, 1, 0, 1])
    >>> rs.group_time.tolist(), rs.sums(np.ones(4))[0].tolist()
    ([1.0, 2.0, 3.0], [4.0, 3.0, 1.0])
    """
    stop_a = np.asarray(stop, dtype=np.float64)
    n = stop_a.shape[0]
    event_a = np.asarray(event, dtype=bool)
    start_a = np.full(n, -np.inf) if start is None else np.asarray(start, dtype=np.float64)
    strata_a = np.zeros(n, dtype=np.intp) if strata is None else np.asarray(strata, dtype=np.intp)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    order = sort_order(stop_a, event_a, strata_a)
    stop_s, event_s, strat_s = stop_a[order], event_a[order], strata_a[order]
    n_strata = int(strat_s.max()) + 1 if n else 0
    bounds = np.searchsorted(strat_s, np.arange(n_strata + 1), side="left").astype(np.intp)
    event_rows = np.flatnonzero(event_s).astype(np.intp)
    group_of_event, group_start, position, group_size = _tie_groups(stop_s, strat_s, event_rows)
    group_time, group_stratum = stop_s[event_rows][group_start], strat_s[event_rows][group_start]
    start_s = start_a[order] if start is not None else start_a
    lo, hi = risk_intervals(
        stop_s, start_s if start is not None else None, strat_s, group_time, group_stratum
    )
    matrix, n_bins, bin_first, bin_end = sum_matrix(
        lo, hi, strat_s, event_rows, group_of_event, group_stratum, counting=start is not None
    )
    w_s = w[order]
    mean_weight, _ = tie_weights(group_of_event, position, w_s[event_rows], "efron")
    return RiskSets(
        order=order,
        stop=stop_s,
        start=start_s,
        event=event_s,
        weights=w_s,
        stratum=strat_s,
        stratum_bounds=bounds,
        counting=start is not None,
        event_rows=event_rows,
        group_of_event=group_of_event,
        group_first_event=group_start,
        position_in_group=position,
        group_size=group_size,
        group_time=group_time,
        group_stratum=group_stratum,
        row_group_lo=lo,
        row_group_hi=hi,
        sum_matrix=matrix,
        n_bins=n_bins,
        bin_first=bin_first,
        bin_end=bin_end,
        event_mean_weight=mean_weight,
    )


@dataclass(frozen=True)
class CellLayout:
    """Where each row's contribution to the binned risk-set sums falls, split by cell.

    The bins of :func:`sum_matrix` (``hi + stratum``, for counting-process data
    also ``lo + stratum``, and the event groups) crossed with a per-row cell
    code (e.g. the centre of a shared frailty). The layout depends on the data
    only; :meth:`fill` tabulates per-row values into it once, after which
    every risk-set sum with per-cell multipliers costs one pass over the
    occupied (cell x bin) entries instead of one over the rows.
    """

    sets: RiskSets
    n_cells: int
    entries: tuple[IntArray, IntArray, IntArray]  # per sorted row (or event row): entry index
    structure: tuple[tuple[IntArray, IntArray, int], ...]  # (indptr, cells, n_entries) x 3
    bin_stratum_first: IntArray  # per bin: first bin of its stratum

    def fill(self, row_scale: FloatArray) -> CellSums:
        """Sum ``row_scale`` (sorted rows) into the layout's (bin x cell) entries."""
        rows = (
            np.arange(self.sets.n),
            np.arange(self.sets.n) if self.sets.counting else np.zeros(0, dtype=np.intp),
            self.sets.event_rows,
        )
        signs = (1.0, -1.0, 1.0)
        tables = []
        for entry, row, sign, (indptr, cells, size) in zip(
            self.entries, rows, signs, self.structure, strict=True
        ):
            values = sign * np.bincount(entry, weights=row_scale[row], minlength=size)
            shape = (indptr.shape[0] - 1, self.n_cells)
            tables.append(sparse.csr_array((values, cells, indptr), shape=shape))
        return CellSums(self, tables[0], tables[1], tables[2])


@dataclass(frozen=True)
class CellSums:
    """Per (bin x cell) sums of one row scale; see :class:`CellLayout`."""

    layout: CellLayout
    exit_table: sparse.csr_array  # (n_bins, n_cells): +v at each row's exit bin
    entry_table: sparse.csr_array  # (n_bins, n_cells): -v at each row's entry bin (counting)
    event_table: sparse.csr_array  # (n_groups, n_cells): +v of each event row at its group

    def risk_sums(self, cell_factor: FloatArray) -> tuple[FloatArray, FloatArray]:
        """:math:`S_0` and :math:`D_0` per tie group of ``row_scale * cell_factor[cell]``."""
        sets = self.layout.sets
        binned = self.exit_table @ cell_factor
        if sets.counting:
            binned = binned + self.entry_table @ cell_factor
        tail = np.zeros(sets.n_bins + 1)
        tail[:-1] = np.cumsum(binned[::-1])[::-1]
        s0 = tail[sets.bin_first] - tail[sets.bin_end]
        return np.asarray(s0, np.float64), np.asarray(self.event_table @ cell_factor, np.float64)

    def cumulative_per_bin(self, increment: FloatArray) -> FloatArray:
        """Cumulative sums of per-group ``increment`` up to each bin, within its stratum."""
        sets = self.layout.sets
        placed = np.zeros(sets.n_bins)
        placed[sets.bin_first] = increment
        total = np.cumsum(placed)
        return np.asarray(total - total[self.layout.bin_stratum_first], np.float64)

    def cell_totals(
        self, increment: FloatArray, share: FloatArray | None
    ) -> tuple[FloatArray, FloatArray]:
        """Per cell: sum of ``row_scale`` x hazard up to exit, and up to entry.

        ``increment`` is the hazard jump per tie group; ``share`` (Efron) the
        part of its own group's jump an event row does not carry. Entry
        hazards are zero without counting-process data.
        """
        per_bin = self.cumulative_per_bin(increment)
        exit_total = self.exit_table.T @ per_bin
        if share is not None:
            exit_total = exit_total - self.event_table.T @ share
        entry_total: FloatArray = np.zeros(self.layout.n_cells)
        if self.layout.sets.counting:
            entry_total = np.asarray(-(self.entry_table.T @ per_bin), np.float64)
        return np.asarray(exit_total, np.float64), entry_total


def _entry_structure(
    bins: IntArray, cells: IntArray, n_bins: int, n_cells: int
) -> tuple[IntArray, tuple[IntArray, IntArray, int]]:
    """Index of each row's (bin, cell) entry and the CSR structure of the entries."""
    keys = bins.astype(np.int64) * n_cells + cells
    unique, entry = np.unique(keys, return_inverse=True)
    entry_bins = unique // n_cells
    indptr = np.searchsorted(entry_bins, np.arange(n_bins + 1), side="left").astype(np.intp)
    structure = (indptr, (unique % n_cells).astype(np.intp), int(unique.shape[0]))
    return entry.astype(np.intp).reshape(-1), structure


def cell_layout(sets: RiskSets, cell: IntArray, n_cells: int) -> CellLayout:
    """Lay out the risk-set bins of ``sets`` by a per-row cell code (sorted rows, 0..K-1).

    Examples
    --------
    >>> rs = build_risk_sets([1.0, 2.0, 3.0], [1, 1, 0])
    >>> sums = cell_layout(rs, np.array([0, 1, 1]), 2).fill(np.ones(3))
    >>> sums.risk_sums(np.array([1.0, 10.0]))[0].tolist()
    [21.0, 20.0]
    """
    stratum = sets.stratum
    exit_entry, exit_structure = _entry_structure(
        sets.row_group_hi + stratum, cell, sets.n_bins, n_cells
    )
    lo_bins = sets.row_group_lo + stratum if sets.counting else np.zeros(0, dtype=np.intp)
    lo_cells = cell if sets.counting else np.zeros(0, dtype=np.intp)
    entry_entry, entry_structure = _entry_structure(lo_bins, lo_cells, sets.n_bins, n_cells)
    event_entry, event_structure = _entry_structure(
        sets.group_of_event, cell[sets.event_rows], sets.n_groups, n_cells
    )
    first_group = np.searchsorted(sets.group_stratum, np.arange(sets.n_strata), side="left")
    stratum_first_bin = first_group + np.arange(sets.n_strata)
    bin_stratum = np.searchsorted(stratum_first_bin, np.arange(sets.n_bins), side="right") - 1
    return CellLayout(
        sets=sets,
        n_cells=n_cells,
        entries=(exit_entry, entry_entry, event_entry),
        structure=(exit_structure, entry_structure, event_structure),
        bin_stratum_first=stratum_first_bin[bin_stratum].astype(np.intp),
    )
