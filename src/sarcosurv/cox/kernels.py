"""Partial-likelihood kernels of the Cox model: pure numpy on pre-sorted data.

The data are sorted once (:func:`sort_cox_data`); every evaluation of the
log-likelihood, score and information at a new coefficient vector or offset
is then one sparse product over the rows, reverse cumulative sums over the
tie groups (:mod:`sarcosurv.counting.risksets`) and one blocked rank-k update,
with no loop over rows or risk sets.

Notation (Therneau & Grambsch 2000, ch. 3): for distinct event time
:math:`t_k` of a stratum, :math:`S_0(t_k) = \\sum_{i \\in R_k} w_i e^{\\eta_i}`
and :math:`S_1(t_k) = \\sum_{i \\in R_k} w_i e^{\\eta_i} x_i`, where the risk
set :math:`R_k` holds the rows with ``start < t_k <= stop``. With :math:`m_k`
tied events whose risk-weighted sums are :math:`D_0, D_1`, Efron's (1977)
approximation replaces the single denominator by
:math:`S_0 - (j/m_k) D_0` for :math:`j = 0, \\dots, m_k - 1`, each carrying
the mean weight of the tied events; Breslow's uses :math:`S_0` for all of them.

The information matrix never needs an ``n x p x p`` array:
:math:`\\sum_k \\sum_j \\bar w_k S_2^{(j)}/\\mathrm{den}_{kj}
= X^T \\mathrm{diag}(w_i e^{\\eta_i} c_i) X`,
where :math:`c_i` accumulates :math:`\\bar w_k/\\mathrm{den}_{kj}` over the
event times at which row ``i`` is at risk (less the Efron share of its own
tied event). The same :math:`c_i` is the row's cumulative hazard, so the
martingale residuals come for free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from functools import cached_property
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from ..counting.linalg import blocked_gram, solve_or_pinv, tie_weights
from ..counting.risksets import RiskSets, build_risk_sets

__all__ = [
    "CoxTerms",
    "NewtonResult",
    "SortedCoxData",
    "Ties",
    "baseline_cumulative_hazard_per_row",
    "cox_loglik",
    "cox_terms",
    "fit_cox_newton",
    "newton_raphson",
    "select_columns",
    "sort_cox_data",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Ties = Literal["efron", "breslow"]


@dataclass(frozen=True)
class SortedCoxData(RiskSets):
    """Survival data sorted once for repeated partial-likelihood evaluations.

    The covariate-free risk sets (:class:`sarcosurv.counting.risksets.RiskSets`:
    rows ordered by (stratum, stop time), tie groups, entry) with the centred
    covariates in the same order.
    """

    covariates: FloatArray  # sorted, centred (n, p)
    centre: FloatArray  # column means removed from the covariates (p,)
    event_x: FloatArray  # sum of w_i x_i over the event rows (centred), (p,)

    @property
    def n_covariates(self) -> int:
        return int(self.covariates.shape[1])

    @property
    def risk_sets(self) -> RiskSets:
        """The covariate-free structure alone."""
        return RiskSets(**{f.name: getattr(self, f.name) for f in fields(RiskSets)})


def sort_cox_data(
    stop: npt.ArrayLike,
    event: npt.ArrayLike,
    covariates: npt.ArrayLike,
    *,
    start: npt.ArrayLike | None = None,
    strata: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
) -> SortedCoxData:
    """Sort survival data by (stratum, stop), index the risk sets, centre the covariates.

    Parameters
    ----------
    stop, event : array_like, shape (n,)
        Exit time and event indicator, in input row order.
    covariates : array_like, shape (n, p)
        Design matrix without intercept; ``p`` may be 0.
    start : array_like, optional
        Entry time for counting-process data ``(start, stop]``.
    strata : array_like of int, optional
        Stratum codes; each stratum has its own baseline hazard.
    weights : array_like, optional
        Case weights.
    """
    sets = build_risk_sets(stop, event, start=start, strata=strata, weights=weights)
    n = sets.n
    x = np.asarray(covariates, dtype=np.float64).reshape(n, -1)
    # einsum rather than BLAS gemv here and in cox_terms: OpenBLAS threads a tall
    # matrix-vector product, and its idle workers then spin against the numpy work
    # that follows (measured: twice the CPU time on a busy two-core machine).
    centre = np.einsum("ij->j", x) / n if n else np.zeros(x.shape[1])
    xs = np.take(x, sets.order, axis=0)
    xs -= centre
    return SortedCoxData(
        **{f.name: getattr(sets, f.name) for f in fields(RiskSets)},
        covariates=xs,
        centre=centre,
        event_x=np.einsum("i,ij->j", np.where(sets.event, sets.weights, 0.0), xs),
    )


def select_columns(data: SortedCoxData, keep: list[int]) -> SortedCoxData:
    """The same sorted data with only the covariate columns ``keep``."""
    return replace(
        data,
        covariates=np.ascontiguousarray(data.covariates[:, keep]),
        centre=data.centre[keep],
        event_x=data.event_x[keep],
    )


@dataclass(frozen=True)
class CoxTerms:
    """Everything one evaluation at ``beta`` yields, in sorted row order.

    ``hazard_increment[k]`` is the baseline hazard jump at tie group ``k``;
    ``row_hazard[i]`` the cumulative baseline hazard of sorted row ``i`` over
    its interval (with the Efron share for its own tied event); ``risk`` the
    relative risk :math:`e^{\\eta_i}` with centred covariates.
    """

    loglik: float
    score: FloatArray
    information: FloatArray
    risk: FloatArray
    hazard_increment: FloatArray
    row_hazard: FloatArray
    event_weight: FloatArray  # wbar_k / den_kj per event row
    group_s1: FloatArray  # S_1(t_k) per tie group (shifted scale), (n_groups, p)
    group_d1: FloatArray  # D_1(t_k) per tie group (shifted scale), (n_groups, p)
    event_fraction: FloatArray  # j / m_k per event row (zeros for Breslow)
    event_denominator: FloatArray  # den_kj per event row (shifted scale)
    group_of_event: IntArray

    @cached_property
    def event_mean(self) -> FloatArray:
        """Risk-weighted covariate mean :math:`a_{kj}` per event row, shape (n_event, p)."""
        g = self.group_of_event
        numerator = self.group_s1[g] - self.event_fraction[:, None] * self.group_d1[g]
        return np.asarray(numerator / self.event_denominator[:, None], np.float64)


def cox_terms(
    data: SortedCoxData,
    beta: npt.ArrayLike,
    *,
    offset: npt.ArrayLike | None = None,
    ties: Ties = "efron",
    information: bool = True,
) -> CoxTerms:
    """Evaluate the partial likelihood and its by-products at ``beta``.

    With per-event weights :math:`u_{kj}` (Efron: the group's mean weight) and
    denominators :math:`\\mathrm{den}_{kj} = S_0 - f_{kj} D_0`, the event means
    :math:`a_{kj} = (S_1 - f_{kj} D_1)/\\mathrm{den}_{kj}` enter the score and
    information only through per-group sums, e.g.
    :math:`\\sum_j u_{kj} a_{kj} = S_1 \\alpha_k - D_1 \\beta_k` with
    :math:`\\alpha_k = \\sum_j u_{kj}/\\mathrm{den}_{kj}`,
    :math:`\\beta_k = \\sum_j u_{kj} f_{kj}/\\mathrm{den}_{kj}`, so no
    ``n_event x p`` array is formed (Therneau & Grambsch 2000, sec. 3.3).

    Parameters
    ----------
    data : SortedCoxData
    beta : array_like, shape (p,)
        Coefficients on the original (uncentred) covariate scale.
    offset : array_like, optional
        Fixed part of the linear predictor, in input row order.
    ties : {"efron", "breslow"}
    information : bool
        Skip the (p, p) information matrix when false.
    """
    beta_a = np.asarray(beta, dtype=np.float64).reshape(-1)
    off = None if offset is None else np.asarray(offset, dtype=np.float64)[data.order]
    x = data.covariates
    p = data.n_covariates
    eta = np.einsum("ij,j->i", x, beta_a) if p else np.zeros(data.n)
    if off is not None:
        eta = eta + off
    # Shifting eta by a constant leaves every ratio unchanged and prevents overflow.
    shift = float(eta.max()) if data.n else 0.0
    risk = np.exp(eta - shift)
    wr = data.weights * risk
    ev = data.event_rows
    g = data.group_of_event
    n_groups = data.group_time.shape[0]

    s0, d0 = data.sums(wr)
    if p:
        s1, d1 = data.sums(wr, x)
    else:
        s1 = d1 = np.zeros((n_groups, 0))
    efron = ties == "efron"
    event_w = data.weights[ev]
    weight_e, frac = tie_weights(g, data.position_in_group, event_w, ties)
    den = s0[g] - frac * d0[g] if efron else s0[g]
    # Efron's later denominators can underflow to ~0 by cancellation; guard the log.
    den = np.maximum(den, np.finfo(float).tiny)

    # sum_e w_e eta_e without gathering eta: event_x holds sum_e w_e x_e.
    linear = float(data.event_x @ beta_a) if p else 0.0
    if off is not None:
        linear += float(np.einsum("i,i->", event_w, off[ev]))
    loglik = linear - float(np.einsum("i,i->", weight_e, np.log(den) + shift))
    per_e = weight_e / den
    increment = data.group_total(per_e)
    efron_share = data.group_total(per_e * frac) if efron else np.zeros(n_groups)
    score = data.event_x - np.einsum("gj,g->j", s1, increment)
    if efron:
        score += np.einsum("gj,g->j", d1, efron_share)
    row_c = data.per_row_from_groups(increment)
    if efron:
        row_c[ev] -= efron_share[g]
    info = np.zeros((p, p))
    if information and p:
        info = _information(data, wr * row_c, s1, d1, per_e / den, frac if efron else None)
    return CoxTerms(
        loglik=loglik,
        score=np.asarray(score, dtype=np.float64),
        information=info,
        risk=risk * np.exp(shift),
        hazard_increment=increment * np.exp(-shift),
        row_hazard=row_c * np.exp(-shift),
        event_weight=per_e * np.exp(-shift),
        group_s1=s1,
        group_d1=d1,
        event_fraction=frac,
        event_denominator=den,
        group_of_event=g,
    )


def _information(
    data: SortedCoxData,
    row_weight: FloatArray,
    s1: FloatArray,
    d1: FloatArray,
    per_e2: FloatArray,
    frac: FloatArray | None,
) -> FloatArray:
    """Observed information :math:`X^T \\mathrm{diag}(w e^\\eta c) X` minus event outer products.

    The outer products enter through per-group sums of ``S_1`` and ``D_1``
    (Efron's ``j/m_k`` terms when ``frac`` is given), never per event row.
    """
    alpha = data.group_total(per_e2)
    # Two-operand einsums (a three-operand one is about twice as slow); with Efron,
    # S1' a S1 + D1' c D1 - S1' b D1 - D1' b S1 = (a S1 - b D1)' S1 + (c D1 - b S1)' D1.
    if frac is None:
        outer = np.einsum("gj,gk->jk", s1 * alpha[:, None], s1)
    else:
        beta_k = data.group_total(per_e2 * frac)[:, None]
        gamma_k = data.group_total(per_e2 * frac * frac)[:, None]
        outer = np.einsum("gj,gk->jk", s1 * alpha[:, None] - d1 * beta_k, s1)
        outer += np.einsum("gj,gk->jk", d1 * gamma_k - s1 * beta_k, d1)
    info = blocked_gram(data.covariates, row_weight) - outer
    return np.asarray(0.5 * (info + info.T), np.float64)


def cox_loglik(
    data: SortedCoxData,
    beta: npt.ArrayLike,
    *,
    offset: npt.ArrayLike | None = None,
    ties: Ties = "efron",
) -> tuple[float, FloatArray, FloatArray]:
    """Partial log-likelihood, score vector and observed information at ``beta``.

    Returns
    -------
    loglik : float
    score : ndarray, shape (p,)
    information : ndarray, shape (p, p)
    """
    terms = cox_terms(data, beta, offset=offset, ties=ties)
    return terms.loglik, terms.score, terms.information


@dataclass(frozen=True)
class NewtonResult:
    """Outcome of :func:`fit_cox_newton`."""

    beta: FloatArray
    loglik: float
    loglik_init: float
    information: FloatArray
    score: FloatArray
    score_init: FloatArray
    information_init: FloatArray
    n_iter: int
    converged: bool
    step_halvings: int


def fit_cox_newton(
    data: SortedCoxData,
    *,
    ties: Ties = "efron",
    offset: npt.ArrayLike | None = None,
    init: npt.ArrayLike | None = None,
    max_iter: int = 30,
    eps: float = 1e-9,
) -> NewtonResult:
    """Maximise the partial likelihood by Newton–Raphson with step halving.

    Convergence as R ``coxph``: the relative change in log-likelihood
    ``|1 - loglik_old / loglik_new|`` falls below ``eps``; a step that lowers
    the log-likelihood is halved (up to 20 times) instead of taken
    (Therneau & Grambsch 2000, sec. 3.2).
    """
    p = data.n_covariates
    beta = np.zeros(p) if init is None else np.asarray(init, dtype=np.float64).copy()

    def evaluate(at: FloatArray) -> CoxTerms:
        # A trial step may overflow exp(eta); its non-finite log-likelihood makes
        # the loop halve the step, so numpy's warnings would only be noise.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return cox_terms(data, at, offset=offset, ties=ties)

    def reach(step: FloatArray) -> float:
        return float(np.abs(data.covariates @ step).max(initial=0.0))

    return newton_raphson(evaluate, beta, max_iter=max_iter, eps=eps, reach=reach)


class Evaluation(Protocol):
    """What one Newton step needs from an evaluation of the partial likelihood."""

    @property
    def loglik(self) -> float: ...
    @property
    def score(self) -> FloatArray: ...
    @property
    def information(self) -> FloatArray: ...


def newton_raphson(
    evaluate: Callable[[FloatArray], Evaluation],
    beta: FloatArray,
    *,
    max_iter: int = 30,
    eps: float = 1e-9,
    reach: Callable[[FloatArray], float] | None = None,
) -> NewtonResult:
    """Newton–Raphson with step halving on any evaluator of (loglik, score, information).

    ``reach(step)`` is the largest change of any linear predictor along ``step``
    (the step's largest component when not given); it bounds the restart after 20
    failed halvings.

    The loop of :func:`fit_cox_newton`, shared with fits whose sums are computed
    elsewhere (over the partitions of a Dask DataFrame); see there for the rule.
    """
    terms = evaluate(beta)
    first = terms
    halvings = 0
    converged = beta.size == 0
    n_iter = 0
    while not converged and n_iter < max_iter:
        n_iter += 1
        step = solve_or_pinv(terms.information, terms.score)
        candidate = evaluate(beta + step)
        # As R's coxph: a full step within the tolerance ends the fit, even if rounding
        # lowered the log-likelihood by a hair; otherwise a lower value halves the step.
        if np.isfinite(candidate.loglik) and _close(terms.loglik, candidate.loglik, eps):
            beta, terms, converged = beta + step, candidate, True
            break
        full = step
        step, candidate, tries = _halve(evaluate, beta, step, candidate, terms.loglik)
        if not _ascends(candidate, terms.loglik):
            # A nearly singular information (a coefficient heading to infinity) can give
            # a step so long that 20 halvings do not bring it back: halve again from the
            # step along the same direction that moves no linear predictor by more than 10.
            moved = reach(full) if reach is not None else float(np.abs(full).max(initial=0.0))
            step = full * min(1.0, 10.0 / moved) if moved > 0 else full
            candidate = evaluate(beta + step)
            step, candidate, more = _halve(evaluate, beta, step, candidate, terms.loglik)
            tries += more
        halvings += tries
        if not _ascends(candidate, terms.loglik):
            break
        old = terms.loglik
        beta, terms = beta + step, candidate
        converged = _close(old, terms.loglik, eps)
    return NewtonResult(
        beta=beta,
        loglik=terms.loglik,
        loglik_init=first.loglik,
        information=terms.information,
        score=terms.score,
        score_init=first.score,
        information_init=first.information,
        n_iter=n_iter,
        converged=converged,
        step_halvings=halvings,
    )


def _ascends(candidate: Evaluation, loglik: float) -> bool:
    return bool(np.isfinite(candidate.loglik) and candidate.loglik >= loglik)


def _halve(
    evaluate: Callable[[FloatArray], Evaluation],
    beta: FloatArray,
    step: FloatArray,
    candidate: Evaluation,
    loglik: float,
) -> tuple[FloatArray, Evaluation, int]:
    """Halve ``step`` (up to 20 times) until the log-likelihood does not fall."""
    tries = 0
    while not _ascends(candidate, loglik) and tries < 20:
        step = step / 2.0
        tries += 1
        candidate = evaluate(beta + step)
    return step, candidate, tries


def _close(old: float, new: float, eps: float) -> bool:
    """R's convergence rule: relative change of the log-likelihood at most ``eps``."""
    return abs(1.0 - old / new) <= eps if new != 0 else abs(old) <= eps


def baseline_cumulative_hazard_per_row(
    data: SortedCoxData,
    beta: npt.ArrayLike,
    *,
    offset: npt.ArrayLike | None = None,
    ties: Ties = "efron",
) -> FloatArray:
    """Each row's baseline cumulative hazard over its own ``(start, stop]`` interval.

    Increments are Breslow's or Efron's (as R ``basehaz``), for covariates at
    zero (uncentred) and no offset; an event row gets its Efron share of its own
    tie group. Returned in input row order.
    """
    terms = cox_terms(data, beta, offset=offset, ties=ties, information=False)
    beta_a = np.asarray(beta, dtype=np.float64).reshape(-1)
    # Increments were computed with centred covariates; rescale to x = 0.
    scale = float(np.exp(-data.centre @ beta_a)) if data.n_covariates else 1.0
    out = np.empty(data.n)
    out[data.order] = terms.row_hazard * scale
    return out
