"""Marginal likelihood of the shared gamma frailty Cox model (numerical core).

Model: :math:`h_{ij}(t) = w_i h_0(t) e^{x_{ij}\\beta}`, :math:`w_i \\sim
\\Gamma(1/\\theta, 1/\\theta)` (mean 1, variance :math:`\\theta`). Integrating
the frailty out of cluster ``i`` with :math:`D_i` events and cumulative hazard
:math:`H_i = \\sum_j \\Lambda_0(t_{ij}) e^{\\eta_{ij}}` gives (Klein 1992;
Nielsen et al. 1992)

.. math::
   \\ell(\\beta, \\Lambda_0, \\theta) = \\sum_{\\text{events}} (\\log \\lambda_0 + \\eta)
   + \\sum_i \\Big[ a \\log a - \\log\\Gamma(a) + \\log\\Gamma(a + D_i)
   - (a + D_i) \\log(a + H_i) \\Big], \\quad a = 1/\\theta .

For fixed :math:`\\theta` the maximum over the baseline jumps and :math:`\\beta`
is the fixed point of the EM algorithm: posterior means
:math:`\\hat w_i = (a + D_i)/(a + H_i)` (E-step), a Cox fit with offset
:math:`\\log \\hat w_i` and the Breslow baseline (M-step). At that point the
Breslow jumps make :math:`\\sum \\log\\lambda_0` a function of the Cox partial
likelihood with the offset, so the profile is reported on R's partial
likelihood scale:

.. math::
   \\ell^*(\\theta) = PL(\\hat\\beta; \\log \\hat w) - \\sum_i D_i \\log \\hat w_i
   + \\sum_i [\\dots] + D,

which equals the Cox partial log-likelihood at :math:`\\theta = 0` and R
``coxph``'s integrated ("I-") likelihood, and frailtyEM's log-likelihood, for
:math:`\\theta > 0`. With Efron ties the Efron partial likelihood takes the
place of Breslow's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from .cox.kernels import SortedCoxData, Ties, cox_terms

__all__ = ["ClusterData", "InnerFit", "cluster_data", "profile_point"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

_INNER_TOL = 1e-10
_INNER_MAX = 2000


@dataclass(frozen=True)
class ClusterData:
    """Cluster membership of the sorted rows and event counts per cluster."""

    sorted_cluster: IntArray  # cluster of each sorted row
    n_cluster: int
    n_rows: npt.NDArray[np.int64]
    n_event: FloatArray  # D_i (weighted events)


def cluster_data(data: SortedCoxData, cluster: IntArray) -> ClusterData:
    """Index clusters (``cluster`` in input row order, codes 0..K-1) on the sorted rows."""
    sorted_cluster = np.asarray(cluster, dtype=np.intp)[data.order]
    k = int(sorted_cluster.max()) + 1 if sorted_cluster.size else 0
    n_rows = np.bincount(sorted_cluster, minlength=k).astype(np.int64)
    events = np.bincount(sorted_cluster, weights=data.weights * data.event, minlength=k)
    return ClusterData(sorted_cluster, k, n_rows, np.asarray(events, np.float64))


@dataclass(frozen=True)
class InnerFit:
    """The maximum over the baseline (and frailties) at fixed beta and theta."""

    loglik: float
    frailty: FloatArray  # posterior means w_i
    cumulative_hazard: FloatArray  # H_i
    score_beta: FloatArray
    log_w_rows: FloatArray  # per sorted row
    iterations: int


def _offset_input_order(data: SortedCoxData, sorted_values: FloatArray) -> FloatArray:
    out = np.empty(data.n)
    out[data.order] = sorted_values
    return out


def _log_rising(a: float, events: FloatArray) -> FloatArray:
    """log Gamma(a + D) - log Gamma(a) - D log a, without cancellation for large a."""
    if a < 1e5:
        return np.asarray(special.gammaln(a + events) - special.gammaln(a) - events * np.log(a))
    # Stirling series of the rising factorial: small theta is the boundary region.
    d = events
    return np.asarray(d * (d - 1) / (2 * a) - d * (d - 1) * (2 * d - 1) / (12 * a * a))


def _cluster_terms(a: float, events: FloatArray, hazard: FloatArray) -> float:
    """Sum over clusters of the integrated frailty term, exact as theta -> 0.

    a log a - log G(a) + log G(a + D) - (a + D) log(a + H)
    = [log G(a + D) - log G(a) - D log a] - (a + D) log(1 + H / a).
    """
    return float(np.sum(_log_rising(a, events) - (a + events) * np.log1p(hazard / a)))


def profile_point(
    data: SortedCoxData,
    clusters: ClusterData,
    beta: FloatArray,
    theta: float,
    ties: Ties,
    start_w: FloatArray | None = None,
) -> InnerFit:
    """Maximise over the baseline and posterior frailties at fixed ``beta`` and ``theta``.

    The E-step fixed point ``w = (a + D) / (a + H(w))`` is iterated with a
    squared extrapolation step (SQUAREM; Varadhan & Roland 2008) on ``log w``.
    ``theta = 0`` returns the ordinary Cox fit (all frailties 1).
    """
    k = clusters.n_cluster
    g = clusters.sorted_cluster
    if theta <= 0.0:
        terms = cox_terms(data, beta, ties=ties, information=False)
        hazard = np.asarray(
            np.bincount(g, weights=terms.risk * terms.row_hazard, minlength=k), np.float64
        )
        return InnerFit(terms.loglik, np.ones(k), hazard, terms.score, np.zeros(data.n), 0)
    a = 1.0 / theta

    def update(log_w: FloatArray) -> FloatArray:
        offset = _offset_input_order(data, log_w[g])
        terms = cox_terms(data, beta, offset=offset, ties=ties, information=False)
        # H_i excludes the frailty itself: divide each row's expected count by w.
        expected = terms.risk * terms.row_hazard / np.exp(log_w[g])
        hazard = np.bincount(g, weights=expected, minlength=k)
        return np.asarray(np.log((a + clusters.n_event) / (a + hazard)), np.float64)

    log_w = np.zeros(k) if start_w is None else np.log(start_w)
    iterations = 0
    while iterations < _INNER_MAX:
        iterations += 1
        first = update(log_w)
        r = first - log_w
        if np.max(np.abs(r), initial=0.0) < _INNER_TOL:
            log_w = first
            break
        second = update(first)
        v = second - 2.0 * first + log_w
        norm_v = float(np.sqrt(v @ v))
        alpha = -float(np.sqrt(r @ r)) / norm_v if norm_v > 0 else -1.0
        alpha = min(alpha, -1.0)
        candidate = log_w - 2.0 * alpha * r + alpha * alpha * v
        log_w = update(candidate) if np.all(np.isfinite(candidate)) else second
    offset = _offset_input_order(data, log_w[g])
    terms = cox_terms(data, beta, offset=offset, ties=ties, information=False)
    w = np.exp(log_w)
    expected = terms.risk * terms.row_hazard / w[g]
    hazard = np.asarray(np.bincount(g, weights=expected, minlength=k), np.float64)
    total_events = float(clusters.n_event.sum())
    loglik = (
        terms.loglik
        - float(clusters.n_event @ log_w)
        + _cluster_terms(a, clusters.n_event, hazard)
        + total_events
    )
    return InnerFit(loglik, w, np.asarray(hazard, np.float64), terms.score, log_w[g], iterations)


def theta_score(theta: float, events: FloatArray, hazard: FloatArray) -> float:
    """Derivative of the profile log-likelihood in theta at fixed beta and baseline."""
    a = 1.0 / theta
    d_da = np.sum(
        np.log(a)
        + 1.0
        - special.digamma(a)
        + special.digamma(a + events)
        - np.log(a + hazard)
        - (a + events) / (a + hazard)
    )
    return float(-a * a * d_da)
