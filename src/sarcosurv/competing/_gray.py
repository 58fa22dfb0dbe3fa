"""Numerical kernel of Gray's (1988) k-sample test for cumulative incidence functions.

Pure numpy on per-time × per-group count arrays of one stratum; every sum over
event times is a cumulative sum or an :func:`numpy.einsum` over the time axis.
The score, its variance and their small-sample corrections are those of
``cmprsk::cuminc`` (Fortran ``crstm``), so the statistics agree with R.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = ["gray_score"]


def _shift(values: FloatArray, first: float) -> FloatArray:
    """Left-continuous version of a per-time array (axis 0): the value before each time."""
    return np.concatenate([np.full_like(values[:1], first), values[:-1]], axis=0)


def _curves(rs: FloatArray, d1: FloatArray, d2: FloatArray) -> dict[str, FloatArray]:
    """Per-group Kaplan–Meier (all causes) and incidence of cause 1, left and right limits.

    ``at_risk`` is returned as 0.0/1.0.
    """
    at_risk = rs > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk, (rs - d1 - d2) / rs, 1.0)
        step = np.where(at_risk, d1 / rs, 0.0)
    skm: FloatArray = np.cumprod(factor, axis=0, dtype=np.float64)
    skmm = _shift(skm, 1.0)
    f1: FloatArray = np.cumsum(skmm * step, axis=0, dtype=np.float64)
    return {"skm": skm, "skmm": skmm, "f1m": _shift(f1, 0.0), "at_risk": at_risk.astype(np.float64)}


def _weights(
    rs: FloatArray, d1: FloatArray, c: dict[str, FloatArray], rho: float
) -> dict[str, FloatArray]:
    """Pooled quantities of the score: ``tr``, ``tq``, ``f``, ``fm``, the weight ``fb``, ``t1``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(c["at_risk"] > 0, rs / c["skmm"], 0.0)
        tq_terms = np.where(c["at_risk"] > 0, rs * (1.0 - c["f1m"]) / c["skmm"], 0.0)
    tr = t1.sum(axis=1)
    nd1 = d1.sum(axis=1)
    f = np.cumsum(nd1 / tr)
    fm = _shift(f, 0.0)
    return {
        "t1": t1,
        "tr": tr,
        "tq": tq_terms.sum(axis=1),
        "f": f,
        "fm": fm,
        "nd1": nd1,
        "fb": (1.0 - fm) ** rho,
    }


def gray_score(
    rs: FloatArray, d1: FloatArray, d2: FloatArray, rho: float = 0.0
) -> tuple[FloatArray, FloatArray]:
    """Score of the first ``k - 1`` groups and its variance, for one stratum.

    Gray's statistic compares ``R_i = ∫ W(t) dF_i(t) / (1 - F_i(t-))`` between
    groups (weights ``W = (1 - F(t-))^rho`` times the pooled risk); the score is
    ``s_i = sum_t W (d_1i - d_1 · R_i / R)`` and its variance the asymptotic one
    of Gray (1988), with cmprsk's tie corrections.

    Parameters
    ----------
    rs, d1, d2 : ndarray (m, k)
        At risk, events of the cause of interest and of the other causes, per
        event time (rows with at least one event) and group.
    rho : float
        Power of the weight function (0: the default of ``cuminc``).

    Returns
    -------
    score : ndarray (k - 1,)
    variance : ndarray (k - 1, k - 1)

    Examples
    --------
    >>> import numpy as np
    >>> rs = np.array([[3.0, 3.0], [2.0, 2.0]])
    >>> d1 = np.array([[1.0, 0.0], [0.0, 0.0]])
    >>> s, v = gray_score(rs, d1, np.zeros_like(rs))
    >>> round(float(s[0]), 6)
    0.5
    """
    c = _curves(rs, d1, d2)
    w = _weights(rs, d1, c, rho)
    t1, tr, fb, nd1, f = w["t1"], w["tr"], w["fb"], w["nd1"], w["f"]
    a = fb[:, None, None] * (
        np.einsum("ti,ik->tik", t1, np.eye(t1.shape[1]))
        - t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(nd1 > 0, nd1 / (tr * (1.0 - w["fm"])), 0.0)
    # Once the pooled incidence has reached 1 (every patient had an event of this
    # cause, none censored) only one group can still be at risk and ``a`` is 0:
    # the term contributes nothing, as in cmprsk (not 0 x inf = NaN).
    scale = np.where(np.isfinite(scale), scale, 0.0)
    c_cum = np.cumsum(a * scale[:, None, None], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(
            c["at_risk"], rs * (1.0 - c["f1m"]) / (c["skmm"] * w["tq"][:, None]), 0.0
        )
    score = (fb[:, None] * np.where(c["at_risk"] > 0, d1 - nd1[:, None] * expected, 0.0)).sum(
        axis=0
    )
    v, v2, v3 = _cause_one(rs, c, w, a, c_cum)
    v_b, v2_b, v3_b = _other_causes(rs, d2, c, f, c_cum)
    v, v2, v3 = v + v_b, v2 + v2_b, v3 + v3_b
    final = c_cum[-1]
    v = v + np.einsum("ik,jk,k->ij", final, final, v3) + final @ v2.T + v2 @ final.T
    k1 = rs.shape[1] - 1
    return score[:k1], v[:k1, :k1]


def _cause_one(
    rs: FloatArray,
    c: dict[str, FloatArray],
    w: dict[str, FloatArray],
    a: FloatArray,
    c_cum: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Variance terms from the events of the cause of interest."""
    nd1, tr, f = w["nd1"], w["tr"], w["f"]
    skm, skmm = c["skm"], c["skmm"]
    use = (c["at_risk"] > 0) & (nd1 > 0)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        t4 = np.where(skm > 0, 1.0 - (1.0 - f[:, None]) / skm, 1.0)
        t5 = np.where(
            nd1[:, None] > 1, 1.0 - (nd1[:, None] - 1.0) / (tr[:, None] * skmm - 1.0), 1.0
        )
        t3 = np.where(use, t5 * skmm * nd1[:, None] / (tr[:, None] * rs), 0.0)
    q = a - t4[:, None, :] * c_cum
    v = np.einsum("tik,tjk,tk->ij", q, q, t3)
    v2 = np.einsum("tik,tk->ik", q, t4 * t3)
    v3 = (t4 * t4 * t3).sum(axis=0)
    return v, v2, v3


def _other_causes(
    rs: FloatArray, d2: FloatArray, c: dict[str, FloatArray], f: FloatArray, c_cum: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Variance terms from the events of the competing causes."""
    skm, skmm = c["skm"], c["skmm"]
    use = (skm > 0) & (d2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t4 = np.where(use, (1.0 - f[:, None]) / skm, 0.0)
        t5 = np.where(d2 > 1, 1.0 - (d2 - 1.0) / (rs - 1.0), 1.0)
        t3 = np.where(use, t5 * skmm**2 * d2 / rs**2, 0.0)
    q = t4[:, None, :] * c_cum
    v = np.einsum("tik,tjk,tk->ij", q, q, t3)
    v2 = -np.einsum("tik,tk->ik", q, t4 * t3)
    v3 = (t4 * t4 * t3).sum(axis=0)
    return v, v2, v3
