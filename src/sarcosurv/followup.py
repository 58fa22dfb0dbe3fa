"""Median follow-up by the reverse Kaplan–Meier method."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._inputs import dask_backend, is_dask_frame, response
from .km import KaplanMeierResult, QuantileMethod, kaplan_meier_surv
from .surv import Surv

__all__ = ["FollowupResult", "median_followup", "median_followup_surv"]


@dataclass(frozen=True, eq=False)
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

    def __repr__(self) -> str:
        return f"<FollowupResult n={self.n} censored={self.n_censored} median={self.median:.4g}>"

    def _repr_html_(self) -> str:
        return f"<p>{escape(str(self))}</p>" + self.to_frame().to_html(index=False)

    def __str__(self) -> str:
        level = f"{100 * self.reverse_km.conf_level:g}%"
        return (
            f"Median follow-up (reverse Kaplan–Meier): {self.median:.4g} "
            f"({level} CI {self.lower:.4g} to {self.upper:.4g}); "
            f"{self.n} rows, {self.n_censored} censored"
        )


def median_followup(
    data: pd.DataFrame | None = None,
    time: str | npt.ArrayLike | None = None,
    event: str | npt.ArrayLike | None = None,
    *,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    ci_method: QuantileMethod = "brookmeyer-crowley",
    timefix: bool = True,
    time_unit: str | None = None,
) -> FollowupResult:
    """Median follow-up time by the reverse Kaplan–Meier method.

    The Kaplan–Meier curve of the censoring distribution, obtained by swapping
    events and censorings (Schemper & Smith 1996, *Controlled Clinical Trials*
    17:343–346), estimates the time patients would have been followed had they
    not died; its median and confidence interval (Brookmeyer–Crowley by default,
    as R ``quantile(survfit(Surv(time, 1 - event) ~ 1))``) are returned.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        The data; omit it to pass arrays as ``time`` and ``event``.
    time, event : str or array
        Follow-up time and event indicator (0/1) of the survival endpoint. Cause
        codes above 1 are refused (:class:`~sarcosurv.errors.CompetingRisksError`);
        with competing causes pass ``event != 0``: every cause ends follow-up.
    conf_type, conf_level, ci_method
        As for :func:`sarcosurv.kaplan_meier` and its ``median()``.
    timefix, time_unit
        As for :func:`sarcosurv.kaplan_meier`.

    Returns
    -------
    FollowupResult

    Examples
    --------
    >>> import numpy as np, sarcosurv as ss
    >>> fu = ss.median_followup(time=np.array([2.0, 4.0, 6.0, 8.0]), event=np.array([1, 0, 0, 0]))
    >>> fu.median
    6.0
    """
    if is_dask_frame(data):
        return dask_backend("median_followup")(  # type: ignore[no-any-return]
            data, time, event, conf_type=conf_type, conf_level=conf_level,
            ci_method=ci_method, timefix=timefix, time_unit=time_unit,
        )  # fmt: skip
    surv, _, _ = response(data, time, event, timefix=timefix, time_unit=time_unit)
    return median_followup_surv(
        surv, conf_type=conf_type, conf_level=conf_level, ci_method=ci_method
    )


def median_followup_surv(
    surv: Surv,
    *,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    ci_method: QuantileMethod = "brookmeyer-crowley",
) -> FollowupResult:
    """Median follow-up of a parsed response (the array-level function).

    The reverse Kaplan–Meier curve is :func:`sarcosurv.km.kaplan_meier_surv` of
    :meth:`Surv.reversed() <sarcosurv.surv.Surv.reversed>`; see
    :func:`median_followup`.

    Examples
    --------
    >>> import numpy as np, sarcosurv as ss
    >>> from sarcosurv.followup import median_followup_surv
    >>> surv = ss.Surv.from_arrays(np.array([2.0, 4.0, 6.0, 8.0]), np.array([1, 0, 0, 0]))
    >>> median_followup_surv(surv).n_censored
    3
    """
    surv.require_single_event("median follow-up (event != 0 ends follow-up for any cause)")
    reverse = kaplan_meier_surv(surv.reversed(), conf_type=conf_type, conf_level=conf_level)
    median = reverse.median(ci_method=ci_method)
    return FollowupResult(
        median=float(median["median"].iloc[0]),
        lower=float(median["lower"].iloc[0]),
        upper=float(median["upper"].iloc[0]),
        n=surv.n,
        n_censored=int(np.count_nonzero(surv.event == 0)),
        reverse_km=reverse,
    )
