"""The maximum of the gamma-frailty marginal likelihood over the baseline under left truncation.

With the frailty conditioned on survival to entry the marginal log-likelihood
at fixed :math:`\\beta` and :math:`\\theta` (:mod:`._frailty_likelihood`) is,
in the hazard jumps :math:`\\lambda_k` of the baseline,

.. math::
   \\ell = \\sum_k d_k \\log \\lambda_k + \\sum_{\\text{events}} \\eta
   + \\sum_i \\big[\\log\\Gamma(a + D_i) - \\log\\Gamma(a)
   + a \\log(a + T_i) - (a + D_i) \\log(a + C_i)\\big],

and its score in :math:`\\lambda_k` vanishes when

.. math::
   \\lambda_k = d_k \\Big/ \\sum_j r_j \\big[E_{i(j)} 1(t_k \\le t_j)
   - F_{i(j)} 1(t_k \\le s_j)\\big],
   \\qquad E_i = \\frac{a + D_i}{a + C_i}, \\quad F_i = \\frac{a}{a + T_i},

with :math:`r_j = e^{\\eta_j}` (times the case weight). :math:`E_i` is the
posterior mean frailty given the data, :math:`F_i` its mean given survival to
entry. The EM algorithm (frailtyEM's, and the untruncated path here) puts
:math:`E_i` in both places, i.e. it solves the M-step without the entry term of
the likelihood, and its fixed point is not a stationary point of
:math:`\\ell`. Here the stationarity equations themselves are iterated as a
fixed point in :math:`(\\log E, \\log F)` with SQUAREM (Varadhan & Roland
2008), started from the EM point, so the result is the maximum over the
baseline. The envelope theorem then gives the exact gradient of the profile
in :math:`\\beta`,

.. math::
   \\partial \\ell / \\partial \\beta = \\sum_j x_j \\big[\\delta_j
   - r_j (E_{i(j)} \\Lambda_0(t_j) - F_{i(j)} \\Lambda_0(s_j))\\big],

and in :math:`\\theta` (:func:`._frailty_likelihood.theta_score`), so that
Newton steps in :math:`\\beta` and the curvature of the profile refer to the
true marginal likelihood. Efron's ties use the same equations with Efron's
risk-set correction (on the events' multiplier :math:`E_i`).

References: Klein JP (1992) Biometrics 48:795-806; Jensen H et al. (2004)
Lifetime Data Anal 10:79-98; Balan TA, Putter H (2019) J Stat Softw 90(7).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize

from ._frailty_likelihood import (
    FrailtyDesign,
    ProfilePoint,
    _dot,
    _squarem,
    _Tabulated,
    cluster_terms,
)

__all__ = ["truncated_point"]

FloatArray = npt.NDArray[np.float64]

_DRIFT = -25.0  # mean log frailty below which the iterates are taken to drift
_LEVEL_MAX = 64.0  # |log scale| of the baseline beyond which it is taken as unbounded


@dataclass(frozen=True)
class _Jumps:
    """Baseline jumps (scaled) at multipliers E (exit side) and F (entry side)."""

    increment: FloatArray  # per tie group, scaled by exp(shift)
    share: FloatArray | None  # Efron: the part of its own group's jump an event row lacks
    denominator: FloatArray  # per event row
    shift: float  # log of the scale of the risk scores (table shift + multiplier top)
    top: float


def _jumps(design: FrailtyDesign, table: _Tabulated, state: FloatArray) -> _Jumps:
    """Solve the score equations of the jumps at given (log E, log F)."""
    k = design.n_cluster
    top = float(state.max()) if state.size else 0.0
    scaled = np.exp(state - top)
    exit_factor, entry_factor = scaled[:k], scaled[k:]
    sums, sets = table.sums, design.data
    binned = sums.exit_table @ exit_factor + sums.entry_table @ entry_factor
    tail = np.zeros(binned.shape[0] + 1)
    tail[:-1] = np.cumsum(binned[::-1])[::-1]
    s0 = tail[sets.bin_first] - tail[sets.bin_end]
    d0 = sums.event_table @ exit_factor
    g, frac = sets.group_of_event, design.tie_fraction
    efron = bool(np.any(frac))
    den = s0[g] - frac * d0[g] if efron else s0[g]
    den = np.maximum(den, np.finfo(float).tiny)
    per_event = design.tie_weight / den
    increment = sets.group_total(per_event)
    share = sets.group_total(per_event * frac) if efron else None
    return _Jumps(increment, share, den, table.shift + top, top)


def _hazards(design: FrailtyDesign, table: _Tabulated, jumps: _Jumps) -> tuple[FloatArray, ...]:
    """(C, T) per cluster at the jumps."""
    exit_total, entry_total = table.sums.cell_totals(jumps.increment, jumps.share)
    scale = np.exp(-jumps.top)
    return np.asarray(exit_total * scale, np.float64), np.asarray(entry_total * scale, np.float64)


def _level_slope(
    u: float, a: float, events: FloatArray, exit_h: FloatArray, entry_h: FloatArray
) -> float:
    """d loglik / d log c when the baseline is scaled by c = exp(u) (shape held)."""
    c = np.exp(u)
    entry_part = a * c * entry_h / (a + c * entry_h)
    exit_part = (a + events) * c * exit_h / (a + c * exit_h)
    return float(np.sum(events) + np.sum(entry_part) - np.sum(exit_part))


def _best_level(a: float, events: FloatArray, exit_h: FloatArray, entry_h: FloatArray) -> float:
    """log c maximising the likelihood over the scale of the baseline; inf when it grows forever.

    The slope starts at D > 0 (u -> -inf) and tends to 0 as u -> inf; the
    maximum is its sign change, or at infinity when it stays positive
    (then the log-likelihood rises to its limit, see :func:`profile_point`).
    """

    def slope(u: float) -> float:
        return _level_slope(u, a, events, exit_h, entry_h)

    lo, hi = -1.0, 1.0
    while slope(hi) > 0:
        lo, hi = hi, 2.0 * hi
        if hi > _LEVEL_MAX:
            return float("inf")
    while slope(lo) <= 0:
        hi, lo = lo, 2.0 * lo
        if lo < -_LEVEL_MAX:
            return lo
    return float(optimize.brentq(slope, lo, hi, xtol=1e-13, rtol=1e-13))


def _update(design: FrailtyDesign, a: float, table: _Tabulated, state: FloatArray) -> FloatArray:
    """The stationarity equations of the jumps, after the best scale of the baseline.

    Scaling the baseline to its best level before each update moves along the
    likelihood's nearly flat direction (which slows the plain iteration down);
    the fixed point is the same, as the best scale there is 1. A best scale at
    infinity (no finite maximum) gives NaN, which stops the iteration.
    """
    exit_h, entry_h = _hazards(design, table, _jumps(design, table, state))
    if not (np.all(np.isfinite(exit_h)) and np.all(np.isfinite(entry_h))):
        return np.full(state.shape, np.nan)
    level = _best_level(a, design.n_event, exit_h, entry_h)
    if not np.isfinite(level):
        return np.full(state.shape, np.nan)
    exit_h, entry_h = exit_h * np.exp(level), entry_h * np.exp(level)
    exit_state = np.log(a + design.n_event) - np.log(a + exit_h)
    entry_state = np.log(a) - np.log(a + entry_h)
    return np.asarray(np.concatenate([exit_state, entry_state]), np.float64)


def _score(
    design: FrailtyDesign, table: _Tabulated, state: FloatArray, jumps: _Jumps
) -> FloatArray:
    """Gradient in beta of the marginal likelihood at the maximising baseline."""
    data = design.data
    if not data.n_covariates:
        return np.zeros(0)
    k = design.n_cluster
    interval = data.per_row_from_groups(jumps.increment)
    if jumps.share is not None:
        interval[data.event_rows] -= jumps.share[data.group_of_event]
    cumulative = np.concatenate([[0.0], np.cumsum(jumps.increment)])
    first = np.searchsorted(data.group_stratum, data.stratum, side="left")
    before_entry = cumulative[data.row_group_lo] - cumulative[first]
    cluster = design.cluster
    exit_risk = np.exp(table.eta + state[:k][cluster] - jumps.shift)
    entry_risk = np.exp(table.eta + state[k:][cluster] - jumps.shift)
    hazard = exit_risk * (interval + before_entry) - entry_risk * before_entry
    residual = design.event_mass - data.weights * hazard
    return np.asarray(np.einsum("ij,i->j", data.covariates, residual), np.float64)


def truncated_point(
    design: FrailtyDesign,
    table: _Tabulated,
    theta: float,
    start: FloatArray,
    tol: float,
    max_iter: int,
) -> ProfilePoint | None:
    """The maximum over the baseline at fixed beta and ``theta`` (None when it drifts away).

    ``start`` holds log posterior means (the EM point, or a nearby solution);
    the entry-side multipliers start equal to them.
    """
    a = 1.0 / theta
    state = np.concatenate([start, start])

    def update(values: FloatArray) -> FloatArray:
        return _update(design, a, table, values)

    state, iterations, drifted, converged = _squarem(update, state, tol, True, max_iter)
    k = design.n_cluster
    if drifted or float(np.mean(state[:k])) < _DRIFT or not np.all(np.isfinite(state)):
        return None
    jumps = _jumps(design, table, state)
    exit_h, entry_h = _hazards(design, table, jumps)
    data = design.data
    linear = _dot(design.event_weight, table.eta[data.event_rows])
    partial = linear - _dot(design.tie_weight, np.log(jumps.denominator) + jumps.shift)
    events = design.n_event
    loglik = partial + cluster_terms(a, events, exit_h, entry_h) + float(events.sum())
    score = _score(design, table, state, jumps)
    exit_state = np.asarray(np.log(a + events) - np.log(a + exit_h), np.float64)
    return ProfilePoint(loglik, exit_state, exit_h, entry_h, iterations, score, False, converged)
