"""Harrell's concordance of a Cox model's risk score, as R ``concordance(coxph)`` counts it.

For every event at time ``t`` each row still at risk at ``t`` (in the same
stratum, not itself an event at ``t``) forms a comparable pair: concordant when
its risk score is lower, discordant when higher, tied when equal (counted
one half). Pairs are weighted by the product of case weights.
The counts are two-dimensional dominance counts, done for all events at once
by splitting the risk-score ranks bit by bit (O(n log^2 n), no loop over rows).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..counting.risksets import finite_entry, stratum_span
from .kernels import SortedCoxData

__all__ = ["dominance_counts", "harrell_c"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def dominance_counts(
    point_key: FloatArray,
    point_rank: IntArray,
    point_weight: FloatArray,
    query_key: FloatArray,
    query_rank: IntArray,
) -> FloatArray:
    """For each query q: sum of weights of points with key < key_q and rank < rank_q."""
    keys, inverse = np.unique(np.concatenate([point_key, query_key]), return_inverse=True)
    n_points = point_key.shape[0]
    pk, qk = inverse[:n_points].astype(np.int64), inverse[n_points:].astype(np.int64)
    width = np.int64(keys.shape[0] + 1)
    top = int(max(point_rank.max(initial=0), query_rank.max(initial=0))) + 1
    counts = np.zeros(query_key.shape[0])
    for bit in range(max(1, int(top).bit_length())):
        on_query = ((query_rank >> bit) & 1) == 1
        off_point = ((point_rank >> bit) & 1) == 0
        if not on_query.any() or not off_point.any():
            continue
        composite = (point_rank[off_point] >> (bit + 1)) * width + pk[off_point]
        order = np.argsort(composite, kind="stable")
        sorted_keys = composite[order]
        cumulative = np.concatenate([[0.0], np.cumsum(point_weight[off_point][order])])
        prefix = (query_rank[on_query] >> (bit + 1)) * width
        hi = np.searchsorted(sorted_keys, prefix + qk[on_query], side="left")
        lo = np.searchsorted(sorted_keys, prefix, side="left")
        counts[on_query] += cumulative[hi] - cumulative[lo]
    return counts


def harrell_c(data: SortedCoxData, eta: FloatArray) -> float:
    """Concordance of the linear predictor ``eta`` (sorted row order) with survival."""
    if data.n_event == 0:
        return float("nan")
    _, rank = np.unique(eta, return_inverse=True)
    rank = rank.astype(np.int64)
    w = data.weights
    span = stratum_span(data.stop, data.start)
    start = finite_entry(data.start)
    stop_key = data.stratum * span + data.stop
    start_key = data.stratum * span + start
    ev = data.event_rows
    t_key = data.stratum[ev] * span + data.stop[ev]
    floor = data.stratum[ev] * span - 2.0
    r_e = rank[ev]

    def at_risk(query_rank: IntArray) -> FloatArray:
        keys = np.concatenate([t_key, floor])
        ranks = np.concatenate([query_rank, query_rank])
        entered = dominance_counts(start_key, rank, w, keys, ranks)
        left = dominance_counts(stop_key, rank, w, keys, ranks)
        m = ev.shape[0]
        return (entered[:m] - entered[m:]) - (left[:m] - left[m:])

    big = np.full_like(r_e, int(rank.max()) + 1)
    risk_all, risk_lt, risk_le = at_risk(big), at_risk(r_e), at_risk(r_e + 1)
    # Events tied on time are not comparable with each other (R's tied.y).
    group = data.group_of_event.astype(np.int64)
    width = np.int64(rank.max() + 2)
    composite = group * width + r_e
    order = np.argsort(composite, kind="stable")
    cumulative = np.concatenate([[0.0], np.cumsum(w[ev][order])])
    sorted_c = composite[order]

    def tied(upper: IntArray) -> FloatArray:
        hi = np.searchsorted(sorted_c, group * width + upper, side="left")
        lo = np.searchsorted(sorted_c, group * width, side="left")
        return np.asarray(cumulative[hi] - cumulative[lo], np.float64)

    lt = risk_lt - tied(r_e)
    le = risk_le - tied(r_e + 1)
    total = risk_all - tied(big)
    we = w[ev]
    concordant = float(we @ lt)
    tied_x = float(we @ (le - lt))
    discordant = float(we @ (total - le))
    denominator = concordant + discordant + tied_x
    # A higher risk score should go with a shorter survival: concordant = lower score survives.
    return (concordant + tied_x / 2.0) / denominator if denominator > 0 else float("nan")
