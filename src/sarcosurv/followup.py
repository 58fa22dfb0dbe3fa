"""Median follow-up by the reverse Kaplan–Meier method."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _validate as v
from .km import KaplanMeierResult, QuantileMethod, kaplan_meier

__all__ = ["FollowupResult", "median_followup"]

_REVERSED = "__sarcosurv_censored__"


@dataclass(frozen=True)
class FollowupResult:
    """Median potential follow-up with its confidence interval.

    Attributes
    ----------
    median, lower, upper : float
        Median of the reverse Kaplan–Meier curve and its confidence limits
        (NaN where not reached).
    n, n_censored : int
        Rows, and rows censored (the "events" of the reverse curve).
    reverse_km : KaplanMeierResult
        The reverse Kaplan–Meier curve itself (censoring as the event).
    """

    median: float
    lower: float
    upper: float
    n: int
    n_censored: int
    reverse_km: KaplanMeierResult

    def to_frame(self) -> pd.DataFrame:
        """One row: median, lower, upper, n, n_censored."""
        return pd.DataFrame(
            {
                "median": [self.median],
                "lower": [self.lower],
                "upper": [self.upper],
                "n": [self.n],
                "n_censored": [self.n_censored],
            }
        )

    def summary(self) -> pd.DataFrame:
        """Same as :meth:`to_frame`."""
        return self.to_frame()

    def __str__(self) -> str:
        level = f"{100 * self.reverse_km.conf_level:g}%"
        return (
            f"Median follow-up (reverse Kaplan–Meier): {self.median:.4g} "
            f"({level} CI {self.lower:.4g} to {self.upper:.4g}); "
            f"{self.n} rows, {self.n_censored} censored"
        )


def median_followup(
    data: pd.DataFrame,
    time: str,
    event: str,
    *,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    ci_method: QuantileMethod = "brookmeyer-crowley",
) -> FollowupResult:
    """Median follow-up time by the reverse Kaplan–Meier method.

    The Kaplan–Meier curve of the censoring distribution, obtained by swapping
    events and censorings (Schemper & Smith 1996, *Controlled Clinical Trials*
    17:343–346), estimates the time patients would have been followed had they
    not died; its median and confidence interval (Brookmeyer–Crowley by default,
    as R ``quantile(survfit(Surv(time, 1 - event) ~ 1))``) are returned.

    Parameters
    ----------
    data : pandas.DataFrame
    time, event : str
        Follow-up time and event indicator (0/1) of the survival endpoint.
    conf_type, conf_level, ci_method
        As for :func:`sarcosurv.kaplan_meier` and its ``median()``.

    Returns
    -------
    FollowupResult
    """
    v.require_columns(data, time=time, event=event)
    v.require_nonempty(data)
    died = v.as_event(data, event)
    frame = pd.DataFrame({time: data[time].to_numpy(), _REVERSED: (~died).astype(np.int8)})
    if v.PATIENT_ID_COLUMN in data.columns:
        frame[v.PATIENT_ID_COLUMN] = data[v.PATIENT_ID_COLUMN].to_numpy()
    frame.index = data.index
    reverse = kaplan_meier(frame, time, _REVERSED, conf_type=conf_type, conf_level=conf_level)
    median = reverse.median(ci_method=ci_method)
    return FollowupResult(
        median=float(median["median"].iloc[0]),
        lower=float(median["lower"].iloc[0]),
        upper=float(median["upper"].iloc[0]),
        n=len(data),
        n_censored=int((~died).sum()),
        reverse_km=reverse,
    )
