"""Small linear-algebra and tie-handling kernels shared by Cox, frailty, ``cox.zph``.

One Efron tie weight (:func:`tie_weights`), one solve that falls back to the
pseudo-inverse (:func:`solve_or_pinv`, :func:`inverse_or_pinv`) and one
blocked weighted Gram matrix (:func:`blocked_gram`): every estimator calls
these rather than its own copy.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "GRAM_BLOCK",
    "SCALE_LIMIT",
    "blocked_gram",
    "inverse_or_pinv",
    "power_of_two_scale",
    "solve_or_pinv",
    "tie_weights",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Rows per block in :func:`blocked_gram` (bounds the temporary to block x p).
GRAM_BLOCK = 1 << 14


#: Values whose magnitude lies within [1/SCALE_LIMIT, SCALE_LIMIT] need no rescaling.
SCALE_LIMIT = 2.0**10


def power_of_two_scale(values: npt.ArrayLike) -> FloatArray:
    """The power of two nearest each magnitude outside [1/SCALE_LIMIT, SCALE_LIMIT]; else 1.

    Dividing by a power of two is exact in floating point, so data rescaled by
    these factors (covariates in cents, case weights of 1e308 or 1e-320) lose
    nothing, while sums stop overflowing and variances stop underflowing.

    Examples
    --------
    >>> power_of_two_scale([3.0, 1e6, 1e-9, 0.0]).tolist()
    [1.0, 1048576.0, 9.313225746154785e-10, 1.0]
    """
    a = np.abs(np.asarray(values, np.float64))
    ok = np.isfinite(a) & (a > 0) & ((a > SCALE_LIMIT) | (a < 1.0 / SCALE_LIMIT))
    exponent = np.round(np.log2(np.where(ok, a, 1.0)))
    return np.asarray(np.where(ok, np.exp2(np.clip(exponent, -1000, 1000)), 1.0), np.float64)


def tie_weights(
    group_of_event: IntArray,
    position_in_group: FloatArray,
    event_weight: FloatArray,
    ties: Literal["efron", "breslow"],
) -> tuple[FloatArray, FloatArray]:
    """Weight and tie fraction of each event row (Efron 1977; Breslow 1974).

    With :math:`m_k` tied events at time :math:`t_k`, Efron's approximation
    gives the :math:`j`-th of them (:math:`j = 0, \\dots, m_k - 1`) the
    denominator :math:`S_0 - (j/m_k) D_0` and the group's mean case weight
    :math:`\\bar w_k`; Breslow's gives every one :math:`S_0` and its own weight.

    Parameters
    ----------
    group_of_event : ndarray of int
        Tie group of each event row (event rows sorted by group).
    position_in_group : ndarray
        :math:`j / m_k` of each event row.
    event_weight : ndarray
        Case weight of each event row.
    ties : {"efron", "breslow"}

    Returns
    -------
    weight, fraction : ndarray
        Per event row: :math:`\\bar w_k` and :math:`j/m_k` (Efron) or
        :math:`w_i` and 0 (Breslow).

    Examples
    --------
    >>> import numpy as np
    >>> w, f = tie_weights(np.array([0, 0, 1]), np.array([0.0, 0.5, 0.0]),
    ...                    np.array([1.0, 3.0, 2.0]), "efron")
    >>> w.tolist(), f.tolist()
    ([2.0, 2.0, 2.0], [0.0, 0.5, 0.0])
    """
    weight = np.asarray(event_weight, np.float64)
    if ties == "breslow":
        return weight, np.zeros(weight.shape[0])
    size = np.bincount(group_of_event).astype(np.float64)
    # float even with no events (bincount of an empty array is an integer array)
    total = np.bincount(group_of_event, weights=weight).astype(np.float64)
    mean = np.divide(total, size, out=np.zeros_like(total), where=size > 0)
    return np.asarray(mean[group_of_event], np.float64), np.asarray(position_in_group, np.float64)


def _equilibration(matrix: FloatArray) -> FloatArray:
    """:math:`1/\\sqrt{|a_{jj}|}` per row (1 where the diagonal is 0 or not finite)."""
    diag = np.abs(np.diagonal(matrix))
    ok = np.isfinite(diag) & (diag > 0)
    return np.where(ok, 1.0 / np.sqrt(np.where(ok, diag, 1.0)), 1.0)


def solve_or_pinv(matrix: FloatArray, rhs: FloatArray) -> FloatArray:
    """:math:`A^{-1} b`, or :math:`A^{+} b` (pseudo-inverse) when ``A`` is singular.

    The system is first equilibrated, :math:`D A D (D^{-1} x) = D b` with
    :math:`D = \\mathrm{diag}(|a_{jj}|^{-1/2})`, so that the answer does not
    depend on the units of the unknowns (a covariate in cents or in millions):
    the pseudo-inverse's cut-off then applies to the scaled matrix.

    Examples
    --------
    >>> import numpy as np
    >>> solve_or_pinv(np.array([[2.0, 0.0], [0.0, 0.0]]), np.array([4.0, 1.0])).tolist()
    [2.0, 0.0]
    >>> solve_or_pinv(np.array([[1e16, 0.0], [0.0, 1e-16]]), np.array([1e8, 1e-8])).tolist()
    [1e-08, 100000000.0]
    """
    a = np.asarray(matrix, np.float64)
    d = _equilibration(a)
    scaled = a * np.outer(d, d)
    b = np.asarray(rhs, np.float64) * d
    try:
        return np.asarray(d * np.linalg.solve(scaled, b), np.float64)
    except np.linalg.LinAlgError:
        return np.asarray(d * (np.linalg.pinv(scaled) @ b), np.float64)


def inverse_or_pinv(matrix: FloatArray) -> FloatArray:
    """:math:`A^{-1}`, or the Moore–Penrose pseudo-inverse when ``A`` is singular.

    Equilibrated as :func:`solve_or_pinv`: :math:`A^{-1} = D (D A D)^{-1} D`.
    """
    a = np.asarray(matrix, np.float64)
    d = _equilibration(a)
    outer = np.outer(d, d)
    try:
        return np.asarray(np.linalg.inv(a * outer) * outer, np.float64)
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(a * outer) * outer, np.float64)


def blocked_gram(
    x: FloatArray, weight: FloatArray | None = None, block: int = GRAM_BLOCK
) -> FloatArray:
    """:math:`X^T \\mathrm{diag}(w) X` accumulated over blocks of rows.

    A loop over blocks, not rows: the temporary is ``block x p``, never
    ``n x p``. Non-negative weights use symmetric rank-k updates
    :math:`Y^T Y` with :math:`Y = \\sqrt{w} X`; signed weights (e.g. centred
    time transforms in ``cox.zph``) use :math:`X^T (w X)`. Without
    ``weight``, :math:`X^T X`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 0.0], [1.0, 2.0]])
    >>> blocked_gram(x, np.array([1.0, 0.25])).tolist()
    [[1.25, 0.5], [0.5, 1.0]]
    """
    p = x.shape[1]
    out = np.zeros((p, p))
    signed = weight is not None and bool(np.any(weight < 0))
    root = None if weight is None or signed else np.sqrt(weight)
    for lo in range(0, x.shape[0], block):  # loop over blocks of rows
        chunk = x[lo : lo + block]
        if signed:
            assert weight is not None
            out += chunk.T @ (chunk * weight[lo : lo + block, None])
            continue
        y = chunk if root is None else chunk * root[lo : lo + block, None]
        out += y.T @ y
    return out
