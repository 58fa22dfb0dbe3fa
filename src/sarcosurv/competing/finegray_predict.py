"""Predicted cumulative incidence from a Fine–Gray fit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import model_matrix

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
    hazard (``cmprsk::predict.crr``). Returns ``row, time, cif``.
    """
    at = np.sort(np.atleast_1d(np.asarray(times, dtype=np.float64)))
    x = np.asarray(model_matrix(fit.design.model_spec, newdata), dtype=np.float64)
    names = list(fit.design.column_names)
    columns = list(model_matrix(fit.design.model_spec, newdata.head(1)).columns)
    x = x[:, [columns.index(n) for n in names]]
    eta = x @ fit.params.to_numpy(dtype=np.float64)
    hazard = _baseline_at(fit, newdata, at)
    cif = 1.0 - np.exp(-np.exp(eta)[:, None] * hazard)
    return pd.DataFrame(
        {
            "row": np.repeat(newdata.index.to_numpy(), at.size),
            "time": np.tile(at, len(newdata)),
            "cif": cif.ravel(),
        }
    )


def _step(rows: pd.DataFrame, at: FloatArray) -> FloatArray:
    """A baseline cumulative hazard (step function, 0 before its first time) at ``at``."""
    position = np.searchsorted(rows["time"].to_numpy(), at, side="right") - 1
    values = rows["cumulative_hazard"].to_numpy()[np.maximum(position, 0)]
    out: FloatArray = np.where(position >= 0, values, 0.0)
    return out


def _baseline_at(fit: FineGrayResult, newdata: pd.DataFrame, at: FloatArray) -> FloatArray:
    """Baseline cumulative hazard of each new row's stratum at ``at``: (rows, times)."""
    if not fit.strata:
        return np.tile(_step(fit.baseline, at), (len(newdata), 1))
    missing = [c for c in fit.strata if c not in newdata.columns]
    if missing:
        raise SarcosurvError(f"newdata lacks the strata column(s) {missing}")
    out = np.full((len(newdata), at.size), np.nan)
    keys = newdata[list(fit.strata)].reset_index(drop=True)
    found = np.zeros(len(newdata), dtype=bool)
    for key, rows in fit.baseline.groupby(list(fit.strata), sort=False):
        values = key if isinstance(key, tuple) else (key,)
        match = np.logical_and.reduce(
            [keys[c].to_numpy() == v for c, v in zip(fit.strata, values, strict=True)]
        )
        out[match] = _step(rows, at)
        found |= match
    if not found.all():
        raise SarcosurvError(
            f"newdata rows {list(newdata.index[~found])} have a stratum the fit does not know"
        )
    return out
