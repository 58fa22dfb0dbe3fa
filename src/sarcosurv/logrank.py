"""The log-rank family of k-sample tests: weighted, stratified, and the test for trend."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from ._grouping import Grouping, exclusions, group_codes
from ._inputs import dask_backend, grouping_frame, is_dask_frame, merge_plan, response
from ._results import TestResult
from .counting import RiskTable, tabulate_blocks
from .errors import EmptyDataError, GroupError, SarcosurvError
from .surv import Surv

__all__ = ["LogrankResult", "logrank_test", "logrank_test_surv"]

FloatArray = npt.NDArray[np.float64]
Weights = str | tuple[str, float, float]
_NAMED_WEIGHTS = ("logrank", "wilcoxon", "tarone-ware", "peto")

#: Eigenvalues of the variance below this fraction of the largest count as zero.
_RANK_TOLERANCE = 1e-10
#: Memory allowed for the k x k variance and the k x (event times) count tables.
_MAX_BYTES = 2 * 1024**3


@dataclass(frozen=True, eq=False)
class LogrankResult:
    """Result of :func:`logrank_test`.

    Attributes
    ----------
    statistic, df, p_value : float
        Chi-square statistic ``U' V^- U`` (``(c'U)^2 / c'Vc`` for the trend test),
        its degrees of freedom (the rank of ``V``; 1 for trend) and p-value.
    observed, expected : pandas.Series
        Per group, ``sum_t w(t) d_j(t)`` and ``sum_t w(t) n_j(t) D(t) / N(t)``
        summed over strata, as R ``survdiff`` reports them: plain event counts and
        expected counts for the log-rank weights, weighted sums otherwise.
    variance : pandas.DataFrame
        Variance matrix ``V`` of ``observed - expected`` (groups × groups).
    n, n_event : pandas.Series
        Rows and (unweighted) events per group.
    weights : str
        The weighting, e.g. ``"logrank"`` or ``"fleming-harrington(1, 0)"``.
    trend : bool
        Whether this is the one-degree-of-freedom test for trend.
    scores : pandas.Series or None
        Group scores of the trend test.
    strata : tuple of str
        Stratification columns.
    excluded : pandas.DataFrame
        Rows left out on purpose (missing group or stratum): ``row``,
        ``patient_id`` when present, ``reason``.
    """

    statistic: float
    df: float
    p_value: float
    observed: pd.Series
    expected: pd.Series
    variance: pd.DataFrame
    n: pd.Series
    n_event: pd.Series
    weights: str
    trend: bool
    scores: pd.Series | None
    strata: tuple[str, ...]
    excluded: pd.DataFrame

    @property
    def n_excluded(self) -> int:
        """Number of rows left out (see :attr:`excluded`)."""
        return len(self.excluded)

    @property
    def test(self) -> TestResult:
        """The statistic, df and p-value as a :class:`~sarcosurv._results.TestResult`."""
        kind = "trend" if self.trend else "k-sample"
        return TestResult(self.statistic, self.df, self.p_value, f"{self.weights} ({kind})")

    def summary(self) -> pd.DataFrame:
        """Per group: n, n_event, observed, expected, (O - E)^2 / E."""
        out = pd.DataFrame(
            {
                "n": self.n,
                "n_event": self.n_event,
                "observed": self.observed,
                "expected": self.expected,
            }
        )
        out["(O-E)^2/E"] = (out["observed"] - out["expected"]) ** 2 / out["expected"]
        if self.scores is not None:
            out["score"] = self.scores
        out.index.name = "group"
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row: test, statistic, df, p_value."""
        return self.test.to_frame()

    def __repr__(self) -> str:
        return (
            f"<LogrankResult groups={len(self.observed)} n={int(self.n.sum())} "
            f"events={int(self.n_event.sum())} statistic={self.statistic:.4g} df={self.df:g} "
            f"p={self.p_value:.3g}>"
        )

    def _repr_html_(self) -> str:
        lines = str(self).splitlines()
        head = f"<p>{escape(lines[0])}<br>{escape(lines[-1 - bool(self.n_excluded)])}</p>"
        return head + self.summary().to_html(float_format=lambda x: f"{x:.4g}")

    def __str__(self) -> str:
        strata = f", stratified by {', '.join(self.strata)}" if self.strata else ""
        kind = "test for trend" if self.trend else "test"
        lines = [
            f"{self.weights} {kind}{strata}",
            self.summary().to_string(float_format=lambda x: f"{x:.4g}"),
            f"chi-square = {self.statistic:.4g} on {self.df:g} df, p = {self.p_value:.4g}",
        ]
        if self.n_excluded:
            lines.append(f"{self.n_excluded} row(s) excluded (see .excluded)")
        return "\n".join(lines)


def _parse_weights(weights: Weights) -> tuple[str, float, float]:
    """Kind, rho, gamma of a weighting argument."""
    if isinstance(weights, str):
        if weights not in _NAMED_WEIGHTS:
            raise SarcosurvError(
                f"weighting (weights) must be one of {_NAMED_WEIGHTS} or "
                f"('fleming-harrington', rho, gamma), not {weights!r}"
            )
        return weights, 1.0 if weights == "peto" else 0.0, 0.0
    if (
        isinstance(weights, tuple)
        and len(weights) == 3
        and weights[0] == "fleming-harrington"
        and all(isinstance(x, int | float) and x >= 0 for x in weights[1:])
    ):
        return "fleming-harrington", float(weights[1]), float(weights[2])
    raise SarcosurvError(
        f"weighting (weights) must be one of {_NAMED_WEIGHTS} or "
        f"('fleming-harrington', rho, gamma) with rho, gamma >= 0, not {weights!r}"
    )


def _time_weights(
    kind: str, rho: float, gamma: float, at_risk: FloatArray, deaths: FloatArray
) -> FloatArray:
    """w(t) at the event times of one stratum, from its pooled counts."""
    if kind == "logrank":
        return np.ones_like(at_risk)
    if kind == "wilcoxon":
        return at_risk.copy()
    if kind == "tarone-ware":
        return np.sqrt(at_risk)
    # Left-continuous pooled Kaplan–Meier S(t-), as survdiff's G-rho weights.
    after = np.cumprod(1.0 - deaths / at_risk)
    left = np.concatenate(([1.0], after[:-1]))
    out: FloatArray = left**rho * (1.0 - left) ** gamma
    return out


def _score_and_variance(
    at_risk: FloatArray, events: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`_score_and_variance_by_group` from event times × groups arrays."""
    return _score_and_variance_by_group(at_risk.T, events.T, w)


def _score_and_variance_by_group(
    at_risk: FloatArray, events: FloatArray, w: FloatArray, overwrite: bool = False
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Weighted observed, expected and variance of one stratum (groups × event times input).

    ``U_j = sum_t w (d_j - n_j D / N)`` and
    ``V = sum_t w^2 D (N - D) / (N - 1) [diag(n / N) - (n / N)(n / N)']``
    (Kalbfleisch & Prentice 1980, §1.5 and §6.4; Fleming & Harrington 1991, §7.3).
    The arrays are groups along axis 0 (contiguous rows), so every sum over the
    times is a matrix–vector or matrix–matrix product. With ``overwrite`` the
    input arrays are reused as work space (no new full-size temporaries).
    """
    total_risk = at_risk.sum(axis=0)
    total_events = events.sum(axis=0)
    share = np.divide(at_risk, total_risk, out=at_risk if overwrite else None)
    observed = events @ w
    expected = share @ (w * total_events)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(
            total_risk > 1,
            w**2 * total_events * (total_risk - total_events) / (total_risk - 1.0),
            0.0,
        )
    weighted = np.multiply(share, factor, out=events if overwrite else None)
    variance = np.diag(share @ factor) - weighted @ share.T
    return observed, expected, variance


def _accumulate(
    blocks: list[RiskTable], kind: str, rho: float, gamma: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Observed, expected and variance summed over strata (one table of k groups each)."""
    k = blocks[0].n_risk.shape[0]
    observed, expected = np.zeros(k), np.zeros(k)
    variance = np.zeros((k, k))
    for block in blocks:
        at_risk, events = block.n_risk, block.n_event
        deaths = events.sum(axis=0)
        has_event = deaths > 0
        copied = not has_event.all()  # tables of the event times alone need no selection
        if copied:
            # np.compress keeps rows contiguous (a boolean index would give column-major copies).
            at_risk = np.compress(has_event, at_risk, axis=1)
            events = np.compress(has_event, events, axis=1)
            deaths = deaths[has_event]
        w = (
            np.ones_like(deaths)  # _time_weights of the log-rank, without the pooled sum
            if kind == "logrank"
            else _time_weights(kind, rho, gamma, at_risk.sum(axis=0), deaths)
        )
        # Fresh copies (np.compress) serve as work space; the tables' own arrays are kept.
        o, e, var = _score_and_variance_by_group(at_risk, events, w, overwrite=copied)
        observed += o
        expected += e
        variance += var
    return observed, expected, variance


def _generalised_inverse(variance: FloatArray) -> tuple[FloatArray, int]:
    """Moore–Penrose inverse of a symmetric matrix and its rank (eigenvalue cut-off)."""
    values, vectors = np.linalg.eigh(variance)
    largest = float(np.abs(values).max()) if values.size else 0.0
    keep = values > _RANK_TOLERANCE * max(largest, np.finfo(np.float64).tiny)
    inverse = (vectors[:, keep] / values[keep]) @ vectors[:, keep].T
    return inverse, int(keep.sum())


def logrank_test(
    data: pd.DataFrame | None = None,
    time: str | npt.ArrayLike | None = None,
    event: str | npt.ArrayLike | None = None,
    by: str | Sequence[str] | npt.ArrayLike | pd.DataFrame | None = None,
    strata: str | Sequence[str] | npt.ArrayLike | pd.DataFrame | None = None,
    weighting: Weights = "logrank",
    trend: bool = False,
    *,
    scores: Sequence[float] | None = None,
    group: str | Sequence[str] | npt.ArrayLike | None = None,
    weights: Any = None,
    timefix: bool = True,
    time_unit: str | None = None,
) -> LogrankResult:
    """Compare survival between groups with a weighted log-rank test.

    At each distinct event time ``t`` of a stratum, with ``n_j`` at risk and
    ``d_j`` events in group ``j`` (``N``, ``D`` pooled), the test accumulates
    ``U_j = sum_t w(t) (d_j - n_j D / N)`` and its variance
    ``V = sum_t w(t)^2 D (N - D) / (N - 1) [diag(n / N) - (n / N)(n / N)']``
    over times and strata. The statistic is ``U' V^- U`` with a generalised
    (Moore–Penrose) inverse, on ``rank(V)`` degrees of freedom (``k - 1`` unless
    groups are degenerate). With ``trend=True`` it is ``(c'U)^2 / c'Vc`` on 1 df
    for group scores ``c`` (Collett 2003, §2.7).

    Parameters
    ----------
    data : pandas.DataFrame, optional
        The data; omit it to pass arrays (numpy arrays or Series) as ``time``,
        ``event``, ``by`` and ``strata``.
    time, event : str or array
        Follow-up time (finite, >= 0) and event indicator (0/1 or boolean).
    by : str or sequence of str, or array / Series / DataFrame without data
        The groups compared (at least two must be present). ``group=`` is the
        deprecated name of this argument.
    strata : str or sequence of str, or array without data, optional
        Column(s) defining strata: the test compares groups within strata and
        sums ``U`` and ``V`` over strata.
    weighting : str or tuple
        ``w(t)``: ``"logrank"`` (1, Mantel 1966), ``"wilcoxon"`` (Gehan–Breslow:
        ``N(t)``; Gehan 1965, Breslow 1970), ``"tarone-ware"`` (``sqrt(N(t))``;
        Tarone & Ware 1977), ``"peto"`` (Peto–Peto: ``S(t-)``, the left-continuous
        Kaplan–Meier of the pooled stratum, as R ``survdiff(rho = 1)``), or
        ``("fleming-harrington", rho, gamma)``: ``S(t-)^rho (1 - S(t-))^gamma``
        (Harrington & Fleming 1982).
    trend : bool
        Test for a trend over ordered groups instead of any difference.
    scores : sequence of float, optional
        Trend scores per group, in group order (category order for a
        Categorical, sorted values otherwise). Default: the group values when the
        group column is numeric, ``1, 2, ..., k`` otherwise.
    group : deprecated
        Old name of ``by`` (DeprecationWarning).
    weights : deprecated
        A weighting given as ``weights=`` is accepted with a DeprecationWarning:
        ``weights=`` means case weights in every function, and the log-rank
        test does not take case weights (R ``survdiff`` has none), so any other
        value is an error.
    timefix : bool
        Merge times equal up to rounding, as R ``survdiff`` does by default.
    time_unit : {"days", "weeks", "months", "years"}, optional
        Unit of duration (``timedelta64``) time columns.

    Returns
    -------
    LogrankResult

    Raises
    ------
    GroupError
        Fewer than two groups after excluding rows with a missing group or stratum,
        or no event time at which two groups are at risk (zero variance).

    Examples
    --------
    >>> import numpy as np, sarcosurv as ss
    >>> t = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> e = np.array([1, 1, 0, 1, 1, 0])
    >>> round(ss.logrank_test(time=t, event=e, by=np.array([0, 0, 0, 1, 1, 1])).statistic, 4)
    2.4694
    """
    by = _deprecated_group(by, group)
    kind, rho, gamma = _parse_weights(_deprecated_weights(weighting, weights))
    if by is None:
        raise SarcosurvError("by must name at least one column (the groups compared)")
    if is_dask_frame(data):
        return dask_backend("logrank_test")(  # type: ignore[no-any-return]
            data, time, event, by, strata, (kind, rho, gamma) if kind == "fleming-harrington"
            else kind, trend, scores=scores, timefix=timefix, time_unit=time_unit,
        )  # fmt: skip
    surv, frame, names = response(
        data,
        time,
        event,
        groupings={"by": by, "strata": strata},
        timefix=False,  # merged after the exclusions (_test)
        time_unit=time_unit,
    )
    if not names["by"]:
        raise SarcosurvError("by must name at least one column (the groups compared)")
    return _test(
        surv, frame, names["by"], names["strata"], (kind, rho, gamma), trend, scores, timefix
    )


def logrank_test_surv(
    surv: Surv,
    by: npt.ArrayLike | pd.Series | pd.DataFrame,
    strata: npt.ArrayLike | pd.Series | pd.DataFrame | None = None,
    weighting: Weights = "logrank",
    trend: bool = False,
    *,
    scores: Sequence[float] | None = None,
) -> LogrankResult:
    """The log-rank family on a parsed response (the array-level test).

    :func:`logrank_test` builds a :class:`~sarcosurv.surv.Surv` and calls
    this; statistic, weights and trend test are documented there. ``by`` and
    ``strata`` hold one value per row of ``surv``.

    Examples
    --------
    >>> import numpy as np, sarcosurv as ss
    >>> from sarcosurv.logrank import logrank_test_surv
    >>> surv = ss.Surv.from_arrays(np.arange(1.0, 7.0), np.array([1, 1, 0, 1, 1, 0]))
    >>> logrank_test_surv(surv, by=np.array([0, 0, 0, 1, 1, 1])).df
    1.0
    """
    by_frame = grouping_frame(by, "by", surv)
    strata_frame = grouping_frame(strata, "strata", surv)
    strata_names = tuple(str(c) for c in strata_frame.columns)
    frame = pd.concat([by_frame, strata_frame], axis=1)
    return _test(
        surv,
        frame,
        tuple(str(c) for c in by_frame.columns),
        strata_names,
        _parse_weights(weighting),
        trend,
        scores,
    )


def _deprecated_group(by: Any, group: Any) -> Any:
    if group is None:
        return by
    if by is not None:
        raise SarcosurvError("give the groups as by= only (group= is its deprecated name)")
    warnings.warn(
        "logrank_test(group=...) is deprecated; use by=", DeprecationWarning, stacklevel=3
    )
    return group


def _deprecated_weights(weighting: Weights, weights: Any) -> Weights:
    if weights is None:
        return weighting
    spec = (isinstance(weights, str) and weights in _NAMED_WEIGHTS) or (
        isinstance(weights, tuple) and len(weights) > 0 and weights[0] == "fleming-harrington"
    )
    if not spec:
        raise SarcosurvError(
            f"logrank_test does not take case weights (R survdiff has none): weights={weights!r}. "
            f"The test weighting is weighting=, one of {_NAMED_WEIGHTS} or "
            "('fleming-harrington', rho, gamma)"
        )
    if weighting != "logrank":
        raise SarcosurvError("give the test weighting as weighting= only (not also weights=)")
    warnings.warn(
        "logrank_test(weights=<weighting>) is deprecated; use weighting= "
        "(weights= means case weights in every function)",
        DeprecationWarning,
        stacklevel=3,
    )
    return cast(Weights, weights)


def _test(
    surv: Surv,
    frame: pd.DataFrame,
    group_columns: tuple[str, ...],
    strata_columns: tuple[str, ...],
    weighting: tuple[str, float, float],
    trend: bool,
    scores: Sequence[float] | None,
    timefix: bool = False,
) -> LogrankResult:
    """Codes, exclusions, counting and the statistic for one response.

    ``timefix``: the response is not merged yet (:func:`~sarcosurv._inputs.merge_plan`).
    """
    surv.require_single_event("the log-rank test")
    if surv.weights is not None:
        raise SarcosurvError("logrank_test does not take case weights (R survdiff has none)")
    surv, cell, groups, n_strata, excluded = _cells(surv, frame, group_columns, strata_columns)
    k = groups.n_groups
    surv, merge_sorted = merge_plan(surv, timefix, n_strata == 1)
    _check_size(k, n_strata, surv)
    # Only the event times enter the sums: the tables keep those columns alone.
    blocks = tabulate_blocks(
        surv.time,
        surv.event,
        cell=cell,
        n_cells=n_strata * k,
        block_size=k,
        coded=surv.time_codes(),
        at_events=True,
        merge_sorted=merge_sorted,
    )
    n = np.bincount(cell, minlength=n_strata * k).reshape(n_strata, k).sum(axis=0)
    return result_from_blocks(
        blocks,
        groups,
        frame,
        (group_columns, strata_columns),
        weighting,
        trend,
        scores,
        excluded,
        n=n,
    )


def result_from_blocks(
    blocks: list[RiskTable],
    groups: Grouping,
    frame: pd.DataFrame,
    columns: tuple[tuple[str, ...], tuple[str, ...]],
    weighting: tuple[str, float, float],
    trend: bool,
    scores: Sequence[float] | None,
    excluded: pd.DataFrame,
    n: npt.NDArray[np.intp] | None = None,
) -> LogrankResult:
    """The test from the risk tables of every stratum (``k`` groups each).

    ``frame`` only tells whether a single group column is numeric (trend
    scores); ``columns`` holds the group and the strata column names. ``n``
    (rows per group) is needed when the tables keep only the event times;
    otherwise it is the tables' row count.
    """
    kind, rho, gamma = weighting
    group_columns, strata_columns = columns
    labels = groups.labels["group"]
    observed, expected, variance = _accumulate(blocks, kind, rho, gamma)
    index = pd.Index(labels.tolist(), name="group")
    trend_scores = (
        pd.Series(
            _trend_scores(groups.labels, group_columns, frame, scores), index=index, name="score"
        )
        if trend
        else None
    )
    statistic, df = _statistic(observed - expected, variance, trend_scores)
    name = kind if kind != "fleming-harrington" else f"fleming-harrington({rho:g}, {gamma:g})"
    return LogrankResult(
        statistic=statistic,
        df=float(df),
        p_value=float(special.chdtrc(df, statistic)),
        observed=pd.Series(observed, index=index, name="observed"),
        expected=pd.Series(expected, index=index, name="expected"),
        variance=pd.DataFrame(variance, index=index, columns=index),
        n=pd.Series(
            (sum(b.n_rows.sum(axis=1) for b in blocks) if n is None else n).astype(np.int64),
            index=index,
            name="n",
        ),
        n_event=pd.Series(
            np.rint(sum(b.n_event.sum(axis=1) for b in blocks)).astype(np.int64),
            index=index,
            name="n_event",
        ),
        weights=name,
        trend=trend,
        scores=trend_scores,
        strata=strata_columns,
        excluded=excluded,
    )


def _cells(
    surv: Surv,
    frame: pd.DataFrame,
    group_columns: tuple[str, ...],
    strata_columns: tuple[str, ...],
) -> tuple[Surv, npt.NDArray[np.intp], Grouping, int, pd.DataFrame]:
    """Rows kept, their stratum × group cell, the groups, the number of strata, exclusions."""
    if len(frame) != surv.n:
        frame = frame.iloc[surv.rows]
    groups = group_codes(frame, group_columns)
    layers = group_codes(frame, strata_columns)
    excluded = pd.concat(
        [
            exclusions(frame, group_columns, "group"),
            exclusions(frame, strata_columns, "strata", already=groups.codes < 0),
        ],
        ignore_index=True,
    )
    labels = groups.labels["group"]
    k = groups.n_groups
    group_of_row = groups.codes
    cell = layers.codes * k + groups.codes if strata_columns else groups.codes
    if len(excluded):
        keep = (groups.codes >= 0) & (layers.codes >= 0)
        if not keep.any():
            raise EmptyDataError("every row has a missing group or stratum value")
        surv, cell, group_of_row = surv.subset(keep, excluded), cell[keep], group_of_row[keep]
    if surv.n_excluded:
        excluded = surv.excluded
    present = np.bincount(group_of_row, minlength=k) > 0
    if present.sum() < 2:
        raise GroupError(
            f"a log-rank test needs at least two groups; column(s) {list(group_columns)} "
            f"hold only {labels[present].tolist()!r} among the rows used"
        )
    if not surv.event.any():
        raise EmptyDataError("no events in the rows used; the log-rank test is undefined")
    return surv, cell, groups, layers.n_groups, excluded


def _check_size(k: int, n_strata: int, surv: Surv) -> None:
    """Refuse, before allocating, a test whose k x k variance or count tables would not fit.

    The k-sample statistic needs the dense k x k variance matrix and its
    generalised inverse (O(k^3)); each stratum's counts are k groups x its
    event times. ``_MAX_BYTES`` bounds both.
    """
    variance_bytes = 8 * k * k
    table_bytes = 0
    n_events = surv.n_event
    if 4 * 8 * k * n_events > _MAX_BYTES:  # only then count the distinct times
        distinct = np.unique(surv.time[surv.event > 0]).size
        table_bytes = 4 * 8 * k * min(distinct * n_strata, n_events)
    needed = max(variance_bytes, table_bytes)
    if needed > _MAX_BYTES:
        raise GroupError(
            f"a log-rank test of {k} groups would need about {needed / 1024**3:.0f} GiB "
            f"(a {k} x {k} variance matrix and {k}-column tables of the event times); "
            "compare fewer groups (e.g. merge small ones), or use a Cox model with the "
            "grouping as a frailty"
        )


def _statistic(
    score: FloatArray, variance: FloatArray, trend_scores: pd.Series | None
) -> tuple[float, int]:
    """``U' V^- U`` on rank(V) df, or ``(c'U)^2 / c'Vc`` on 1 df for the trend test."""
    if trend_scores is not None:
        c = trend_scores.to_numpy(dtype=np.float64)
        scaled_variance = float(c @ variance @ c)
        df = 1 if scaled_variance > _RANK_TOLERANCE * float(np.abs(variance).max()) else 0
        statistic = float((c @ score) ** 2 / scaled_variance) if df else 0.0
    else:
        inverse, df = _generalised_inverse(variance)
        statistic = float(score @ inverse @ score)
    if df == 0:
        raise GroupError(
            "the log-rank variance is zero: no event time has two or more groups at risk "
            "(within a stratum), so the groups cannot be compared"
        )
    return statistic, df


def _trend_scores(
    labels: pd.DataFrame,
    group_columns: tuple[str, ...],
    data: pd.DataFrame,
    scores: Sequence[float] | None,
) -> FloatArray:
    k = len(labels)
    if scores is not None:
        try:
            c = np.asarray(scores, dtype=np.float64)
        except (TypeError, ValueError):
            c = np.full(0, np.nan)
        if c.shape != (k,) or not np.isfinite(c).all():
            raise SarcosurvError(
                f"scores must be {k} finite numbers, one per group, got {scores!r}"
            )
        if np.ptp(c) == 0:
            raise GroupError(
                f"the trend scores are all equal ({c[0]:g}): a trend test needs scores that "
                "differ between groups"
            )
        return c
    if len(group_columns) == 1 and pd.api.types.is_numeric_dtype(data[group_columns[0]].dtype):
        return labels["group"].to_numpy(dtype=np.float64)
    return np.arange(1.0, k + 1.0)
