"""Predicted cumulative incidence from a Fine–Gray fit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from formulaic import model_matrix

if TYPE_CHECKING:
    from .finegray import FineGrayResult

__all__ = ["predict_cumulative_incidence"]


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
    base = fit.baseline
    position = np.searchsorted(base["time"].to_numpy(), at, side="right") - 1
    hazard = np.where(
        position >= 0, base["cumulative_hazard"].to_numpy()[np.maximum(position, 0)], 0.0
    )
    cif = 1.0 - np.exp(-np.outer(np.exp(eta), hazard))
    return pd.DataFrame(
        {
            "row": np.repeat(newdata.index.to_numpy(), at.size),
            "time": np.tile(at, len(newdata)),
            "cif": cif.ravel(),
        }
    )
