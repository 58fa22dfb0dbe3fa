"""The survival response: one parsed, validated set of times, event codes and weights.

Every estimator builds a :class:`Surv` once per call, from columns of a data
frame (:meth:`Surv.from_frame`) or from arrays (:meth:`Surv.from_arrays`). All
checks of the response live here, and every error names the column, the row
(index label, plus the patient id when the data carry a ``patient_id`` column)
and the value.

Times equal up to floating-point rounding are merged as R's ``aeqSurv`` does
(``timefix``, on by default in R ``survfit``, ``survdiff`` and ``coxph``); see
:func:`aeq_times`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .errors import (
    ColumnNotFoundError,
    CompetingRisksError,
    EmptyDataError,
    InvalidDataError,
    SarcosurvError,
    SarcosurvWarning,
    TimeTypeError,
)

__all__ = [
    "TIMEFIX_TOLERANCE",
    "TIME_UNITS",
    "Surv",
    "aeq_sorted_times",
    "aeq_times",
    "sorted_timefix",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: R's default tolerance of ``aeqSurv``: ``sqrt(.Machine$double.eps)``.
TIMEFIX_TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))
#: Days per unit for duration (``timedelta64``) time columns.
TIME_UNITS: dict[str, float] = {
    "days": 1.0,
    "weeks": 7.0,
    "months": 365.25 / 12.0,
    "years": 365.25,
}
_PATIENT_ID = "patient_id"


def aeq_times(*times: FloatArray, tolerance: float = TIMEFIX_TOLERANCE) -> tuple[FloatArray, ...]:
    """Merge times that are equal up to floating-point rounding (R's ``aeqSurv``).

    The distinct finite values ``y_1 < ... < y_m`` of all arrays together are
    compared with their neighbours: ``y_{i+1}`` is tied to ``y_i`` when
    ``y_{i+1} - y_i <= tol`` or ``(y_{i+1} - y_i) / mean(|y|) <= tol``, with the
    mean over the distinct values. A run of tied values (ties chain) becomes
    its first, smallest value, and every time is replaced by the value of its
    run (R ``findInterval`` on the run starts). This is exactly
    ``survival::aeqSurv`` (Therneau, R package survival >= 2.39), which
    ``survfit``, ``survdiff`` and ``coxph`` apply by default (``timefix = TRUE``).

    Parameters
    ----------
    *times : ndarray
        One or more arrays of times (e.g. entry and exit), pooled for the rule.
    tolerance : float
        ``sqrt(machine epsilon)`` by default, as in R; ``<= 0`` returns the input.

    Returns
    -------
    tuple of ndarray
        The arrays with tied times replaced (the inputs themselves when nothing
        is tied).

    Examples
    --------
    >>> from sarcosurv.surv import aeq_times
    >>> import numpy as np
    >>> aeq_times(np.array([0.1 + 0.2, 0.3, 1.0]))[0].tolist()
    [0.3, 0.3, 1.0]
    """
    if tolerance <= 0 or not times:
        return times
    pooled = times[0] if len(times) == 1 else np.concatenate(times)
    if pooled.size < 2 or _integers_far_apart(pooled, tolerance):
        return times
    finite = np.isfinite(pooled)
    distinct = np.unique(pooled if finite.all() else pooled[finite])
    if distinct.size < 2:
        return times
    gaps = np.diff(distinct)
    tied = (gaps <= tolerance) | (gaps / np.mean(np.abs(distinct)) <= tolerance)
    if not tied.any():
        return times
    cuts = distinct[np.concatenate(([True], ~tied))]
    run_start = cuts[np.concatenate(([0], np.cumsum(~tied)))]
    moved = np.flatnonzero(tied) + 1  # distinct values replaced by their run's start
    lookup = pd.Index(distinct[moved])
    return tuple(_to_run_start(t, lookup, run_start[moved]) for t in times)


def aeq_sorted_times(ordered: FloatArray, tolerance: float = TIMEFIX_TOLERANCE) -> FloatArray:
    """:func:`aeq_times` of one array whose values are sorted (finite, increasing).

    The same rule on the same distinct values (the first value of each run of
    equal ones), so the same gaps, the same mean and the same merged values,
    without a sort or a hash lookup: each value's run start is found by
    cumulative sums along the sorted array. Returns ``ordered`` itself when
    nothing is tied. Counting uses it on the sorted exit times of a response
    built without timefix (:func:`sarcosurv.counting.tabulate_blocks`,
    ``merge_sorted=``), where the per-row merge of :func:`aeq_times` would cost
    a hash lookup of every row.

    Examples
    --------
    >>> import numpy as np
    >>> from sarcosurv.surv import aeq_sorted_times
    >>> aeq_sorted_times(np.array([0.3, 0.1 + 0.2, 1.0])).tolist()
    [0.3, 0.3, 1.0]
    """
    if tolerance <= 0 or ordered.size < 2:
        return ordered
    new = np.empty(ordered.size, dtype=bool)  # the first row of each distinct value
    new[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    distinct = ordered[new]
    if distinct.size < 2:
        return ordered
    gaps = np.diff(distinct)
    # Sorted: no value is negative when the first is not, and abs() changes nothing.
    mean = np.mean(distinct if distinct[0] >= 0 else np.abs(distinct))
    tied = gaps <= tolerance
    with np.errstate(invalid="ignore", divide="ignore"):
        tied |= np.divide(gaps, mean, out=gaps) <= tolerance
    if not tied.any():
        return ordered
    starts_run = np.concatenate(([True], ~tied))  # per distinct value
    run_value = distinct[starts_run][np.cumsum(starts_run) - 1]
    out: FloatArray = run_value[np.cumsum(new) - 1]
    return out


def with_time_codes(surv: Surv, tolerance: float = TIMEFIX_TOLERANCE) -> Surv:
    """Apply the timefix merge to a response built with ``timefix=False``, sorting once.

    With case weights and mostly distinct times (not small whole numbers), one
    argsort gives both the merge of :func:`aeq_times` (the same values) and the
    sorted distinct merged times with every row's index into them, kept for
    weighted counting (:meth:`Surv.time_codes`), so counting need not sort
    again. Otherwise (no weights: counting sorts values, not indices; entry
    times, whole numbers, many ties) the merge is :func:`aeq_times` itself,
    whose value sort is cheaper than an index sort.
    """
    time = surv.time
    if (
        surv.weights is None
        or surv.entry is not None
        or not _mostly_distinct(time)
        or _integers_far_apart(time, tolerance)
    ):
        fixed, entry = _fix(
            time, surv.entry, _Rows(surv.labels, surv.patient_id), surv.columns, True
        )
        return replace(surv, time=fixed, entry=entry, timefix=True)
    fixed, grid, codes = sorted_timefix(time, tolerance)
    return replace(surv, time=fixed, timefix=True, coded_time=(fixed, grid, codes))


def _mostly_distinct(values: FloatArray, sample_size: int = 2048) -> bool:
    """Whether a regular sample of the values is more than half distinct."""
    sample = values[:: max(1, values.size // sample_size)]
    return bool(np.unique(sample).size > sample.size // 2)


def sorted_timefix(time: FloatArray, tolerance: float) -> tuple[FloatArray, FloatArray, IntArray]:
    """Merged times, sorted distinct merged times and row codes, from one argsort.

    The rule is :func:`aeq_times` on finite times: the step between sorted rows
    where the value changes is the gap between neighbouring distinct values, so
    the same gaps, the same mean and the same merged values.
    """
    order = np.argsort(time)
    ordered = time[order]
    step = np.diff(ordered)
    starts = np.empty(ordered.size, dtype=bool)  # first row of a distinct value, then of a run
    starts[:1] = True
    np.not_equal(step, 0.0, out=starts[1:])
    if tolerance > 0 and ordered.size > 1:
        distinct_mean = np.mean(np.abs(ordered[starts]))
        apart = step > tolerance
        with np.errstate(invalid="ignore", divide="ignore"):  # all times 0: mean 0
            apart &= np.divide(step, distinct_mean, out=step) > tolerance
        tied = starts[1:] & ~apart
        merged = bool(tied.any())
        starts[1:] &= apart
    else:
        merged = False
    sorted_codes = np.cumsum(starts) - 1
    grid = ordered[starts]
    codes = np.empty(time.size, dtype=np.intp)
    codes[order] = sorted_codes
    if not merged:
        return time, grid, codes
    fixed = np.empty_like(time)
    fixed[order] = grid[sorted_codes]
    return fixed, grid, codes


def _integers_far_apart(values: FloatArray, tolerance: float) -> bool:
    """Whole-number times below ``1 / tolerance`` in size can never be tied (gap >= 1)."""
    largest = float(np.max(np.abs(values)))
    if not np.isfinite(largest) or largest * tolerance >= 1.0 or largest >= 2.0**52:
        return False
    sample = values[:: max(1, values.size // 2048)]  # a fraction on any sampled row: not all whole
    if not (sample.astype(np.int64) == sample).all():
        return False
    return bool((values.astype(np.int64) == values).all())


def _to_run_start(values: FloatArray, moved: pd.Index, start: FloatArray) -> FloatArray:
    """Replace the values found in ``moved`` by their run start (a hash lookup, no sort)."""
    position = moved.get_indexer(pd.Index(values))
    hit = position >= 0
    out = values.copy()
    out[hit] = start[position[hit]]
    return out


@dataclass(frozen=True)
class _Rows:
    """Row labels (index labels), patient ids and the column names, for messages."""

    labels: pd.Index
    patient_id: npt.NDArray[Any] | None

    def describe(self, positions: IntArray) -> list[str]:
        labels = self.labels[positions]
        if self.patient_id is None:
            return [f"row {lab!r}" for lab in labels]
        ids = self.patient_id[positions]
        return [f"row {lab!r} (patient_id {pid!r})" for lab, pid in zip(labels, ids, strict=True)]

    def error(
        self, column: str, mask: BoolArray, problem: str, values: Any = None
    ) -> InvalidDataError:
        return _row_error(InvalidDataError, self, column, mask, problem, values)

    def take(self, keep: IntArray) -> _Rows:
        ids = None if self.patient_id is None else self.patient_id[keep]
        return _Rows(self.labels[keep], ids)


def _row_error(
    kind: type[InvalidDataError],
    rows: _Rows,
    column: str,
    mask: BoolArray,
    problem: str,
    values: Any = None,
) -> InvalidDataError:
    """An error of type ``kind`` for the rows where ``mask`` holds, naming their values."""
    positions = np.flatnonzero(mask)
    described = rows.describe(positions)
    if values is not None:
        shown = np.asarray(values)[positions]
        described = [f"{d}, value {v!r}" for d, v in zip(described, shown.tolist(), strict=True)]
    return kind(column, list(rows.labels[positions]), problem, row_descriptions=described)


@dataclass(frozen=True, eq=False)
class Surv:
    """A parsed and validated survival response (R's ``Surv``).

    Build it with :meth:`from_frame` or :meth:`from_arrays`; the constructor
    itself does no checking.

    Attributes
    ----------
    time : ndarray of float (n,)
        Exit (stop) times, finite and >= 0; after :func:`aeq_times` when
        ``timefix``.
    event : ndarray of int (n,)
        0 for censored, ``1..K`` for the cause of the event (K = 1 for an
        ordinary event indicator).
    entry : ndarray of float (n,) or None
        Entry (start, left-truncation) times, strictly before ``time``.
    weights : ndarray of float (n,) or None
        Non-negative case weights.
    labels : pandas.Index
        Row label of each row (the data's index, or the Series' index).
    patient_id : ndarray or None
        Patient id of each row, when the data have a ``patient_id`` column.
    causes : tuple
        Label of cause ``1..K`` (the codes themselves for numeric events).
    columns : dict
        Column names of ``time``, ``event``, ``entry``, ``weights`` (for messages).
    excluded_rows : pandas.DataFrame or None
        Rows left out on purpose (None when none were); read :attr:`excluded`.
    timefix : bool
        Whether times equal up to rounding were merged.
    time_unit : str or None
        Unit durations were converted to (``timedelta64`` columns), else None.
    rows : ndarray of intp (n,)
        Position of each row in the input.
    """

    time: FloatArray
    event: IntArray
    entry: FloatArray | None = None
    weights: FloatArray | None = None
    labels: pd.Index = field(default_factory=lambda: pd.RangeIndex(0))
    patient_id: npt.NDArray[Any] | None = None
    causes: tuple[object, ...] = (1,)
    columns: dict[str, str | None] = field(default_factory=dict)
    excluded_rows: pd.DataFrame | None = field(default=None, repr=False)
    timefix: bool = True
    time_unit: str | None = None
    rows: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.intp), repr=False)
    raw_time: FloatArray | None = field(default=None, repr=False)
    raw_entry: FloatArray | None = field(default=None, repr=False)
    #: ``(time, grid, codes)`` from :func:`with_time_codes`: valid while ``time`` is that array.
    coded_time: tuple[FloatArray, FloatArray, IntArray] | None = field(
        default=None, repr=False, compare=False
    )

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        time: str,
        event: str,
        entry: str | None = None,
        weights: str | None = None,
        *,
        censored: object = None,
        timefix: bool = True,
        time_unit: str | None = None,
        drop_missing: bool = False,
    ) -> Surv:
        """The response held in columns of ``data``.

        Parameters
        ----------
        data : pandas.DataFrame
            A ``patient_id`` column, when present, names rows in messages.
        time, event : str
            Exit time (numbers, or durations with ``time_unit``) and event:
            boolean or 0/1, whole-number cause codes ``0..K`` (0 = censored), or
            labels with ``censored=`` naming the censoring label.
        entry, weights : str, optional
            Entry (left-truncation) time, strictly before ``time``; case weights.
        censored : object, optional
            The value of ``event`` that means censored; the other values become
            causes ``1..K`` in category order (sorted order otherwise).
        timefix : bool
            Merge times equal up to rounding (:func:`aeq_times`), as R by default.
        time_unit : {"days", "weeks", "months", "years"}, optional
            Unit for ``timedelta64`` time columns (required for them; a month is
            365.25 / 12 days, a year 365.25 days).
        drop_missing : bool
            Exclude rows with a missing value (listed in :attr:`excluded`)
            instead of raising.

        Examples
        --------
        >>> import pandas as pd, sarcosurv as ss
        >>> d = pd.DataFrame({"t": [1.0, 2.0, 3.0], "e": [1, 0, 1]})
        >>> ss.Surv.from_frame(d, "t", "e")
        <Surv n=3 events=2 causes=1>
        """
        _require_frame(data, time=time, event=event, entry=entry, weights=weights)
        rows = _Rows(
            data.index,
            data[_PATIENT_ID].to_numpy() if _PATIENT_ID in data.columns else None,
        )
        columns = {"time": time, "event": event, "entry": entry, "weights": weights}
        series = {role: None if name is None else data[name] for role, name in columns.items()}
        return _build(series, columns, rows, censored, timefix, time_unit, drop_missing)

    @classmethod
    def from_arrays(
        cls,
        time: npt.ArrayLike,
        event: npt.ArrayLike,
        entry: npt.ArrayLike | None = None,
        weights: npt.ArrayLike | None = None,
        labels: npt.ArrayLike | None = None,
        *,
        censored: object = None,
        timefix: bool = True,
        time_unit: str | None = None,
        drop_missing: bool = False,
    ) -> Surv:
        """The response given as numpy arrays or pandas Series (same checks as :meth:`from_frame`).

        ``labels`` name the rows in messages (default: the index of ``time``
        when it is a Series, else positions 0..n-1). A Series' name is used as
        its column name in messages, the role (``"time"``, ...) otherwise.

        Examples
        --------
        >>> import numpy as np, sarcosurv as ss
        >>> ss.Surv.from_arrays(np.array([5.0, 3.0, 9.0]), np.array([1, 1, 0])).n_event
        2
        """
        given = {"time": time, "event": event, "entry": entry, "weights": weights}
        n = len(np.asarray(time))
        if labels is not None:
            index = pd.Index(np.asarray(labels))
        elif isinstance(time, pd.Series):
            index = time.index
        else:
            index = pd.RangeIndex(n)
        series: dict[str, pd.Series | None] = {}
        columns: dict[str, str | None] = {}
        for role, values in given.items():
            if values is None:
                series[role], columns[role] = None, None
                continue
            named = values.name if isinstance(values, pd.Series) else None
            columns[role] = str(named) if named is not None else role
            array = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
            if array.ndim != 1 or len(array) != n:
                raise SarcosurvError(
                    f"{role} must be one-dimensional with {n} values (as time), "
                    f"got shape {array.shape}"
                )
            series[role] = pd.Series(array, index=index, copy=False)
        if len(index) != n:
            raise SarcosurvError(f"labels must have {n} values (one per row), got {len(index)}")
        rows = _Rows(index, None)
        return _build(series, columns, rows, censored, timefix, time_unit, drop_missing)

    # -- derived quantities ---------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of rows kept."""
        return int(self.time.size)

    @property
    def n_causes(self) -> int:
        """K: the number of event types (1 for an ordinary event indicator)."""
        return len(self.causes)

    @property
    def died(self) -> BoolArray:
        """Whether each row had an event (of any cause)."""
        out: BoolArray = self.event > 0
        return out

    @property
    def n_event(self) -> int:
        """Number of rows with an event (any cause, unweighted)."""
        return int(np.count_nonzero(self.event))

    @property
    def excluded(self) -> pd.DataFrame:
        """Rows left out on purpose: ``row``, ``patient_id`` when present, ``reason``."""
        if self.excluded_rows is not None:
            return self.excluded_rows.copy()
        return _no_exclusions(self.patient_id is not None)

    @property
    def n_excluded(self) -> int:
        """Number of rows left out (see :attr:`excluded`)."""
        return 0 if self.excluded_rows is None else len(self.excluded_rows)

    def describe_rows(self, positions: IntArray) -> list[str]:
        """Readable names (label and patient id) of the rows at ``positions``."""
        return _Rows(self.labels, self.patient_id).describe(positions)

    def require_single_event(self, estimator: str) -> BoolArray:
        """The event indicator, or :class:`CompetingRisksError` when there are several causes."""
        if self.n_causes == 1:
            return self.died
        rows = _Rows(self.labels, self.patient_id)
        column = self.columns.get("event") or "event"
        raise _row_error(
            CompetingRisksError,
            rows,
            column,
            self.event > 1,
            f"event indicator is not 0 or 1: {self.n_causes} causes are coded "
            f"{list(self.causes)!r}, but {estimator} treats one event type. Use "
            "ss.cumulative_incidence for competing causes, or recode one cause as the event "
            "(e.g. event == 1); R's 1 = censored / 2 = dead coding must be recoded to 0/1",
            self.event,
        )

    def reversed(self) -> Surv:
        """The censoring distribution's response: censored rows (code 0) become the events."""
        flipped = (self.event == 0).astype(np.intp)
        return replace(self, event=flipped, causes=(1,))

    def subset(self, keep: BoolArray, excluded: pd.DataFrame | None = None) -> Surv:
        """The rows where ``keep`` holds; ``excluded`` (rows dropped, with reasons) is appended.

        With ``timefix`` the merge of :func:`aeq_times` is redone on the kept
        rows, as R applies ``aeqSurv`` after removing rows with missing values.
        """
        positions = np.flatnonzero(keep)
        raw_time = self.raw_time if self.raw_time is not None else self.time
        raw_entry = self.raw_entry if self.raw_entry is not None else self.entry
        raw_time = raw_time[positions]
        raw_entry = None if raw_entry is None else raw_entry[positions]
        rows = _Rows(self.labels, self.patient_id).take(positions)
        time, entry = _fix(raw_time, raw_entry, rows, self.columns, self.timefix)
        frames = [self.excluded] if excluded is None else [self.excluded, excluded]
        combined = _concat_exclusions(frames)
        return replace(
            self,
            time=time,
            event=self.event[positions],
            entry=entry,
            weights=None if self.weights is None else self.weights[positions],
            labels=rows.labels,
            patient_id=rows.patient_id,
            excluded_rows=combined if len(combined) else None,
            rows=self.rows[positions],
            raw_time=raw_time,
            raw_entry=raw_entry,
        )

    def time_codes(self) -> tuple[FloatArray, IntArray] | None:
        """Sorted distinct times and each row's index into them, when already known.

        Set by :func:`with_time_codes` (which sorts the times once for the
        timefix merge); None otherwise or once ``time`` has been replaced.
        """
        coded = self.coded_time
        if coded is None or coded[0] is not self.time:
            return None
        return coded[1], coded[2]

    def to_frame(self) -> pd.DataFrame:
        """One row per kept row: ``[entry,] time, event, [weight]``, indexed by the row labels."""
        out: dict[str, Any] = {}
        if self.entry is not None:
            out["entry"] = self.entry
        out["time"] = self.time
        out["event"] = self.event
        if self.weights is not None:
            out["weight"] = self.weights
        return pd.DataFrame(out, index=self.labels)

    def __repr__(self) -> str:
        parts = [f"n={self.n}", f"events={self.n_event}", f"causes={self.n_causes}"]
        if self.entry is not None:
            parts.append("entry")
        if self.weights is not None:
            parts.append("weighted")
        if self.n_excluded:
            parts.append(f"excluded={self.n_excluded}")
        return f"<Surv {' '.join(parts)}>"

    def __str__(self) -> str:
        unit = f" in {self.time_unit}" if self.time_unit else ""
        head = (
            f"Survival response{unit}: {self.n} rows, {self.n_event} events "
            f"({self.n_causes} cause(s)), timefix={self.timefix}"
        )
        return f"{head}\n{self.to_frame().head(10).to_string()}"

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.to_frame().head(10).to_html()


# -- building -----------------------------------------------------------------------------


def _require_frame(data: Any, **columns: str | None) -> None:
    if not isinstance(data, pd.DataFrame):
        hint = " (call .to_pandas() first)" if hasattr(data, "to_pandas") else ""
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}{hint}")
    available = [str(c) for c in data.columns]
    for role, name in columns.items():
        if name is not None and name not in data.columns:
            raise ColumnNotFoundError(name, available, role=role)


def _build(
    series: dict[str, pd.Series | None],
    columns: dict[str, str | None],
    rows: _Rows,
    censored: object,
    timefix: bool,
    time_unit: str | None,
    drop_missing: bool,
) -> Surv:
    """Validate every part of the response and assemble the :class:`Surv`."""
    time_series = series["time"]
    assert time_series is not None
    if len(time_series) == 0:
        raise EmptyDataError("data has no rows")
    _check_unit(series, time_unit)
    values = {
        role: None if s is None else _to_numbers(s, str(columns[role]), rows, role, time_unit)
        for role, s in series.items()
        if role != "event"
    }
    event_series = series["event"]
    assert event_series is not None
    excluded: pd.DataFrame | None = None
    keep = np.arange(len(time_series), dtype=np.intp)
    if drop_missing:
        missing, excluded = _missing_rows(series, values, columns, rows, censored)
        if missing.any():
            keep = np.flatnonzero(~missing)
            if keep.size == 0:
                raise EmptyDataError("every row has a missing value in the survival columns")
            rows = rows.take(keep)
            values = {r: None if v is None else v[keep] for r, v in values.items()}
            event_series = event_series.iloc[keep]
    event, causes = _event_codes(event_series, str(columns["event"]), rows, censored)
    raw_time = values["time"]
    assert raw_time is not None
    time = _checked_times(raw_time, str(columns["time"]), rows, "time")
    entry = values["entry"]
    if entry is not None:
        entry = _checked_entry(entry, time, str(columns["entry"]), rows)
    weights = values["weights"]
    if weights is not None:
        weights = _checked_weights(weights, str(columns["weights"]), rows)
    fixed_time, fixed_entry = _fix(time, entry, rows, columns, timefix)
    return Surv(
        time=fixed_time,
        event=event,
        entry=fixed_entry,
        weights=weights,
        labels=rows.labels,
        patient_id=rows.patient_id,
        causes=causes,
        columns=dict(columns),
        excluded_rows=excluded if excluded is not None and len(excluded) else None,
        timefix=timefix,
        time_unit=time_unit,
        rows=keep,
        raw_time=time,
        raw_entry=entry,
    )


def _fix(
    time: FloatArray,
    entry: FloatArray | None,
    rows: _Rows,
    columns: dict[str, str | None],
    timefix: bool,
) -> tuple[FloatArray, FloatArray | None]:
    """Apply :func:`aeq_times`; an interval that collapses to length 0 is an error, as in R."""
    if not timefix:
        return time, entry
    if entry is None:
        return aeq_times(time)[0], None
    fixed_entry, fixed_time = aeq_times(entry, time)
    collapsed = fixed_entry >= fixed_time
    if collapsed.any():
        raise rows.error(
            str(columns["entry"]),
            collapsed,
            "entry and exit times are equal up to rounding (R aeqSurv: an interval has "
            "effective length 0); round the times or pass timefix=False",
            entry,
        )
    return fixed_time, fixed_entry


def _check_unit(series: dict[str, pd.Series | None], time_unit: str | None) -> None:
    if time_unit is not None and time_unit not in TIME_UNITS:
        raise SarcosurvError(f"time_unit must be one of {list(TIME_UNITS)}, not {time_unit!r}")
    durations = [
        s is not None and pd.api.types.is_timedelta64_dtype(s.dtype)
        for role, s in series.items()
        if role in ("time", "entry")
    ]
    if time_unit is not None and not any(durations):
        warnings.warn(
            "time_unit applies only to duration (timedelta64) time columns; ignored",
            SarcosurvWarning,
            stacklevel=4,
        )


def _to_numbers(
    values: pd.Series, column: str, rows: _Rows, role: str, time_unit: str | None
) -> FloatArray:
    """Numbers from a column: booleans, numbers, numeric text, or durations in ``time_unit``."""
    dtype = values.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        raise TimeTypeError(
            column,
            f"column {column!r} ({role}) holds dates ({dtype}), not follow-up times: derive "
            "the time since a start date, e.g. (data['last_contact'] - data['diagnosis'])"
            ".dt.days, or use sarcosurv.registry's Cohort.endpoints(unit=...)",
        )
    if pd.api.types.is_timedelta64_dtype(dtype):
        if role not in ("time", "entry"):
            raise TimeTypeError(column, f"column {column!r} ({role}) holds durations ({dtype})")
        if time_unit is None:
            raise TimeTypeError(
                column,
                f"column {column!r} ({role}) holds durations ({dtype}); name their unit, "
                f"e.g. time_unit='days' (one of {list(TIME_UNITS)})",
            )
        unit = np.timedelta64(round(TIME_UNITS[time_unit] * 86_400e9), "ns")
        ns = values.to_numpy(dtype="timedelta64[ns]")
        return np.asarray(ns / unit, dtype=np.float64)
    if pd.api.types.is_bool_dtype(dtype):
        return values.to_numpy(dtype=np.float64)
    if not pd.api.types.is_numeric_dtype(dtype):
        converted = pd.to_numeric(values, errors="coerce")
        bad = converted.isna().to_numpy() & values.notna().to_numpy()
        if bad.any():
            raise rows.error(column, bad, "value is not a number", values.to_numpy())
        values = converted
    return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan))


def _checked_times(values: FloatArray, column: str, rows: _Rows, role: str) -> FloatArray:
    nan = np.isnan(values)
    if nan.any():
        raise rows.error(column, nan, f"missing {role}")
    inf = np.isinf(values)
    if inf.any():
        raise rows.error(column, inf, f"infinite {role}", values)
    negative = values < 0
    if negative.any():
        raise rows.error(column, negative, f"negative {role}", values)
    return values


def _checked_entry(entry: FloatArray, time: FloatArray, column: str, rows: _Rows) -> FloatArray:
    entry = _checked_times(entry, column, rows, "entry time")
    late = entry >= time
    if late.any():
        raise rows.error(column, late, "entry time is not before the exit time", entry)
    return entry


def _checked_weights(weights: FloatArray, column: str, rows: _Rows) -> FloatArray:
    bad = ~np.isfinite(weights)
    if bad.any():
        raise rows.error(column, bad, "weight is missing or infinite", weights)
    negative = weights < 0
    if negative.any():
        raise rows.error(column, negative, "negative weight", weights)
    return weights


def _event_codes(
    values: pd.Series, column: str, rows: _Rows, censored: object
) -> tuple[IntArray, tuple[object, ...]]:
    """Integer codes 0 (censored), 1..K (causes) and the label of each cause."""
    if censored is not None:
        return _labelled_events(values, column, rows, censored)
    if pd.api.types.is_datetime64_any_dtype(values.dtype) or pd.api.types.is_timedelta64_dtype(
        values.dtype
    ):
        raise TimeTypeError(column, f"event column {column!r} holds {values.dtype}, not codes")
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype):
        whole = np.asarray(values.to_numpy(), dtype=np.intp)
        if whole.size and whole.min() < 0:
            raise rows.error(
                column,
                whole < 0,
                "event indicator is not 0 or 1 (nor a cause code 1, 2, ...)",
                whole,
            )
        k = max(int(whole.max()), 1) if whole.size else 1
        return whole, tuple(range(1, k + 1))
    numbers = _to_numbers(values, column, rows, "event", None)
    nan = np.isnan(numbers)
    if nan.any():
        raise rows.error(column, nan, "missing event indicator")
    bad = (numbers < 0) | (numbers != np.floor(numbers)) | np.isinf(numbers)
    if bad.any():
        raise rows.error(
            column,
            bad,
            "event indicator is not 0 or 1 (nor a whole-number cause code 1, 2, ...)",
            values.to_numpy(),
        )
    codes = numbers.astype(np.intp)
    k = max(int(codes.max()), 1)
    return codes, tuple(range(1, k + 1))


def _labelled_events(
    values: pd.Series, column: str, rows: _Rows, censored: object
) -> tuple[IntArray, tuple[object, ...]]:
    missing = values.isna().to_numpy()
    if missing.any():
        raise rows.error(column, missing, "missing event indicator")
    is_censored = (values == censored).to_numpy()
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = [c for c in values.cat.categories if c != censored]
    else:
        categories = sorted(pd.unique(values[~is_censored]).tolist())
    if not categories:
        categories = []
    lookup = {label: code for code, label in enumerate(categories, start=1)}
    codes = np.zeros(len(values), dtype=np.intp)
    causes = values[~is_censored].map(lookup).to_numpy(dtype=np.intp)
    codes[~is_censored] = causes
    return codes, tuple(categories) if categories else (1,)


def _missing_rows(
    series: dict[str, pd.Series | None],
    values: dict[str, FloatArray | None],
    columns: dict[str, str | None],
    rows: _Rows,
    censored: object,
) -> tuple[BoolArray, pd.DataFrame]:
    """Rows with a missing time, event, entry or weight, and their exclusion table."""
    n = len(rows.labels)
    seen = np.zeros(n, dtype=bool)
    frames = []
    for role in ("time", "event", "entry", "weights"):
        array = values.get(role)
        raw = series[role]
        if raw is None:
            continue
        missing = np.isnan(array) if array is not None else raw.isna().to_numpy()
        missing = missing & ~seen
        seen |= missing
        if missing.any():
            frames.append(
                _exclusion_frame(rows, missing, f"missing value in {role} column {columns[role]!r}")
            )
    del censored
    return seen, _concat_exclusions([_no_exclusions(rows.patient_id is not None), *frames])


def _exclusion_frame(rows: _Rows, mask: BoolArray, reason: str) -> pd.DataFrame:
    positions = np.flatnonzero(mask)
    frame = pd.DataFrame({"row": rows.labels[positions]})
    if rows.patient_id is not None:
        frame[_PATIENT_ID] = rows.patient_id[positions]
    frame["reason"] = reason
    return frame


def _no_exclusions(with_patient_id: bool) -> pd.DataFrame:
    columns = ["row", _PATIENT_ID, "reason"] if with_patient_id else ["row", "reason"]
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def _concat_exclusions(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    nonempty = [f for f in frames if len(f)]
    if not nonempty:
        return frames[0]
    if len(nonempty) == 1:
        return nonempty[0].reset_index(drop=True)
    return pd.concat(nonempty, ignore_index=True)
