"""Predicted cumulative incidence from a Fine–Gray fit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import model_matrix
from scipy import stats

from ..errors import SarcosurvError

if TYPE_CHECKING:
    from .finegray import FineGrayResult

__all__ = ["predict_cumulative_incidence"]

FloatArray = npt.NDArray[np.float64]


def predict_cumulative_incidence(
    fit: FineGrayResult, newdata: pd.DataFrame, times: float | Sequence[float]
) -> pd.DataFrame:
    """``F(t | x) = 1 - exp(-Λ0(t) exp(x'β))`` for each new row and time (Fine & Gray 1999).

    ``Λ0`` is the Breslow estimate of the baseline cumulative subdistribution
    hazard (``cmprsk::predict.crr``). The variance of ``Λ(t | x)`` is that of
    R ``survfit.coxph`` (Tsiatis 1981):

    .. math:: e^{2x'β} \\Big[\\sum_{t_k \\le t} \\frac{d_k}{S_0(t_k)^2}
              + q(t)' V q(t)\\Big], \\quad
              q(t) = \\sum_{t_k \\le t} h_k (x - \\bar x_k)

    with ``V`` the fit's ``vcov``; the CI is ``1 - exp(-Λ ∓ z se(Λ))`` and
    ``std_err`` that of ``F`` (``(1 - F) se(Λ)``). Returns ``row, time, cif,
    std_err, lower, upper``.
    """
    at = np.sort(np.atleast_1d(np.asarray(times, dtype=np.float64)))
    x = np.asarray(model_matrix(fit.design.model_spec, newdata), dtype=np.float64)
    names = list(fit.design.column_names)
    columns = list(model_matrix(fit.design.model_spec, newdata.head(1)).columns)
    x = x[:, [columns.index(n) for n in names]]
    eta = x @ fit.params.to_numpy(dtype=np.float64)
    pieces = ["cumulative_hazard", "_variance", *[f"_mean_{j}" for j in range(len(names))]]
    values = _baseline_at(fit, newdata, at, pieces)  # (rows, times, pieces)
    hazard, variance, means = values[..., 0], values[..., 1], values[..., 2:]
    q = x[:, None, :] * hazard[..., None] - means
    vcov = fit.vcov.to_numpy(dtype=np.float64)
    risk = np.exp(eta)[:, None]
    se = risk * np.sqrt(variance + np.einsum("rtp,pq,rtq->rt", q, vcov, q))
    cumulative = risk * hazard
    z = float(stats.norm.ppf(0.5 + fit.conf_level / 2))
    return pd.DataFrame(
        {
            "row": np.repeat(newdata.index.to_numpy(), at.size),
            "time": np.tile(at, len(newdata)),
            "cif": (1.0 - np.exp(-cumulative)).ravel(),
            "std_err": (np.exp(-cumulative) * se).ravel(),
            "lower": (1.0 - np.exp(-np.maximum(cumulative - z * se, 0.0))).ravel(),
            "upper": (1.0 - np.exp(-(cumulative + z * se))).ravel(),
        }
    )


def _step(rows: pd.DataFrame, at: FloatArray, pieces: list[str]) -> FloatArray:
    """Step functions of the baseline (0 before its first time) at ``at``: (times, pieces)."""
    position = np.searchsorted(rows["time"].to_numpy(), at, side="right") - 1
    values = rows[pieces].to_numpy(dtype=np.float64)[np.maximum(position, 0)]
    out: FloatArray = np.where((position >= 0)[:, None], values, 0.0)
    return out


def _baseline_at(
    fit: FineGrayResult, newdata: pd.DataFrame, at: FloatArray, pieces: list[str]
) -> FloatArray:
    """The baseline pieces of each new row's stratum at ``at``: (rows, times, pieces)."""
    if not fit.strata:
        return np.tile(_step(fit.baseline, at, pieces), (len(newdata), 1, 1))
    missing = [c for c in fit.strata if c not in newdata.columns]
    if missing:
        raise SarcosurvError(f"newdata lacks the strata column(s) {missing}")
    out = np.full((len(newdata), at.size, len(pieces)), np.nan)
    keys = newdata[list(fit.strata)].reset_index(drop=True)
    found = np.zeros(len(newdata), dtype=bool)
    for key, rows in fit.baseline.groupby(list(fit.strata), sort=False):
        values = key if isinstance(key, tuple) else (key,)
        match = np.logical_and.reduce(
            [keys[c].to_numpy() == v for c, v in zip(fit.strata, values, strict=True)]
        )
        out[match] = _step(rows, at, pieces)
        found |= match
    if not found.all():
        raise SarcosurvError(
            f"newdata rows {list(newdata.index[~found])} have a stratum the fit does not know"
        )
    return out
