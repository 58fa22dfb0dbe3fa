"""Cumulative incidence of competing events: the Aalen–Johansen estimator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._km_core import CONF_TYPES, confidence_band, normal_quantile
from .._validate import as_pandas
from ..errors import SarcosurvError
from ._aalen_johansen import Curves, Units, aalen_johansen, ij_variance
from ._counting import CauseCounts, counts
from ._data import CompetingData, prepare

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CumulativeIncidenceResult", "cumulative_incidence"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
_VALUES = ["n_risk", "n_event", "cif", "std_err", "lower", "upper"]


@dataclass(frozen=True, eq=False)
class CumulativeIncidenceResult:
    """Cumulative incidence functions, one per cause and group.

    Attributes
    ----------
    table : pandas.DataFrame
        ``[group, <by columns>,] cause, time, n_risk, n_event, cif, std_err,
        lower, upper``: one row per group × cause × distinct observed time of
        the group. ``n_event`` counts events of that cause; ``std_err`` is the
        infinitesimal-jackknife standard error of R ``survfit``.
    groups : pandas.DataFrame
        Per group: ``[group, <by columns>,] n, n_event`` (events of any cause).
    causes : tuple
        Cause labels, in code order.
    conf_type, conf_level : str, float
    by : tuple of str
    excluded : pandas.DataFrame
        Rows left out (missing event or ``by`` value): ``row, [patient_id,] reason``.
    """

    table: pd.DataFrame
    groups: pd.DataFrame
    causes: tuple[object, ...]
    conf_type: str
    conf_level: float
    by: tuple[str, ...]
    excluded: pd.DataFrame

    @property
    def n_excluded(self) -> int:
        """Number of rows left out (see :attr:`excluded`)."""
        return len(self.excluded)

    def _keys(self) -> list[str]:
        return [c for c in self.table.columns if c not in ("cause", "time", *_VALUES)]

    def at(self, times: float | Sequence[float]) -> pd.DataFrame:
        """Cumulative incidence at given times (step function, as R ``summary(survfit, times=)``).

        Returns ``[group,] time, cause, cif, std_err, lower, upper, n_risk``:
        the last estimate at or before each time (0 before the first), and
        the number at risk at that time (0 past the last observation). Times
        past a group's last observation give NaN.
        """
        at = np.sort(np.atleast_1d(np.asarray(times, dtype=np.float64)))
        if at.ndim != 1 or np.isnan(at).any():
            raise SarcosurvError("times must be a number or a one-dimensional sequence of numbers")
        keys = self._keys()
        frames = []
        for key, rows in self.table.groupby([*keys, "cause"], sort=False, dropna=False):
            frame = _landmarks(rows, at)
            labels = key if isinstance(key, tuple) else (key,)
            for position, name in enumerate([*keys, "cause"]):
                frame.insert(position, name, [labels[position]] * len(frame))
            frames.append(frame)
        out = pd.concat(frames, ignore_index=True)
        order = [*keys, "time", "cause", "cif", "std_err", "lower", "upper", "n_risk"]
        return out[order]

    def to_frame(self) -> pd.DataFrame:
        """The curve table (a copy of :attr:`table`)."""
        return self.table.copy()

    def summary(self) -> pd.DataFrame:
        """Per group and cause: rows, events and the final cumulative incidence."""
        last = self.table.groupby([*self._keys(), "cause"], sort=False, dropna=False).agg(
            n_event=("n_event", "sum"), time=("time", "max"), cif=("cif", "last")
        )
        return last.reset_index()

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Plot the curves; see :func:`sarcosurv.competing.plot.plot_cumulative_incidence`."""
        from .plot import plot_cumulative_incidence

        return plot_cumulative_incidence(self, ax, **kwargs)

    def __repr__(self) -> str:
        n = int(self.groups["n"].sum())
        return (
            f"<CumulativeIncidenceResult n={n} causes={len(self.causes)} groups={len(self.groups)}>"
        )

    def __str__(self) -> str:
        level = f"{100 * self.conf_level:g}%"
        head = (
            f"Cumulative incidence (Aalen–Johansen; {self.conf_type} {level} intervals"
            f"{'; by ' + ', '.join(self.by) if self.by else ''})"
        )
        note = f"\n{self.n_excluded} row(s) excluded (see .excluded)" if self.n_excluded else ""
        return f"{head}\n{self.summary().to_string(index=False)}{note}"

    def _repr_html_(self) -> str:
        return str(self.summary().to_html(index=False))


def _landmarks(rows: pd.DataFrame, at: FloatArray) -> pd.DataFrame:
    times = rows["time"].to_numpy(dtype=np.float64)
    last = np.searchsorted(times, at, side="right") - 1
    following = np.searchsorted(times, at, side="left")
    take = np.maximum(last, 0)
    out: dict[str, FloatArray] = {"time": at}
    for column in ("cif", "std_err", "lower", "upper"):
        values = rows[column].to_numpy(dtype=np.float64)[take]
        start = 0.0 if column in ("cif", "std_err") else np.nan
        values = np.where(last < 0, start, values)
        out[column] = np.where(at > times[-1], np.nan, values)
    out["n_risk"] = np.append(rows["n_risk"].to_numpy(dtype=np.float64), 0.0)[following]
    return pd.DataFrame(out)


def _units(prepared: CompetingData, table: CauseCounts) -> Units:
    """Rows grouped by (group, first at-risk time, exit time, code), with summed squared weights."""
    times = table.times
    if prepared.entry is None:
        squared = table.n_leave
        if prepared.weights is not None:
            squared = counts(
                prepared.time,
                prepared.code,
                len(prepared.causes),
                cell=prepared.group,
                n_cells=prepared.n_groups,
                weights=prepared.weights**2,
            ).n_leave
        cell, code, last = np.nonzero(squared)  # zero-weight rows add nothing
        first = np.zeros(cell.size, dtype=np.intp)
        return Units(cell, first, last, code, squared[cell, code, last].astype(np.float64))
    last = np.searchsorted(times, prepared.time).astype(np.intp)
    first = np.searchsorted(times, prepared.entry, side="right").astype(np.intp)
    w2 = np.ones(last.size) if prepared.weights is None else prepared.weights**2
    return Units(prepared.group, first, last, prepared.code, w2)


def _curve_table(
    prepared: CompetingData, table: CauseCounts, curves: Curves, units: Units, z: float, conf: str
) -> pd.DataFrame:
    """One row per group × cause × time at which the group has rows."""
    frames = []
    present = table.n_rows > 0  # (cells, m)
    for cause in range(1, len(prepared.causes) + 1):
        std_err = np.sqrt(ij_variance(curves, units, cause))
        cif = curves.cif[cause - 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            se_log = np.where(std_err == 0.0, 0.0, std_err / cif)
        lower, upper = confidence_band(cif, se_log, conf, z)
        cell, index = np.nonzero(present)
        frame = pd.DataFrame(
            {
                "cell": cell,
                "cause": [prepared.causes[cause - 1]] * cell.size,
                "time": table.times[index],
                "n_risk": table.n_risk[cell, index],
                "n_event": table.n_event[cause - 1, cell, index],
                "cif": cif[cell, index],
                "std_err": std_err[cell, index],
                "lower": lower[cell, index],
                "upper": upper[cell, index],
            }
        )
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["cell"], kind="stable").reset_index(drop=True)


def _finish(
    prepared: CompetingData, curve_table: pd.DataFrame, table: CauseCounts
) -> tuple[pd.DataFrame, pd.DataFrame]:
    groups = prepared.labels.copy()
    groups["n"] = table.n_rows.sum(axis=1)
    groups["n_event"] = table.n_leave[:, 1:, :].sum(axis=(1, 2))
    weighted = prepared.weights is not None
    if not weighted:
        for column in ("n_risk", "n_event"):
            curve_table[column] = np.rint(curve_table[column].to_numpy()).astype(np.int64)
        groups["n_event"] = np.rint(groups["n_event"].to_numpy()).astype(np.int64)
    cells = curve_table.pop("cell").to_numpy()
    if prepared.by:
        keys = ["group"] if len(prepared.by) == 1 else ["group", *prepared.by]
        for position, key in enumerate(keys):
            curve_table.insert(position, key, groups[key].to_numpy(dtype=object)[cells])
    else:
        groups = groups.drop(columns="group")
    return curve_table, groups


def cumulative_incidence(
    data: pd.DataFrame,
    time: str,
    event: str,
    by: str | Sequence[str] | None = None,
    entry: str | None = None,
    weights: str | None = None,
    censored: object = None,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    *,
    causes: Sequence[object] | None = None,
) -> CumulativeIncidenceResult:
    """Aalen–Johansen estimate of the cumulative incidence of each competing cause.

    ``F_k(t) = sum_{t_j <= t} S(t_j-) d_kj / n_j``, with ``S`` the Kaplan–Meier
    estimate of remaining free of every cause, ``d_kj`` events of cause ``k``
    and ``n_j`` at risk (Aalen & Johansen 1978). Unlike ``1 - KM`` of one cause
    with the others censored, it does not treat a patient who died of another
    cause as if they could still relapse, so the incidences of all causes and
    ``S`` add up to 1. The standard error is the infinitesimal jackknife of R
    ``survfit(Surv(time, factor(event)) ~ by)``; the pointwise limits are
    those of ``survfit`` for multi-state data (``conf_type`` on the incidence).

    Parameters
    ----------
    data : pandas.DataFrame
    time : str
        Follow-up time (finite, >= 0).
    event : str
        0 = censored, 1, 2, ... = cause; or labels with ``censored=`` naming the
        censoring label. Rows with a missing event are excluded and listed.
    by : str or sequence of str, optional
        Grouping column(s); one set of curves per group.
    entry : str, optional
        Left-truncation time (at risk at ``t`` when ``entry < t <= time``).
    weights : str, optional
        Non-negative case weights.
    censored : object, optional
        The censoring label of a label-valued ``event`` column.
    conf_type : {"log-log", "log", "plain", "arcsin"}
    conf_level : float
    causes : sequence, optional
        The declared causes; other codes are an error, a declared cause with
        no event has an incidence of 0.

    Returns
    -------
    CumulativeIncidenceResult

    Examples
    --------
    >>> import pandas as pd
    >>> import sarcosurv as ss
    >>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5], "e": [1, 2, 0, 1, 2]})
    >>> ci = ss.cumulative_incidence(d, "t", "e")
    >>> ci.at(4)["cif"].round(3).tolist()
    [0.5, 0.2]
    """
    data = as_pandas(data)
    if conf_type not in CONF_TYPES:
        raise SarcosurvError(f"conf_type must be one of {CONF_TYPES}, not {conf_type!r}")
    if not 0.0 < conf_level < 1.0:
        raise SarcosurvError(f"conf_level must lie strictly between 0 and 1, not {conf_level!r}")
    prepared = prepare(data, time, event, by, entry, weights, censored, causes)
    table = _counts_of(prepared)
    curves = aalen_johansen(table.n_risk, table.n_event)
    units = _units(prepared, table)
    curve_table = _curve_table(
        prepared, table, curves, units, normal_quantile(conf_level), conf_type
    )
    curve_table, groups = _finish(prepared, curve_table, table)
    return CumulativeIncidenceResult(
        table=curve_table,
        groups=groups,
        causes=prepared.causes,
        conf_type=conf_type,
        conf_level=conf_level,
        by=prepared.by,
        excluded=prepared.excluded,
    )


def _counts_of(prepared: CompetingData) -> CauseCounts:
    return counts(
        prepared.time,
        prepared.code,
        len(prepared.causes),
        cell=prepared.group,
        n_cells=prepared.n_groups,
        weights=prepared.weights,
        entry=prepared.entry,
    )
