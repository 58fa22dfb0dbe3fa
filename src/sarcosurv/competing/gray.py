"""Gray's k-sample test comparing cumulative incidence functions between groups."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from .._grouping import as_columns
from .._validate import as_pandas
from ..errors import GroupError, SarcosurvWarning
from ._counting import counts
from ._data import CompetingData, prepare
from ._gray import gray_score

__all__ = ["GrayTestResult", "gray_test"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class GrayTestResult:
    """Gray's test of equal cumulative incidence across groups, one test per cause.

    Attributes
    ----------
    statistic, df, p_value : pandas.Series
        Indexed by cause: the chi-square statistic ``s' V^{-1} s``, its
        degrees of freedom (groups - 1) and p-value (NaN where the variance is
        singular, e.g. a cause without events).
    groups : pandas.DataFrame
        Per group: ``group``, ``n`` and events per cause.
    by, strata : tuple of str
    rho : float
    excluded : pandas.DataFrame
    """

    statistic: pd.Series
    df: pd.Series
    p_value: pd.Series
    groups: pd.DataFrame
    by: tuple[str, ...]
    strata: tuple[str, ...]
    rho: float
    excluded: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One row per cause: ``cause, statistic, df, p_value``."""
        return pd.DataFrame(
            {
                "cause": self.statistic.index,
                "statistic": self.statistic.to_numpy(),
                "df": self.df.to_numpy(),
                "p_value": self.p_value.to_numpy(),
            }
        )

    def summary(self) -> pd.DataFrame:
        """Same as :meth:`to_frame`."""
        return self.to_frame()

    def __repr__(self) -> str:
        return f"<GrayTestResult causes={len(self.statistic)} groups={len(self.groups)}>"

    def __str__(self) -> str:
        strata = f", stratified by {', '.join(self.strata)}" if self.strata else ""
        head = f"Gray's test of equal cumulative incidence by {', '.join(self.by)}{strata}"
        return f"{head}\n{self.to_frame().to_string(index=False)}"

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


def _statistic(score: FloatArray, variance: FloatArray) -> float:
    """``s' V^{-1} s``, NaN when ``V`` is singular (cmprsk reports -1 there)."""
    if score.size == 0 or np.linalg.matrix_rank(variance) < score.size:
        return float("nan")
    return float(score @ np.linalg.solve(variance, score))


def _stratum_tests(prepared: CompetingData, rho: float) -> list[tuple[FloatArray, FloatArray]]:
    """Score and variance per cause, summed over strata."""
    stratum, n_strata = prepared.stratum, prepared.n_strata
    k = prepared.n_groups
    n_causes = len(prepared.causes)
    table = counts(
        prepared.time,
        prepared.code,
        n_causes,
        cell=stratum * k + prepared.group,
        n_cells=n_strata * k,
    )
    m = table.times.size
    rs_all = table.n_risk.reshape(n_strata, k, m)
    events = table.n_event.reshape(n_causes, n_strata, k, m)
    out = [(np.zeros(k - 1), np.zeros((k - 1, k - 1))) for _ in range(n_causes)]
    for s in range(n_strata):
        total = events[:, s].sum(axis=0)  # (k, m)
        times = total.sum(axis=0) > 0
        rs = rs_all[s][:, times].T
        for cause in range(n_causes):
            d1 = events[cause, s][:, times].T
            score, variance = gray_score(rs, d1, total[:, times].T - d1, rho)
            out[cause] = (out[cause][0] + score, out[cause][1] + variance)
    return out


def gray_test(
    data: pd.DataFrame,
    time: str,
    event: str,
    by: str | Sequence[str],
    strata: str | Sequence[str] | None = None,
    *,
    censored: object = None,
    causes: Sequence[object] | None = None,
    rho: float = 0.0,
) -> GrayTestResult:
    """Gray's (1988) test that the cumulative incidence of each cause is equal across groups.

    For each cause, the score compares the groups' subdistribution hazards
    weighted by ``(1 - F(t-))^rho`` (Gray 1988, equation 2.3); the statistic
    ``s' V^{-1} s`` is chi-square with (groups - 1) degrees of freedom. With
    ``strata``, scores and variances are summed over strata. Equal to
    ``cmprsk::cuminc(time, event, group, strata, rho)$Tests``.

    Parameters
    ----------
    data : pandas.DataFrame
    time, event : str
        Follow-up time; 0 = censored, 1, 2, ... = cause (or labels with ``censored=``).
    by : str or sequence of str
        Grouping column(s); at least two groups.
    strata : str or sequence of str, optional
    censored, causes
        As in :func:`sarcosurv.cumulative_incidence`.
    rho : float
        Power of the weight function (default 0).

    Returns
    -------
    GrayTestResult

    Examples
    --------
    >>> import pandas as pd
    >>> import sarcosurv as ss
    >>> d = pd.DataFrame(
    ...     {"t": [1, 2, 3, 4, 5, 6], "e": [1, 2, 1, 0, 1, 2], "g": [0, 0, 0, 1, 1, 1]}
    ... )
    >>> ss.gray_test(d, "t", "e", by="g").df.tolist()
    [1, 1]
    """
    data = as_pandas(data)
    by_columns = as_columns(by)
    strata_columns = as_columns(strata)
    prepared = prepare(
        data, time, event, by_columns, censored=censored, causes=causes, strata=strata_columns
    )
    k = prepared.n_groups
    if k < 2:
        raise GroupError(f"Gray's test needs at least two groups in {list(by_columns)}; found {k}")
    tests = _stratum_tests(prepared, rho)
    index = pd.Index(prepared.causes, name="cause")
    statistic = pd.Series([_statistic(s, v) for s, v in tests], index=index, name="statistic")
    for cause, value in statistic.items():
        if np.isnan(value):
            warnings.warn(
                f"Gray's test for cause {cause!r}: singular variance (no events of this cause "
                "in enough groups); statistic and p-value are NaN",
                SarcosurvWarning,
                stacklevel=2,
            )
    df = pd.Series(k - 1, index=index, name="df")
    p_value = pd.Series(special.chdtrc(k - 1, statistic.to_numpy()), index=index, name="p_value")
    groups = prepared.labels.copy()
    groups["n"] = np.bincount(prepared.group, minlength=k)
    for position, cause in enumerate(prepared.causes, start=1):
        groups[f"n_event_{cause}"] = np.bincount(
            prepared.group, weights=prepared.code == position, minlength=k
        ).astype(np.int64)
    return GrayTestResult(
        statistic=statistic,
        df=df,
        p_value=p_value,
        groups=groups,
        by=by_columns,
        strata=strata_columns,
        rho=rho,
        excluded=prepared.excluded,
    )
