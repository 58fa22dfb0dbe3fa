"""Restricted mean survival time: the area under Kaplan–Meier step curves.

The kernel below the RMST layer, so that ``KaplanMeierResult.rmst`` and
:func:`sarcosurv.rmst.rmst` share it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._km_core import normal_quantile
from .errors import SarcosurvError

if TYPE_CHECKING:
    from .km import KaplanMeierResult

__all__ = ["restricted_mean"]

FloatArray = npt.NDArray[np.float64]


def _area(
    times: FloatArray,
    survival: FloatArray,
    n_risk: FloatArray,
    n_event: FloatArray,
    tau: float,
    start: float,
) -> tuple[float, float]:
    """Area under one step curve up to ``tau`` and its Greenwood-type variance (R survmean)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(n_risk - n_event == 0, 0.0, n_event / (n_risk * (n_risk - n_event)))
    keep = times <= tau
    if not keep.any():
        return tau - start, 0.0
    steps = np.append(times[keep], tau)
    heights = np.append(survival[keep], survival[keep][-1])
    hazard = np.append(hazard[keep], 0.0)
    widths = np.diff(np.concatenate(([start], steps)))
    rectangles = widths * np.concatenate(([1.0], heights[:-1]))
    # Area beyond each event time, squared, times that time's Greenwood increment.
    beyond = np.cumsum(rectangles[1:][::-1])
    variance = float(np.sum(beyond**2 * hazard[::-1][1:]))
    return float(rectangles.sum()) + start, variance


def restricted_mean(km_result: KaplanMeierResult, tau: float | Sequence[float]) -> pd.DataFrame:
    """``[group,] tau, rmst, std_err, lower, upper`` of every curve of ``km_result``.

    See :func:`sarcosurv.rmst.rmst` for the formula and reference.
    """
    taus = np.atleast_1d(np.asarray(tau, dtype=np.float64))
    if taus.ndim != 1 or not np.isfinite(taus).all():
        raise SarcosurvError(f"tau must be a finite number or sequence of numbers, not {tau!r}")
    table = km_result.table
    start = min(0.0, float(table["time"].min())) if len(table) else 0.0
    if (taus <= start).any():
        raise SarcosurvError(f"tau must be after the time origin {start:g}, not {tau!r}")
    z = normal_quantile(km_result.conf_level)
    rows = []
    for index in range(len(km_result.offsets) - 1):
        curve = table.iloc[km_result.offsets[index] : km_result.offsets[index + 1]]
        times, survival, n_risk, n_event = (
            curve[c].to_numpy(dtype=np.float64) for c in ("time", "survival", "n_risk", "n_event")
        )
        for value in taus:
            area, variance = _area(times, survival, n_risk, n_event, float(value), start)
            se = float(np.sqrt(variance))
            row: dict[str, object] = {}
            if km_result.by:
                row["group"] = km_result.groups["group"].iloc[index]
            row.update(tau=value, rmst=area, std_err=se, lower=area - z * se, upper=area + z * se)
            rows.append(row)
    return pd.DataFrame(rows)
