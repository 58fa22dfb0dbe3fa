"""Numerical kernel of the Aalen–Johansen estimator and its infinitesimal-jackknife variance.

Pure numpy on the count tables of :mod:`._counting` (cells × distinct times);
no Python loop over rows or times.

For cell ``c`` with ``n_j`` at risk and ``d_kj`` events of cause ``k`` at the
``j``-th distinct time (``d_j = sum_k d_kj``), the event-free survival is
``S_j = prod_{l <= j} (1 - d_l / n_l)`` and the cumulative incidence of cause
``k`` is ``F_k(t_j) = sum_{l <= j} S_{l-1} d_kl / n_l`` (Aalen & Johansen 1978).

The variance is the infinitesimal jackknife (IJ) of R ``survfit`` for
multi-state data: ``Var F_k(t) = sum_i w_i^2 U_ik(t)^2``, with ``U_ik`` the
derivative of ``F_k(t)`` with respect to row ``i``'s weight, propagated as in
R's ``survfitci`` (``U <- U H + dH``). Writing ``G`` for Greenwood's sum
``sum g_l``, ``g_l = d_l / (n_l (n_l - d_l))``, each row's ``U_ik(t)`` is
``alpha(t) + beta_i + gamma_i F_k(t)`` while at risk and
``beta'_i + gamma'_i F_k(t)`` after it leaves, so the sum of squares over rows
reduces to a handful of risk-set sums of per-row constants (built with
:func:`numpy.bincount` and cumulative sums).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["Curves", "Units", "aalen_johansen", "ij_variance"]


@dataclass(frozen=True)
class Curves:
    """Per cell (axis -2) and distinct time (axis -1) quantities of the estimator.

    ``survival``, ``before`` (``S_{j-1}``), ``greenwood`` (``G`` with a leading 0,
    length ``m + 1``) are ``(cells, m)``; ``increment`` and ``cif`` are
    ``(causes, cells, m)``; ``n_risk`` is ``(cells, m)``.
    """

    n_risk: FloatArray
    survival: FloatArray
    before: FloatArray
    greenwood: FloatArray
    increment: FloatArray
    cif: FloatArray


@dataclass(frozen=True)
class Units:
    """Groups of rows sharing cell, first at-risk index, exit index and cause.

    ``first`` is the index of the first distinct time at which the unit is at
    risk, ``last`` the index of its exit time, ``code`` 0 (censored) or the
    cause, ``weight2`` the sum of the squared case weights of its rows.
    """

    cell: IntArray
    first: IntArray
    last: IntArray
    code: IntArray
    weight2: FloatArray


def aalen_johansen(n_risk: FloatArray, n_event: FloatArray) -> Curves:
    """Event-free survival and cumulative incidences from the count tables.

    Parameters
    ----------
    n_risk : ndarray (cells, m)
    n_event : ndarray (causes, cells, m)

    Returns
    -------
    Curves

    Examples
    --------
    >>> import numpy as np
    >>> c = aalen_johansen(np.array([[4.0, 2.0]]), np.array([[[1.0, 0.0]], [[0.0, 1.0]]]))
    >>> c.cif[:, 0, -1].tolist()
    [0.25, 0.375]
    """
    total = n_event.sum(axis=0)
    has_event = total > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(has_event, 1.0 - total / n_risk, 1.0)
        per_risk = np.where(n_event > 0, n_event / n_risk, 0.0)
        # Greenwood's increment; 0 where every row at risk fails (S falls to 0
        # and every later increment of the estimator is 0).
        term = np.where(has_event & (n_risk > total), total / (n_risk * (n_risk - total)), 0.0)
    survival: FloatArray = np.cumprod(factor, axis=-1, dtype=np.float64)
    before = np.concatenate([np.ones_like(survival[:, :1]), survival[:, :-1]], axis=-1)
    increment = before[None, :, :] * per_risk
    greenwood = np.concatenate([np.zeros_like(term[:, :1]), np.cumsum(term, axis=-1)], axis=-1)
    return Curves(
        n_risk=n_risk,
        survival=survival,
        before=before,
        greenwood=greenwood,
        increment=increment,
        cif=np.cumsum(increment, axis=-1),
    )


def _with_zero(values: FloatArray) -> FloatArray:
    """Prefix a zero along the last axis: ``out[..., j]`` is the sum before index ``j``."""
    zero = np.zeros((*values.shape[:-1], 1))
    return np.concatenate([zero, values], axis=-1)


def _risk_sums(units: Units, values: list[FloatArray], shape: tuple[int, int]) -> FloatArray:
    """``sum_{first_i <= j <= last_i} values_i`` per cell and time, for each value array."""
    cells, m = shape
    enter = units.cell * (m + 1) + units.first
    leave = units.cell * (m + 1) + units.last + 1
    out = np.empty((len(values), cells, m))
    for index, value in enumerate(values):
        added = np.bincount(enter, weights=value, minlength=cells * (m + 1))
        removed = np.bincount(leave, weights=value, minlength=cells * (m + 1))
        out[index] = np.cumsum((added - removed).reshape(cells, m + 1), axis=-1)[:, :m]
    return out


def _point_sums(
    index: IntArray, values: list[FloatArray], shape: tuple[int, int], shift: bool
) -> FloatArray:
    """Per cell and time, sums over units at ``index`` (``shift``: over units strictly before)."""
    cells, m = shape
    out = np.empty((len(values), cells, m))
    for position, value in enumerate(values):
        summed = np.bincount(index, weights=value, minlength=cells * (m + 1)).reshape(cells, m + 1)
        out[position] = np.cumsum(summed, axis=-1)[:, :m] if shift else summed[:, :m]
    return out


def ij_variance(curves: Curves, units: Units, cause: int) -> FloatArray:
    """Infinitesimal-jackknife variance of the cumulative incidence of one cause.

    ``Var F_k(t_j) = sum_i w_i^2 U_ik(t_j)^2`` (R ``survfit`` for multi-state
    data; Therneau, *The survival package: multi-state models*, section on
    the IJ variance). See the module docstring for the decomposition.

    Parameters
    ----------
    curves : Curves
        From :func:`aalen_johansen`.
    units : Units
        Rows (or groups of identical rows) with their squared weights.
    cause : int
        Cause index, 1-based.

    Returns
    -------
    ndarray (cells, m)
    """
    shape = curves.survival.shape
    m = shape[1]
    f = curves.increment[cause - 1]
    gc = curves.greenwood  # (cells, m + 1)
    fc = _with_zero(np.cumsum(f, axis=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_risk = np.where(curves.n_risk > 0, 1.0 / curves.n_risk, 0.0)
    pc = _with_zero(np.cumsum(f * gc[:, :m] - f * inv_risk, axis=-1))
    alpha, phi = pc[:, 1:], fc[:, 1:]
    delta = curves.before * inv_risk
    c, p, x = units.cell, units.first, units.last
    w2 = units.weight2
    beta = gc[c, p] * fc[c, p] - pc[c, p]
    gamma = -gc[c, p]
    fails = units.code > 0
    exit_v = np.where(fails, gc[c, x] - inv_risk[c, x], gc[c, x + 1]) - gc[c, p]
    at_exit = pc[c, x + 1] + beta + gamma * fc[c, x + 1]
    at_exit = at_exit + np.where(units.code == cause, delta[c, x], 0.0)
    beta_after = at_exit - exit_v * fc[c, x + 1]
    r1, rb, rbb, rg, rgg, rbg = _risk_sums(
        units, [w2, w2 * beta, w2 * beta**2, w2 * gamma, w2 * gamma**2, w2 * beta * gamma], shape
    )
    own = units.code == cause
    flat = c * (m + 1) + x
    e1, eb, eg = _point_sums(flat, [w2 * own, w2 * own * beta, w2 * own * gamma], shape, False)
    xbb, xbg, xgg = _point_sums(
        flat + 1,
        [w2 * beta_after**2, w2 * beta_after * exit_v, w2 * exit_v**2],
        shape,
        True,
    )
    variance = (
        alpha**2 * r1
        + 2 * alpha * rb
        + rbb
        + 2 * alpha * phi * rg
        + 2 * phi * rbg
        + phi**2 * rgg
        + 2 * delta * (alpha * e1 + eb + phi * eg)
        + delta**2 * e1
        + xbb
        + 2 * phi * xbg
        + phi**2 * xgg
    )
    out: FloatArray = np.maximum(variance, 0.0)
    return out
