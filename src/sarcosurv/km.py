"""Kaplan–Meier estimator: right-censored and left-truncated data, case weights, groups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._grouping import exclusions, group_codes
from ._inputs import dask_backend, grouping_frame, is_dask_frame, merge_plan, response
from ._km_core import CONF_TYPES, confidence_band, kaplan_meier_curve, normal_quantile
from ._km_groups import general_quantiles, landmarks_by_group, quantiles_by_group
from ._km_monotone import monotone_quantiles
from ._km_quantile import FLAT_TOLERANCE, curve_quantile, symmetric_interval
from ._km_rmst import restricted_mean
from .counting import RiskTable, tabulate_blocks
from .counting.linalg import power_of_two_scale
from .errors import EmptyDataError, SarcosurvError
from .surv import Surv

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Array-level quantile kernels (the general search and the fast path for monotone
# curves) are exported beside the front ends for callers with their own curves.
__all__ = [
    "FLAT_TOLERANCE",
    "KaplanMeierResult",
    "check_options",
    "curves_result",
    "general_quantiles",
    "kaplan_meier",
    "kaplan_meier_surv",
    "monotone_quantiles",
]

FloatArray = npt.NDArray[np.float64]
QuantileMethod = Literal["brookmeyer-crowley", "symmetric"]
_QUANTILE_METHODS = ("brookmeyer-crowley", "symmetric")
_CURVE_COLUMNS = ["time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"]


@dataclass(frozen=True, eq=False)
class KaplanMeierResult:
    """Kaplan–Meier survival curves, one per group.

    Attributes
    ----------
    table : pandas.DataFrame
        ``[group, <by columns>,] time, n_risk, n_event, n_censor, survival,
        std_err, lower, upper``: one row per distinct observed time of each
        group. ``std_err`` is Greenwood's standard error of the survival
        (R ``survfit`` reports it for ``log S``; here ``SE(S) = S · SE(log S)``),
        ``lower``/``upper`` the pointwise limits for ``conf_type``. Counts are
        sums of case weights when weights are given.
    groups : pandas.DataFrame
        One row per group: ``group`` (the value for one ``by`` column,
        ``"a=1, b=x"`` for several), the ``by`` columns, ``n`` (rows) and
        ``n_event`` (events, weighted).
    conf_type, conf_level : str, float
        The confidence band of ``table``, also used by :meth:`median`.
    by : tuple of str
        Grouping columns (empty for one curve).
    excluded : pandas.DataFrame
        Rows left out on purpose: ``row`` (index label), ``patient_id`` when the
        data have one, ``reason`` (a missing value in a ``by`` column).
    offsets : tuple of int
        Group ``i`` occupies rows ``offsets[i]:offsets[i + 1]`` of :attr:`table`.
    late_entry : bool
        Whether the data had entry times (left truncation).
    """

    table: pd.DataFrame
    groups: pd.DataFrame
    conf_type: str
    conf_level: float
    by: tuple[str, ...]
    excluded: pd.DataFrame
    offsets: tuple[int, ...] = field(repr=False)
    late_entry: bool = field(default=False, repr=False)

    @property
    def n_excluded(self) -> int:
        """Number of rows left out (see :attr:`excluded`)."""
        return len(self.excluded)

    def _curve(self, index: int) -> dict[str, FloatArray]:
        rows = self.table.iloc[self.offsets[index] : self.offsets[index + 1]]
        return {c: rows[c].to_numpy(dtype=np.float64) for c in _CURVE_COLUMNS}

    def _with_groups(self, per_group: list[pd.DataFrame]) -> pd.DataFrame:
        frames = []
        for index, frame in enumerate(per_group):
            if self.by:
                for position, key in enumerate(_label_keys(self.by)):
                    frame.insert(position, key, [self.groups[key].iloc[index]] * len(frame))
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def survival_at(self, times: float | Sequence[float], *, extend: bool = False) -> pd.DataFrame:
        """Survival, its confidence limits and the number at risk at given times.

        Step-function semantics of R ``summary(survfit, times =)``: the values of
        the last table row at or before each time (1 before the first row), and
        ``n_risk`` as the number at risk at that time (that of the first row at or
        after it, 0 past the last observation). Past the last observed time of a
        group the survival is unknown: NaN, unless ``extend=True`` carries the last
        value forward (R's ``extend = TRUE``; R drops these times otherwise).
        Times are reported in increasing order, as R does.

        Returns
        -------
        pandas.DataFrame
            ``[group,] time, survival, lower, upper, n_risk, std_err``.
        """
        at = np.atleast_1d(np.asarray(times, dtype=np.float64))
        if np.isnan(at).any() or at.ndim != 1:
            raise SarcosurvError("times must be a number or a one-dimensional sequence of numbers")
        at = np.sort(at)
        names = ("time", "n_risk", "survival", "lower", "upper", "std_err")
        columns = {c: self.table[c].to_numpy(dtype=np.float64) for c in names}
        values = landmarks_by_group(columns, np.asarray(self.offsets), at, extend)
        order = ("time", "survival", "lower", "upper", "n_risk", "std_err")
        return self._labelled(pd.DataFrame({c: values[c] for c in order}), at.size)

    def _labelled(self, frame: pd.DataFrame, rows_per_group: int) -> pd.DataFrame:
        """Insert the group label columns in front of a group-major frame."""
        if self.by:
            for position, key in enumerate(_label_keys(self.by)):
                frame.insert(position, key, np.repeat(self.groups[key].to_numpy(), rows_per_group))
        return frame

    def quantile(
        self,
        p: float | Sequence[float],
        *,
        ci_method: QuantileMethod = "brookmeyer-crowley",
    ) -> pd.DataFrame:
        """Time by which a proportion ``p`` of the group has had the event.

        The ``p`` quantile is the first time the curve falls to ``1 - p`` or below
        (``quantile(0.5)`` is the median), with R ``quantile.survfit``'s midpoint
        rule where the curve equals ``1 - p`` over an interval. NaN where the
        curve does not fall that far.

        Parameters
        ----------
        p : float or sequence of float
            Cumulative event probabilities in (0, 1).
        ci_method : {"brookmeyer-crowley", "symmetric"}
            ``"brookmeyer-crowley"`` (default): Brookmeyer & Crowley (1982), the
            times at which the pointwise ``lower``/``upper`` band of ``conf_type``
            crosses ``1 - p``, computed as R ``quantile.survfit``.
            ``"symmetric"``: estimate ± z·SE with SE = Greenwood SE of S at the
            quantile divided by Collett's density estimate (the SPSS style; see
            :func:`sarcosurv._km_quantile.symmetric_interval`); adds ``std_err``.

        Returns
        -------
        pandas.DataFrame
            ``[group,] quantile, lower, upper`` (plus ``p`` first when several
            probabilities are asked for, ``std_err`` for the symmetric method).
        """
        if ci_method not in _QUANTILE_METHODS:
            raise SarcosurvError(f"ci_method must be one of {_QUANTILE_METHODS}, not {ci_method!r}")
        probs = np.atleast_1d(np.asarray(p, dtype=np.float64))
        if probs.ndim != 1 or not np.all((probs > 0) & (probs < 1)):
            raise SarcosurvError(f"p must lie strictly between 0 and 1, got {p!r}")
        if ci_method == "symmetric":
            return self._symmetric_quantiles(p, probs)
        offsets = np.asarray(self.offsets)
        times = self.table["time"].to_numpy(dtype=np.float64)
        # The lower band reaches 1 - p first, so it gives the lower limit.
        found = {
            name: np.column_stack(
                [
                    quantiles_by_group(
                        times, self.table[column].to_numpy(dtype=np.float64), offsets, float(q)
                    )
                    for q in probs
                ]
            ).ravel()
            for name, column in (("quantile", "survival"), ("lower", "lower"), ("upper", "upper"))
        }
        frame = pd.DataFrame({"p": np.tile(probs, len(self.groups)), **found})
        if np.ndim(p) == 0:
            frame = frame.drop(columns="p")
        return self._labelled(frame, probs.size)

    def _symmetric_quantiles(self, p: float | Sequence[float], probs: FloatArray) -> pd.DataFrame:
        z = normal_quantile(self.conf_level)
        frames = []
        for index in range(len(self.groups)):
            curve = self._curve(index)
            rows = [_quantile_row(curve, float(q), "symmetric", z) for q in probs]
            frame = pd.DataFrame(rows)
            if np.ndim(p) == 0:
                frame = frame.drop(columns="p")
            frames.append(frame)
        return self._with_groups(frames)

    def median(self, *, ci_method: QuantileMethod = "brookmeyer-crowley") -> pd.DataFrame:
        """Median survival time per group with its confidence interval.

        See :meth:`quantile`; returns ``[group,] median, lower, upper``.
        """
        return self.quantile(0.5, ci_method=ci_method).rename(columns={"quantile": "median"})

    def rmst(self, tau: float | Sequence[float]) -> pd.DataFrame:
        """Restricted mean survival time up to ``tau`` per group, with SE and CI.

        ``∫_0^τ S(t) dt`` under the curve, variance
        ``sum_{t_j <= τ} A_j^2 d_j / (n_j (n_j - d_j))`` (``A_j``: the area
        from ``t_j`` to ``τ``), as R ``print(survfit, rmean = τ)``; see
        :func:`sarcosurv.rmst.rmst`. Returns ``[group,] tau, rmst, std_err,
        lower, upper``.

        Examples
        --------
        >>> import pandas as pd, sarcosurv as ss
        >>> km = ss.kaplan_meier(pd.DataFrame({"t": [1, 2, 3], "e": [1, 1, 1]}), "t", "e")
        >>> float(km.rmst(3)["rmst"].iloc[0])
        2.0
        """
        return restricted_mean(self, tau)

    def summary(self) -> pd.DataFrame:
        """Per group: rows, events and the median with its Brookmeyer–Crowley interval."""
        medians = self.median()
        out = self.groups.copy()
        for column in ("median", "lower", "upper"):
            out[column] = medians[column].to_numpy()
        return out

    def to_frame(self) -> pd.DataFrame:
        """The curve table (a copy of :attr:`table`)."""
        return self.table.copy()

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Plot the curves; see :func:`sarcosurv.report.plots.plot_kaplan_meier`."""
        from .report.plots import plot_kaplan_meier

        return plot_kaplan_meier(self, ax, **kwargs)

    def __repr__(self) -> str:
        n = int(self.groups["n"].sum())
        events = self.groups["n_event"].sum()
        shown = int(events) if float(events).is_integer() else f"{float(events):g}"
        excluded = f" excluded={self.n_excluded}" if self.n_excluded else ""
        return f"<KaplanMeierResult groups={len(self.groups)} n={n} events={shown}{excluded}>"

    def _repr_html_(self) -> str:
        return f"<p>{escape(str(self).splitlines()[0])}</p>" + self.summary().to_html(index=False)

    def __str__(self) -> str:
        level = f"{100 * self.conf_level:g}%"
        head = (
            f"Kaplan–Meier estimate ({self.conf_type} {level} intervals"
            f"{'; by ' + ', '.join(self.by) if self.by else ''})"
        )
        note = f"\n{self.n_excluded} row(s) excluded (see .excluded)" if self.n_excluded else ""
        return f"{head}\n{self.summary().to_string(index=False)}{note}"


#: Result column names a by column must not shadow in the label columns.
_RESERVED = frozenset([*_CURVE_COLUMNS, "group", "p", "quantile", "median", "n", "n_event", "time"])


def _label_keys(by: tuple[str, ...]) -> list[str]:
    """Label columns of a grouped frame: ``group``, plus the by columns when there are several."""
    if len(by) == 1:
        return ["group"]
    return ["group", *(c for c in by if c not in _RESERVED)]


def _quantile_row(
    curve: dict[str, FloatArray], p: float, method: str, z: float
) -> dict[str, float]:
    times = curve["time"]
    estimate = curve_quantile(times, curve["survival"], p)
    if method == "symmetric":
        se, lower, upper = symmetric_interval(
            times, curve["survival"], curve["std_err"], curve["n_event"], estimate, p, z
        )
        return {"p": p, "quantile": estimate, "lower": lower, "upper": upper, "std_err": se}
    # The lower band reaches 1 - p first, so it gives the lower limit.
    lower = curve_quantile(times, curve["lower"], p)
    upper = curve_quantile(times, curve["upper"], p)
    return {"p": p, "quantile": estimate, "lower": lower, "upper": upper}


def kaplan_meier(
    data: pd.DataFrame | None = None,
    time: str | npt.ArrayLike | None = None,
    event: str | npt.ArrayLike | None = None,
    by: str | Sequence[str] | npt.ArrayLike | pd.DataFrame | None = None,
    entry: str | npt.ArrayLike | None = None,
    weights: str | npt.ArrayLike | None = None,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    *,
    timefix: bool = True,
    time_unit: str | None = None,
) -> KaplanMeierResult:
    """Kaplan–Meier (product-limit) estimate of the survival function.

    ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)`` over the distinct event times
    ``t_j``, with ``d_j`` events among ``n_j`` at risk (Kaplan & Meier 1958).
    Greenwood's (1926) variance ``Var[log S] = sum d_j / (n_j (n_j - d_j))``
    gives ``std_err = S · sqrt(Var[log S])`` and the pointwise limits (see
    :func:`sarcosurv._km_core.confidence_band`). Agrees with R
    ``survfit(Surv(time, event) ~ by)`` (with ``robust = FALSE`` for non-integer
    weights, where R would switch to a robust variance).

    Parameters
    ----------
    data : pandas.DataFrame, optional
        The data; omit it to pass arrays (numpy arrays or Series) as ``time``,
        ``event``, ``by``, ``entry`` and ``weights``.
    time, event : str or array
        Follow-up time (finite, >= 0; durations need ``time_unit``) and event
        indicator (0/1 or boolean). Cause codes above 1 are refused with
        :class:`~sarcosurv.errors.CompetingRisksError`: with competing causes
        ``1 - KM`` overestimates the cumulative incidence.
    by : str or sequence of str, or array / Series / DataFrame without data
        Column(s) defining groups; one curve per combination present. Rows
        missing a ``by`` value are excluded and listed in ``result.excluded``.
    entry : str or array, optional
        Left-truncation (delayed entry) time, strictly before ``time``: a row is
        at risk at ``t`` when ``entry < t <= time`` (R ``Surv(entry, time, event)``).
    weights : str or array, optional
        Non-negative case weights: a weight of 2 counts as two identical rows.
    conf_type : {"log-log", "log", "plain", "arcsin"}
        Scale of the pointwise confidence limits (default log-log).
    conf_level : float
        Confidence level, default 0.95.
    timefix : bool
        Merge times equal up to floating-point rounding, as R does by default
        (:func:`sarcosurv.surv.aeq_times`).
    time_unit : {"days", "weeks", "months", "years"}, optional
        Unit of duration (``timedelta64``) time columns.

    Returns
    -------
    KaplanMeierResult

    Examples
    --------
    >>> import numpy as np, sarcosurv as ss
    >>> km = ss.kaplan_meier(time=np.array([3.0, 5.0, 5.0, 8.0]), event=np.array([1, 1, 0, 1]))
    >>> km.table["survival"].round(3).tolist()
    [0.75, 0.5, 0.0]
    """
    if is_dask_frame(data):
        return dask_backend("kaplan_meier")(  # type: ignore[no-any-return]
            data, time, event, by, entry, weights, conf_type, conf_level,
            timefix=timefix, time_unit=time_unit,
        )  # fmt: skip
    check_options(conf_type, conf_level)
    surv, frame, names = response(
        data,
        time,
        event,
        entry=entry,
        weights=weights,
        groupings={"by": by},
        timefix=False,  # merged after the exclusions (_fit)
        time_unit=time_unit,
    )
    return _fit(surv, frame, names["by"], conf_type, conf_level, timefix)


def kaplan_meier_surv(
    surv: Surv,
    by: npt.ArrayLike | pd.Series | pd.DataFrame | None = None,
    *,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
) -> KaplanMeierResult:
    """Kaplan–Meier curves of a parsed response (the array-level estimator).

    :func:`kaplan_meier` builds a :class:`~sarcosurv.surv.Surv` and calls this;
    the estimator, variance and bands are those documented there.

    Parameters
    ----------
    surv : Surv
        The response (one event type).
    by : array, Series or DataFrame, optional
        Group values, one per row of ``surv``; a DataFrame for several columns.
    conf_type, conf_level
        As for :func:`kaplan_meier`.

    Examples
    --------
    >>> import numpy as np, sarcosurv as ss
    >>> from sarcosurv.km import kaplan_meier_surv
    >>> surv = ss.Surv.from_arrays(np.array([3.0, 5.0, 8.0]), np.array([1, 0, 1]))
    >>> kaplan_meier_surv(surv, by=np.array(["a", "b", "a"]))
    <KaplanMeierResult groups=2 n=3 events=2>
    """
    check_options(conf_type, conf_level)
    frame = grouping_frame(by, "by", surv)
    return _fit(surv, frame, tuple(str(c) for c in frame.columns), conf_type, conf_level)


def check_options(conf_type: str, conf_level: float) -> None:
    if conf_type not in CONF_TYPES:
        raise SarcosurvError(f"conf_type must be one of {CONF_TYPES}, not {conf_type!r}")
    if not 0.0 < conf_level < 1.0:
        raise SarcosurvError(f"conf_level must lie strictly between 0 and 1, not {conf_level!r}")


def _fit(
    surv: Surv,
    frame: pd.DataFrame,
    by_columns: tuple[str, ...],
    conf_type: str,
    conf_level: float,
    timefix: bool = False,
) -> KaplanMeierResult:
    """Group codes, exclusions, counting and assembly for one response.

    ``timefix``: the response is not merged yet (:func:`~sarcosurv._inputs.merge_plan`).
    """
    surv.require_single_event("the Kaplan–Meier estimator")
    if len(frame) != surv.n:
        frame = frame.iloc[surv.rows]
    grouping = group_codes(frame, by_columns)
    excluded = exclusions(frame, by_columns, "by")
    codes = grouping.codes
    if len(excluded):
        keep = codes >= 0
        if not keep.any():
            raise EmptyDataError(f"every row has a missing value in the by column(s) {by_columns}")
        surv, codes = surv.subset(keep, excluded), codes[keep]
    if surv.n_excluded:
        excluded = surv.excluded
    surv, merge_sorted = merge_plan(surv, timefix, grouping.n_groups == 1)
    if surv.weights is not None:
        _require_weight(surv.weights, codes, grouping.labels["group"])
    # Weights of 1e308 or 1e-320: count in units of a power of two near the largest.
    scale = 1.0 if surv.weights is None else float(power_of_two_scale(surv.weights.max())[()])
    blocks = tabulate_blocks(
        surv.time,
        surv.event,
        cell=codes,
        n_cells=grouping.n_groups,
        weights=None if surv.weights is None else surv.weights / scale,
        entry=surv.entry,
        coded=surv.time_codes(),
        merge_sorted=merge_sorted,
    )
    return curves_result(
        blocks,
        grouping.labels,
        by_columns,
        (conf_type, conf_level),
        weighted=surv.weights is not None,
        scale=scale,
        excluded=excluded,
        late_entry=surv.entry is not None,
    )


def curves_result(
    blocks: list[RiskTable],
    labels: pd.DataFrame,
    by: tuple[str, ...],
    conf: tuple[str, float],
    *,
    weighted: bool,
    scale: float,
    excluded: pd.DataFrame,
    late_entry: bool,
) -> KaplanMeierResult:
    """The Kaplan–Meier result from per-group risk tables of the counting layer.

    The one assembly of curves, bands and group counts, shared by the in-memory
    and the Dask front ends; ``scale`` is the unit the weights were counted in.
    """
    table, groups, offsets = _assemble(blocks, labels, by, conf, weighted, scale)
    return KaplanMeierResult(
        table=table,
        groups=groups,
        conf_type=conf[0],
        conf_level=conf[1],
        by=by,
        excluded=excluded,
        offsets=offsets,
        late_entry=late_entry,
    )


def _require_weight(weights: FloatArray, codes: npt.NDArray[np.intp], labels: pd.Series) -> None:
    """Every group needs some positive case weight (as ``coxph``'s events of weight 0)."""
    total = np.bincount(codes, weights=weights, minlength=len(labels))
    empty = np.flatnonzero(total <= 0)
    if empty.size:
        which = "every row has" if len(labels) == 1 else f"group {labels.iloc[empty[0]]}:"
        raise EmptyDataError(
            f"{which} case weight 0 ({empty.size} group(s) without weight): "
            "nothing to estimate; drop the rows or give them positive weights"
        )


_COUNTS = ("n_risk", "n_event", "n_exit")


def _assemble(
    blocks: list[RiskTable],
    labels: pd.DataFrame,
    by: tuple[str, ...],
    conf: tuple[str, float],
    weighted: bool,
    scale: float,
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[int, ...]]:
    """The curve table of every group, the per-group counts and the table offsets.

    The blocks count weights divided by ``scale``; counts are reported in the
    weights' own units.
    """
    conf_type, z = conf[0], normal_quantile(conf[1])
    sizes = np.array([b.times.size for b in blocks], dtype=np.intp)
    if len(blocks) == 1:
        b = blocks[0]
        columns = _curve_columns(
            b.times, b.n_risk[0], b.n_event[0], b.n_exit[0], conf_type, z, scale
        )
    elif sizes.size * int(sizes.max()) <= max(4 * int(sizes.sum()), 1 << 20):
        # All curves at once (segmented accumulation): no Python loop over groups.
        risk, event, exit_ = (np.concatenate([getattr(b, f)[0] for b in blocks]) for f in _COUNTS)
        times = np.concatenate([b.times for b in blocks])
        columns = _curve_columns(times, risk, event, exit_, conf_type, z, scale, sizes)
    else:  # very unequal groups: padding would cost more than a loop
        frames = [
            _curve_columns(b.times, b.n_risk[0], b.n_event[0], b.n_exit[0], conf_type, z, scale)
            for b in blocks
        ]
        columns = {c: np.concatenate([f[c] for f in frames]) for c in _CURVE_COLUMNS}
    # copy=False: each column is one block as computed (no stacking and re-sorting copies).
    table = pd.DataFrame(_counts_as_integers(columns) if not weighted else columns, copy=False)
    groups = labels.copy()
    groups["n"] = [int(b.n_rows.sum()) for b in blocks]
    with np.errstate(over="ignore"):
        groups["n_event"] = [float(b.n_event.sum()) * scale for b in blocks]
    if not weighted:
        groups["n_event"] = np.rint(groups["n_event"].to_numpy()).astype(np.int64)
    if by:
        for position, key in enumerate(_label_keys(by)):
            table.insert(position, key, np.repeat(groups[key].to_numpy(dtype=object), sizes))
    else:
        groups = groups.drop(columns="group")
    offsets = tuple(int(x) for x in np.concatenate(([0], np.cumsum(sizes))))
    return table, groups, offsets


def _counts_as_integers(columns: dict[str, FloatArray]) -> dict[str, npt.NDArray[Any]]:
    """Plain (unweighted) counts read better as integers.

    Unweighted counts are whole numbers held exactly in float64, so the cast
    needs no rounding first.
    """
    out: dict[str, npt.NDArray[Any]] = dict(columns)
    for column in ("n_risk", "n_event", "n_censor"):
        out[column] = columns[column].astype(np.int64)
    return out


def _curve_columns(
    times: FloatArray,
    n_risk: FloatArray,
    n_event: FloatArray,
    n_exit: FloatArray,
    conf_type: str,
    z: float,
    scale: float = 1.0,
    sizes: npt.NDArray[np.intp] | None = None,
) -> dict[str, FloatArray]:
    """Curves from counts in units of ``scale`` (Greenwood's sum is divided by it).

    One curve, or with ``sizes`` several one after the other.
    """
    survival, var_log = kaplan_meier_curve(n_risk, n_event, sizes)
    se_log = np.sqrt(var_log, out=var_log)
    if scale != 1.0:  # x * 1.0 and x / 1.0 are x: skip the copies
        with np.errstate(over="ignore"):
            se_log /= np.sqrt(scale)
            n_risk, n_event, n_exit = n_risk * scale, n_event * scale, n_exit * scale
    with np.errstate(invalid="ignore"):
        std_err = survival * se_log  # 0 · inf is NaN once every row at risk has died, as in R
    lower, upper = confidence_band(survival, se_log, conf_type, z)
    return {
        "time": times,
        "n_risk": n_risk,
        "n_event": n_event,
        "n_censor": n_exit - n_event,
        "survival": survival,
        "std_err": std_err,
        "lower": lower,
        "upper": upper,
    }
