"""Harrell's concordance of a Cox model's risk score, as R ``concordance(coxph)`` counts it.

For every event at time ``t`` each row still at risk at ``t`` (in the same
stratum, not itself an event at ``t``) forms a comparable pair: concordant when
its risk score is lower, discordant when higher, tied when equal (counted
one half). Pairs are weighted by the product of case weights.

The counts are made in one sweep over time, in O(n log n) without a loop over
rows (R's ``concordance`` uses a balanced tree in C for the same sweep). The
rows become a sequence of operations sorted by stratum, then time from the
last to the first, then phase: at each time the rows censored there enter
the risk set (and, for ``Surv(start, stop, event)`` data, rows whose entry
time it is leave it), then every event there asks for the weight of the
rows in the risk set with a lower and with an equal score, then the events
themselves enter. The question "earlier in the sequence and lower in score"
is answered for all events at once bit by bit of the score's rank, as a
wavelet tree is built: at each bit the operations are grouped by the higher
bits (within a stratum) and, in sequence order, a query whose bit is 1 adds
the weight of the earlier rows in its group whose bit is 0; a stable
partition on the bit then refines the groups (Navarro 2014, wavelet trees;
Therneau & Atkinson, *The concordance statistic*, survival vignette).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .kernels import SortedCoxData

__all__ = ["harrell_c", "lower_and_equal_before"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _run_bounds(key: IntArray, index: IntArray) -> tuple[IntArray, IntArray]:
    """First and one-past-last position of each element's run of equal (sorted) ``key``."""
    n = key.shape[0]
    change = np.flatnonzero(key[1:] != key[:-1]) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [n]])
    run = np.zeros(n, dtype=np.int64)
    run[change] = 1
    run = np.cumsum(run)
    return starts[run], ends[run]


def lower_and_equal_before(
    stratum: IntArray, value: IntArray, weight: FloatArray, is_query: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray]:
    """For each query: weight of earlier elements of its stratum with lower / equal value.

    Elements are given in sequence order, sorted by ``stratum``; ``value`` are
    non-negative integers. Returns two arrays over the queries (in order).
    Each bit costs a few vectorised passes: a cumulative sum and a stable
    partition of every group (the runs of equal stratum and higher bits).
    """
    n = value.shape[0]
    index = np.arange(n, dtype=np.int64)
    bits = max(int(value.max(initial=0)).bit_length(), 1)
    # Arrays kept in the current order (sorted by stratum, higher bits, sequence);
    # the stratum rides above the value's bits.
    v = (stratum.astype(np.int64) << bits) | value.astype(np.int64)
    points = np.asarray(weight, np.float64)
    query = is_query.copy()
    lower = np.zeros(n)
    origin = index.copy()
    for b in range(bits - 1, -1, -1):  # over bits, not rows
        lo, hi = _run_bounds(v >> (b + 1), index)
        bit = (v >> b) & 1
        zero = 1 - bit
        zeros = np.concatenate([[0], np.cumsum(zero)])  # exclusive counts: zeros[i]
        below = np.concatenate([[0.0], np.cumsum(points * zero)])
        lower += np.where(query & (bit == 1), below[:-1] - below[lo], 0.0)
        split = lo + zeros[hi] - zeros[lo]
        zeros_before = zeros[:-1] - zeros[lo]
        destination = np.where(bit == 1, split + (index - lo - zeros_before), lo + zeros_before)
        inverse = np.empty_like(index)
        inverse[destination] = index
        v, points, query, lower = v[inverse], points[inverse], query[inverse], lower[inverse]
        origin = origin[inverse]
    # Now grouped by (stratum, value) in sequence order: equal values before each query.
    lo = _run_bounds(v, index)[0]
    cumulative = np.concatenate([[0.0], np.cumsum(points)])
    result_lower = np.empty(n)
    result_equal = np.empty(n)
    result_lower[origin] = lower
    result_equal[origin] = cumulative[:-1] - cumulative[lo]
    return result_lower[is_query], result_equal[is_query]


def _operations(
    data: SortedCoxData, rank: IntArray
) -> tuple[IntArray, IntArray, FloatArray, npt.NDArray[np.bool_], FloatArray]:
    """The sweep's elements in sequence order: stratum, value, weight, is_event, time.

    Every row is one element (an event asks its question, then enters); rows
    with an entry time add a leaving element of negative weight. At each time:
    censored rows enter and rows entering there leave (phase 0), then the
    events, by decreasing score, so that an event tied in time sees the
    earlier ones only with a score as high or higher (corrected afterwards).
    """
    entry = np.flatnonzero(np.isfinite(data.start))
    time = np.concatenate([data.stop, data.start[entry]])
    phase = np.concatenate([data.event.astype(np.int64), np.zeros(entry.shape[0], np.int64)])
    stratum = np.concatenate([data.stratum, data.stratum[entry]]).astype(np.int64)
    value = np.concatenate([rank, rank[entry]])
    weight = np.concatenate([data.weights, -data.weights[entry]])
    is_event = np.concatenate([data.event, np.zeros(entry.shape[0], dtype=bool)])
    order = np.lexsort((-value, phase, -time, stratum))
    return stratum[order], value[order], weight[order], is_event[order], time[order]


def _earlier_in_run(key: IntArray, weight: FloatArray) -> FloatArray:
    """Weight of the earlier elements in each element's run of equal (contiguous) ``key``."""
    index = np.arange(key.shape[0], dtype=np.int64)
    lo = _run_bounds(key, index)[0]
    cumulative = np.concatenate([[0.0], np.cumsum(weight)])
    return np.asarray(cumulative[:-1] - cumulative[lo], np.float64)


def harrell_c(data: SortedCoxData, eta: FloatArray) -> float:
    """Concordance of the linear predictor ``eta`` (sorted row order) with survival."""
    if data.n_event == 0:
        return float("nan")
    _, rank = np.unique(eta, return_inverse=True)
    stratum, value, weight, is_event, time = _operations(data, rank.astype(np.int64))
    at_risk = _earlier_in_run(stratum, weight)[is_event]
    lower, equal = lower_and_equal_before(stratum, value, weight, is_event)
    # Events tied in time are not comparable (R's tied.y): take out the earlier ones of
    # the same time, whose scores are as high or higher (none is in ``lower``).
    w = weight[is_event]
    tie = np.concatenate(
        [
            [0],
            np.cumsum(
                (stratum[is_event][1:] != stratum[is_event][:-1])
                | (time[is_event][1:] != time[is_event][:-1])
            ),
        ]
    )
    same_time = _earlier_in_run(tie, w)
    tie_value = tie * np.int64(int(rank.max()) + 1) + value[is_event]
    equal = equal - _earlier_in_run(tie_value, w)
    at_risk = at_risk - same_time
    concordant = float(w @ lower)
    tied_x = float(w @ equal)
    discordant = float(w @ (at_risk - lower - equal))
    denominator = concordant + discordant + tied_x
    # A higher risk score should go with a shorter survival: concordant = lower score survives.
    return (concordant + tied_x / 2.0) / denominator if denominator > 0 else float("nan")
