"""Restricted mean survival time (RMST) from Kaplan–Meier curves, and two-group comparisons."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from ._km_core import normal_quantile
from ._km_rmst import restricted_mean
from .errors import GroupError, SarcosurvWarning
from .km import KaplanMeierResult, kaplan_meier

__all__ = ["RMSTTestResult", "rmst", "rmst_test"]

FloatArray = npt.NDArray[np.float64]


def rmst(km_result: KaplanMeierResult, tau: float | Sequence[float]) -> pd.DataFrame:
    """Restricted mean survival time ``∫_0^τ S(t) dt`` per group, with SE and CI.

    The area under the Kaplan–Meier curve up to ``τ``; its variance is
    ``sum_{t_j <= τ} A_j^2 d_j / (n_j (n_j - d_j))`` with ``A_j`` the area
    between ``t_j`` and ``τ`` (Klein & Moeschberger 2003, section 4.5). Equal
    to R ``print(survfit, rmean = τ)`` (``survival:::survmean``); the interval
    is ``rmst ± z · std_err`` at the fit's ``conf_level``.

    Parameters
    ----------
    km_result : KaplanMeierResult
        From :func:`sarcosurv.kaplan_meier`.
    tau : float or sequence of float
        Truncation time(s).

    Returns
    -------
    pandas.DataFrame
        ``[group,] tau, rmst, std_err, lower, upper``.

    Examples
    --------
    >>> import pandas as pd
    >>> import sarcosurv as ss
    >>> km = ss.kaplan_meier(pd.DataFrame({"t": [1, 2, 3], "e": [1, 1, 1]}), "t", "e")
    >>> float(rmst(km, 3)["rmst"].iloc[0])
    2.0
    """
    return restricted_mean(km_result, tau)


@dataclass(frozen=True, eq=False)
class RMSTTestResult:
    """Comparison of two groups' restricted mean survival times (Royston & Parmar 2013).

    Attributes
    ----------
    tau : float
        Truncation time used.
    tau_rule : str
        ``"given"``, or how the default was chosen.
    rmst : pandas.DataFrame
        Per group: ``group, tau, rmst, std_err, lower, upper``.
    contrasts : pandas.DataFrame
        Rows ``difference`` (second group − first) and ``ratio`` (second / first):
        ``contrast, estimate, std_err, lower, upper, z, p_value``; the ratio's
        ``std_err`` is that of its logarithm.
    conf_level : float
    by : tuple of str
    excluded : pandas.DataFrame
    """

    tau: float
    tau_rule: str
    rmst: pd.DataFrame
    contrasts: pd.DataFrame
    conf_level: float
    by: tuple[str, ...]
    excluded: pd.DataFrame

    @property
    def difference(self) -> pd.Series:
        """The difference row of :attr:`contrasts`."""
        return self.contrasts.iloc[0]

    @property
    def ratio(self) -> pd.Series:
        """The ratio row of :attr:`contrasts`."""
        return self.contrasts.iloc[1]

    def to_frame(self) -> pd.DataFrame:
        """The contrasts table (a copy)."""
        return self.contrasts.copy()

    def summary(self) -> pd.DataFrame:
        """Same as :meth:`to_frame`."""
        return self.to_frame()

    def __repr__(self) -> str:
        return f"<RMSTTestResult tau={self.tau:g} difference={self.difference['estimate']:.4g}>"

    def __str__(self) -> str:
        first, second = (str(g) for g in self.rmst["group"])
        return (
            f"Restricted mean survival time up to tau = {self.tau:g} ({self.tau_rule})\n"
            f"{self.rmst.to_string(index=False)}\n"
            f"Contrasts: {second} - {first} and {second} / {first}\n"
            f"{self.contrasts.to_string(index=False)}"
        )

    def _repr_html_(self) -> str:
        return str(self.contrasts.to_html(index=False))


def _contrasts(per_group: pd.DataFrame, z: float) -> pd.DataFrame:
    """Difference and ratio (second vs first group), normal approximation."""
    r = per_group["rmst"].to_numpy(dtype=np.float64)
    se = per_group["std_err"].to_numpy(dtype=np.float64)
    difference = r[1] - r[0]
    se_difference = float(np.hypot(se[0], se[1]))
    log_ratio = float(np.log(r[1] / r[0]))
    se_log = float(np.hypot(se[0] / r[0], se[1] / r[1]))
    z_diff, z_ratio = difference / se_difference, log_ratio / se_log
    return pd.DataFrame(
        {
            "contrast": ["difference", "ratio"],
            "estimate": [difference, np.exp(log_ratio)],
            "std_err": [se_difference, se_log],
            "lower": [difference - z * se_difference, np.exp(log_ratio - z * se_log)],
            "upper": [difference + z * se_difference, np.exp(log_ratio + z * se_log)],
            "z": [z_diff, z_ratio],
            "p_value": [2 * special.ndtr(-abs(z_diff)), 2 * special.ndtr(-abs(z_ratio))],
        }
    )


def rmst_test(
    data: pd.DataFrame,
    time: str,
    event: str,
    by: str | Sequence[str],
    tau: float | None = None,
    *,
    entry: str | None = None,
    weights: str | None = None,
    conf_level: float = 0.95,
) -> RMSTTestResult:
    """Difference and ratio of two groups' restricted mean survival times.

    With ``R_g`` the RMST of group ``g`` up to ``τ`` (see :func:`rmst`) and
    independent groups, ``R_2 − R_1`` has variance ``se_1² + se_2²`` and
    ``log(R_2 / R_1)`` variance ``(se_1/R_1)² + (se_2/R_2)²`` (delta method);
    Wald intervals and two-sided p-values (Royston & Parmar 2013).

    Parameters
    ----------
    data : pandas.DataFrame
    time, event, by : str
        As in :func:`sarcosurv.kaplan_meier`; ``by`` must form exactly two groups.
    tau : float, optional
        Truncation time. Default: the smallest of the two groups' largest
        follow-up times, so that both curves are estimated up to ``τ``; a
        ``τ`` beyond it warns (the RMST of a group then assumes its last survival
        value carries on).
    entry, weights : str, optional
    conf_level : float

    Returns
    -------
    RMSTTestResult

    Examples
    --------
    >>> import pandas as pd
    >>> import sarcosurv as ss
    >>> d = pd.DataFrame(
    ...     {"t": [2, 4, 6, 1, 2, 3], "e": [1, 1, 0, 1, 1, 1], "g": [1, 1, 1, 2, 2, 2]}
    ... )
    >>> ss.rmst_test(d, "t", "e", "g").tau
    3.0
    """
    km = kaplan_meier(data, time, event, by=by, entry=entry, weights=weights, conf_level=conf_level)
    if len(km.groups) != 2:
        raise GroupError(f"rmst_test compares exactly two groups; {by!r} has {len(km.groups)}")
    last = [float(km.table["time"].iloc[km.offsets[i + 1] - 1]) for i in range(2)]
    limit = min(last)
    if tau is None:
        value, rule = limit, "default: the smaller of the two groups' largest follow-up times"
    else:
        value, rule = float(tau), "given"
        if value > limit:
            warnings.warn(
                f"tau = {value:g} is beyond the largest follow-up time {limit:g} of one group; "
                "its curve is carried forward from its last value",
                SarcosurvWarning,
                stacklevel=2,
            )
    per_group = rmst(km, value)
    return RMSTTestResult(
        tau=value,
        tau_rule=rule,
        rmst=per_group,
        contrasts=_contrasts(per_group, normal_quantile(conf_level)),
        conf_level=conf_level,
        by=km.by,
        excluded=km.excluded,
    )
