"""Pure numpy kernels of the Cox fit over partitions: per-partition sums, client algebra.

The distinct event times of every stratum form a grid ``t_1 < ... < t_T``
(global index over strata, ``offsets[s]:offsets[s + 1]`` for stratum ``s``).
A row with interval ``(start, stop]`` is at risk at ``t_k`` exactly when
``start < t_k <= stop``; with ``exit_bin`` the last grid time ``<= stop`` and
``entry_bin`` the last ``<= start`` this is ``entry_bin < k <= exit_bin``. So

``S_a(t_k) = sum_{k' >= k} E_a[k'] - sum_{k' >= k} N_a[k']``

where ``E_a``/``N_a`` add ``w e^{eta} x^{(a)}`` (``a = 0, 1, 2``: 1, ``x``,
``x x'``) of the rows by exit and by entry bin: sums that add across
partitions. Rows are mapped to bins by comparisons against the exact event
times, never rounded. The event sums ``D_a`` (rows with an event at ``t_k``)
complete what Breslow's and Efron's likelihoods need (Therneau & Grambsch 2000,
ch. 3; Efron 1977). Every partition shifts its ``eta`` by its own maximum; the
merge rescales to the largest shift, so nothing overflows.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

__all__ = [
    "Grid",
    "Rows",
    "Sums",
    "TieTerms",
    "bins",
    "combine_sums",
    "evaluate",
    "partition_sums",
    "residual_terms",
]

#: Expanded tied events per chunk of the Efron sums.
_EFRON_CHUNK = 1 << 20


@dataclass(frozen=True)
class Grid:
    """Distinct event times per stratum with their event count and weight."""

    times: FloatArray  # (T,), sorted within each stratum
    offsets: IntArray  # (S + 1,)
    n_event: FloatArray  # m_k: event rows at t_k (unweighted)
    event_weight: FloatArray  # W_k: their summed case weight

    @property
    def size(self) -> int:
        return int(self.times.size)


@dataclass(frozen=True)
class Rows:
    """One partition's used rows, ready for the sums (covariates centred, kept columns)."""

    stop: FloatArray
    start: FloatArray | None
    event: BoolArray
    x: FloatArray  # (n, p)
    weight: FloatArray
    stratum: IntArray  # code into the grid's strata, -1 for a stratum without events


def bins(grid: Grid, stratum: IntArray, values: FloatArray) -> IntArray:
    """Global index of the last grid time ``<= value`` in the row's stratum.

    ``offsets[s] - 1`` when the value lies before the stratum's first event time;
    -1 for rows of strata without events (callers drop those).
    """
    out = np.full(values.shape[0], -1, dtype=np.intp)
    for s in np.unique(stratum[stratum >= 0]):  # a loop over strata, not rows
        rows = np.flatnonzero(stratum == s)
        lo, hi = grid.offsets[s], grid.offsets[s + 1]
        out[rows] = lo + np.searchsorted(grid.times[lo:hi], values[rows], side="right") - 1
    return out


@dataclass(frozen=True)
class Sums:
    """Per-bin sums of one or more partitions on the scale ``exp(-shift)``.

    ``risk`` stacks ``E - N`` per bin: ``[0]`` scalar, ``[1]`` vectors, ``[2]``
    matrices; ``event`` the same for the event rows (``D_a``).
    """

    shift: float
    risk0: FloatArray  # (T,)
    risk1: FloatArray  # (T, p)
    risk2: FloatArray  # (T, p, p)
    event0: FloatArray
    event1: FloatArray
    event2: FloatArray


def _binned(
    where: IntArray, weight: FloatArray, x: FloatArray, size: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Sums of ``weight``, ``weight x`` and ``weight x x'`` per bin ``where``.

    One :func:`numpy.bincount` per column and per pair of columns (``p (p + 1) / 2``
    of them): linear in the rows, with no sort and no ``n x p x p`` temporary.
    """
    p = x.shape[1]
    s0 = np.bincount(where, weights=weight, minlength=size).astype(np.float64)
    s1 = np.zeros((size, p))
    s2 = np.zeros((size, p, p))
    for j in range(p):  # loops over columns and pairs of columns, not rows
        wx = weight * x[:, j]
        s1[:, j] = np.bincount(where, weights=wx, minlength=size)
        for m in range(j, p):
            s2[:, j, m] = np.bincount(where, weights=wx * x[:, m], minlength=size)
            s2[:, m, j] = s2[:, j, m]
    return s0, s1, s2


def partition_sums(rows: Rows, grid: Grid, beta: FloatArray) -> Sums:
    """The additive sums of one partition at ``beta`` (centred covariates)."""
    p = rows.x.shape[1]
    eta = rows.x @ beta if p else np.zeros(rows.stop.size)
    shift = float(eta.max()) if eta.size else 0.0
    wr = rows.weight * np.exp(eta - shift)
    size = grid.size
    exit_bin = bins(grid, rows.stratum, rows.stop)
    at_risk = exit_bin >= grid.offsets[np.maximum(rows.stratum, 0)]
    at_risk &= rows.stratum >= 0
    keep = np.flatnonzero(at_risk)
    e0, e1, e2 = _binned(exit_bin[keep], wr[keep], rows.x[keep], size)
    if rows.start is not None:
        entry_bin = bins(grid, rows.stratum, rows.start)
        late = keep[entry_bin[keep] >= grid.offsets[rows.stratum[keep]]]
        n0, n1, n2 = _binned(entry_bin[late], wr[late], rows.x[late], size)
        e0, e1, e2 = e0 - n0, e1 - n1, e2 - n2
    died = np.flatnonzero(rows.event & (rows.stratum >= 0))
    d0, d1, d2 = _binned(exit_bin[died], wr[died], rows.x[died], size)
    return Sums(shift, e0, e1, e2, d0, d1, d2)


def combine_sums(*parts: Sums) -> Sums:
    """Add partition sums on the scale of the largest shift (associative)."""
    shift = max(p.shift for p in parts)
    scale = [np.exp(p.shift - shift) for p in parts]
    fields = ("risk0", "risk1", "risk2", "event0", "event1", "event2")
    total = {f: sum(getattr(p, f) * c for p, c in zip(parts, scale, strict=True)) for f in fields}
    return Sums(shift, **total)


def _within_strata(values: FloatArray, offsets: IntArray) -> FloatArray:
    """Reverse cumulative sums along axis 0 inside each stratum."""
    out = np.empty_like(values)
    for lo, hi in itertools.pairwise(offsets):  # a loop over strata
        out[lo:hi] = np.cumsum(values[lo:hi][::-1], axis=0)[::-1]
    return out


@dataclass(frozen=True)
class TieTerms:
    """Per event time: the sums over the tied events ``j = 0..m-1`` of Efron's denominators.

    ``inv = sum_j 1/den_j``, ``frac_inv = sum_j f_j/den_j``, ``log = sum_j log den_j``,
    ``inv2``, ``frac_inv2``, ``frac2_inv2`` the same over ``den_j^2`` (``f_j = j/m``;
    Breslow: ``f = 0``). The weight of each tied event is ``u = W/m`` (Efron) or
    its own weight (Breslow, where only sums weighted by ``W/m`` appear as well).
    """

    inv: FloatArray
    frac_inv: FloatArray
    log: FloatArray
    inv2: FloatArray
    frac_inv2: FloatArray
    frac2_inv2: FloatArray


def _tie_terms(s0: FloatArray, d0: FloatArray, m: FloatArray, efron: bool) -> TieTerms:
    tiny = np.finfo(float).tiny
    if not efron:
        den = np.maximum(s0, tiny)
        zero = np.zeros_like(den)
        return TieTerms(m / den, zero, m * np.log(den), m / den**2, zero, zero.copy())
    counts = m.astype(np.intp)
    out = [np.zeros(s0.size) for _ in range(6)]
    ends = np.cumsum(counts)
    lo = 0
    while lo < s0.size:  # chunks of event times, bounded by the expanded size
        hi = int(np.searchsorted(ends, ends[lo] - counts[lo] + _EFRON_CHUNK, side="right"))
        hi = max(hi, lo + 1)
        size = counts[lo:hi]
        group = np.repeat(np.arange(lo, hi), size)
        first = np.repeat(np.cumsum(size) - size, size)
        frac = (np.arange(group.size) - first) / m[group]
        den = np.maximum(s0[group] - frac * d0[group], tiny)
        inv = 1.0 / den
        parts = (inv, frac * inv, np.log(den), inv * inv, frac * inv * inv, frac**2 * inv * inv)
        for target, values in zip(out, parts, strict=True):
            target[lo:hi] = np.bincount(group - lo, weights=values, minlength=hi - lo)
        lo = hi
    return TieTerms(*out)


@dataclass(frozen=True)
class Evaluation:
    """Log-likelihood, score and information at one ``beta``, and what residuals need."""

    loglik: float
    score: FloatArray
    information: FloatArray
    s1: FloatArray
    d1: FloatArray
    ties: TieTerms
    unit: FloatArray  # u_k / (1 or m_k): per tied event weight factor
    shift: float


def evaluate(
    sums: Sums, grid: Grid, event_x: FloatArray, beta: FloatArray, efron: bool
) -> Evaluation:
    """Partial log-likelihood, score and observed information from merged sums.

    ``event_x`` is ``sum_e w_e x_e`` over the event rows (centred covariates).
    With ``u_k`` the weight of each tied event (Efron: ``W_k/m_k``; Breslow sums
    to ``W_k``), ``loglik = sum w_e eta_e - sum_k u_k sum_j log den_kj``, the score
    subtracts ``u_k (S_1 sum 1/den - D_1 sum f/den)`` and the information is
    ``sum_k u_k [S_2 sum 1/den - D_2 sum f/den - (S_1 S_1' sum 1/den^2
    - (S_1 D_1' + D_1 S_1') sum f/den^2 + D_1 D_1' sum f^2/den^2)]``.
    """
    s0 = _within_strata(sums.risk0, grid.offsets)
    s1 = _within_strata(sums.risk1, grid.offsets)
    s2 = _within_strata(sums.risk2, grid.offsets)
    m, weight = grid.n_event, grid.event_weight
    ties = _tie_terms(s0, sums.event0, m, efron)
    unit = weight / m
    a, b = unit * ties.inv, unit * ties.frac_inv
    loglik = float(event_x @ beta) - float(unit @ ties.log) - sums.shift * float(weight.sum())
    score = event_x - a @ s1 + b @ sums.event1
    d1, d2 = sums.event1, sums.event2
    alpha, beta_k, gamma = unit * ties.inv2, unit * ties.frac_inv2, unit * ties.frac2_inv2
    cross = np.einsum("gj,g,gk->jk", s1, beta_k, d1)
    outer = np.einsum("gj,g,gk->jk", s1, alpha, s1) - cross - cross.T
    outer += np.einsum("gj,g,gk->jk", d1, gamma, d1)
    info = np.einsum("g,gjk->jk", a, s2) - np.einsum("g,gjk->jk", b, d2) - outer
    info = 0.5 * (info + info.T)
    return Evaluation(loglik, np.asarray(score, np.float64), info, s1, d1, ties, unit, sums.shift)


@dataclass(frozen=True)
class ResidualTerms:
    """Per event time arrays the workers need for score residuals (sent to them)."""

    shift: float
    hazard: FloatArray  # prefix sums of u sum 1/den, with a leading 0, (T + 1,)
    mean: FloatArray  # prefix sums of u sum a_j / den_j, (T + 1, p)
    own_hazard: FloatArray  # Efron share of an event row's own time, (T,)
    own_mean: FloatArray  # (T, p)
    event_mean: FloatArray  # mean of a_j over the tied events, (T, p)


def residual_terms(ev: Evaluation, grid: Grid) -> ResidualTerms:
    """Cumulative hazard and mean terms of the score residuals (Therneau & Grambsch sec. 4.4)."""
    t, u = ev.ties, ev.unit
    s1, d1 = ev.s1, ev.d1
    hazard = np.concatenate(([0.0], np.cumsum(u * t.inv)))
    weighted = s1 * (u * t.inv2)[:, None] - d1 * (u * t.frac_inv2)[:, None]
    mean = np.vstack([np.zeros((1, s1.shape[1])), np.cumsum(weighted, axis=0)])
    own_mean = s1 * (u * t.frac_inv2)[:, None] - d1 * (u * t.frac2_inv2)[:, None]
    event_mean = (s1 * t.inv[:, None] - d1 * t.frac_inv[:, None]) / grid.n_event[:, None]
    return ResidualTerms(ev.shift, hazard, mean, u * t.frac_inv, own_mean, event_mean)


def score_residuals(rows: Rows, grid: Grid, terms: ResidualTerms, beta: FloatArray) -> FloatArray:
    """Score residuals ``L_i`` of one partition's rows (rows of strata without events: 0)."""
    p = rows.x.shape[1]
    out = np.zeros((rows.stop.size, p))
    live = np.flatnonzero(rows.stratum >= 0)
    if live.size == 0:
        return out
    x = rows.x[live]
    stratum = rows.stratum[live]
    exit_bin = bins(grid, stratum, rows.stop[live])
    before = grid.offsets[stratum] - 1
    entry_bin = before if rows.start is None else bins(grid, stratum, rows.start[live])
    entry_bin = np.minimum(entry_bin, exit_bin)
    hazard = terms.hazard[exit_bin + 1] - terms.hazard[entry_bin + 1]
    mean = terms.mean[exit_bin + 1] - terms.mean[entry_bin + 1]
    died = rows.event[live]
    own = exit_bin[died]
    hazard[died] -= terms.own_hazard[own]
    mean[died] -= terms.own_mean[own]
    risk = np.exp(x @ beta - terms.shift) if p else np.full(live.size, np.exp(-terms.shift))
    resid = -risk[:, None] * (x * hazard[:, None] - mean)
    resid[died] += x[died] - terms.event_mean[own]
    out[live] = resid
    return out
