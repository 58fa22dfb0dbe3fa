"""The inputs of the estimator front ends: columns of a frame, or arrays.

:func:`response` turns the ``time``/``event``/``entry``/``weights`` arguments
into a :class:`~sarcosurv.surv.Surv` and the grouping arguments (``by``,
``strata``) into a frame of grouping columns aligned with its rows, whether the
caller named columns of ``data`` or passed arrays (``data`` omitted).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._grouping import as_columns
from ._validate import as_pandas, require_columns
from .errors import EmptyDataError, SarcosurvError
from .surv import Surv, aeq_sorted_times, with_time_codes

__all__ = [
    "DASK_BACKENDS",
    "Response",
    "dask_backend",
    "grouping_frame",
    "is_dask_frame",
    "merge_plan",
    "response",
]

Response = tuple[Surv, pd.DataFrame, dict[str, tuple[str, ...]]]


def merge_plan(
    surv: Surv, timefix: bool, one_block: bool
) -> tuple[Surv, Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]] | None]:
    """Where the timefix merge of a response built without it happens: in counting, or now.

    Counting one block (one curve, one log-rank stratum) of unweighted rows
    without entry times sorts the exit times by value anyway, so it merges the
    sorted times itself (:func:`~sarcosurv.surv.aeq_sorted_times`, returned
    here for ``merge_sorted=`` of :func:`~sarcosurv.counting.tabulate_blocks`)
    instead of looking every row up. Otherwise the rows are merged now
    (:func:`~sarcosurv.surv.with_time_codes`). Call it after excluding rows,
    as R applies ``aeqSurv`` to the rows kept.
    """
    if not timefix:
        return surv, None
    if surv.weights is None and surv.entry is None and one_block:
        return surv, aeq_sorted_times
    return with_time_codes(surv), None


def is_dask_frame(data: object) -> bool:
    """True for a ``dask.dataframe.DataFrame``, judged without importing Dask.

    The estimator front ends dispatch such data to :mod:`sarcosurv.distributed`.
    """
    module = type(data).__module__
    return module.startswith(("dask.", "dask_expr")) and hasattr(data, "to_delayed")


#: Estimators for Dask DataFrames by front-end name. :mod:`sarcosurv.distributed`
#: registers them when it is imported: a plugin registry, so that the front ends
#: (km, logrank, followup, cox) never import the package layered above them.
DASK_BACKENDS: dict[str, Callable[..., Any]] = {}


def dask_backend(name: str) -> Callable[..., Any]:
    """The Dask estimator registered under ``name`` (importing the distributed package)."""
    if name not in DASK_BACKENDS:
        importlib.import_module("sarcosurv.distributed")
    return DASK_BACKENDS[name]


def response(
    data: Any,
    time: Any,
    event: Any,
    *,
    entry: Any = None,
    weights: Any = None,
    groupings: dict[str, Any] | None = None,
    timefix: bool = True,
    time_unit: str | None = None,
) -> Response:
    """The survival response, the grouping columns and their names per role.

    With ``data``, ``time``/``event``/... and ``groupings`` name columns; without
    it they are arrays or Series of equal length (a DataFrame for several
    grouping columns).
    """
    groupings = groupings or {}
    if time is None or event is None:
        raise SarcosurvError("time and event are required (column names with data, or arrays)")
    if data is None:
        return _from_arrays(time, event, entry, weights, groupings, timefix, time_unit)
    data = as_pandas(data)
    data, (time, event, entry, weights), groupings = _string_labels(
        data, (time, event, entry, weights), groupings
    )
    for role, value in {"time": time, "event": event, "entry": entry, "weights": weights}.items():
        if value is not None and not isinstance(value, str):
            raise SarcosurvError(
                f"with data given, {role} must name a column, not a {type(value).__name__}; "
                "omit data to pass arrays"
            )
    names = {role: _grouping_names(role, columns) for role, columns in groupings.items()}
    require_columns(data, time=time, event=event, **names, entry=entry, weights=weights)
    _require_unique(data, [time, event, entry, weights, *(c for n in names.values() for c in n)])
    if len(data) == 0:
        raise EmptyDataError("data has no rows")
    surv = Surv.from_frame(data, time, event, entry, weights, timefix=timefix, time_unit=time_unit)
    return surv, data, names


def _is_label(value: Any) -> bool:
    """A scalar column label other than a string (an integer column name, say)."""
    return isinstance(value, (int, np.integer, float)) and not isinstance(value, bool)


def _string_labels(
    data: pd.DataFrame, columns: tuple[Any, ...], groupings: dict[str, Any]
) -> tuple[pd.DataFrame, tuple[Any, ...], dict[str, Any]]:
    """Integer column names (``data.columns = range(k)``) as strings, so that they work.

    Only when some argument names a non-string column: the frame's labels
    become ``str(label)`` and so do the arguments naming them.
    """

    def convert(value: Any) -> Any:
        return str(value) if _is_label(value) and value in data.columns else value

    named = [*columns, *groupings.values()]
    listed = [v for g in groupings.values() if isinstance(g, list | tuple) for v in g]
    if not any(_is_label(v) and v in data.columns for v in [*named, *listed]):
        return data, columns, groupings
    renamed = data.set_axis([str(c) for c in data.columns], axis=1)
    new_groupings = {
        role: [convert(v) for v in g] if isinstance(g, list | tuple) else convert(g)
        for role, g in groupings.items()
    }
    return renamed, tuple(convert(v) for v in columns), new_groupings


def _grouping_names(role: str, columns: Any) -> tuple[str, ...]:
    """The column names of one grouping argument: one name or a list of distinct names."""
    if columns is not None and not isinstance(columns, str | Sequence):
        raise SarcosurvError(
            f"with data given, {role} must name a column or list columns, "
            f"not a {type(columns).__name__}"
        )
    names = as_columns(columns)
    for name in names:
        if not isinstance(name, str):
            raise SarcosurvError(f"{role} must list column names, got {name!r} in {columns!r}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise SarcosurvError(f"{role} lists column {repeated[0]!r} more than once: {columns!r}")
    return names


def _require_unique(data: pd.DataFrame, names: list[Any]) -> None:
    """A column named by an argument must occur once in ``data``."""
    for name in names:
        if name is None:
            continue
        count = int(np.count_nonzero(data.columns == name))
        if count > 1:
            raise SarcosurvError(
                f"column {name!r} appears {count} times in the data: rename the duplicates"
            )


def _from_arrays(
    time: Any,
    event: Any,
    entry: Any,
    weights: Any,
    groupings: dict[str, Any],
    timefix: bool,
    time_unit: str | None,
) -> Response:
    for role, value in {"time": time, "event": event, "entry": entry, "weights": weights}.items():
        if isinstance(value, str):
            raise SarcosurvError(
                f"{role}={value!r} names a column, but no data was given: pass data=, "
                "or arrays instead of column names"
            )
    surv = Surv.from_arrays(time, event, entry, weights, timefix=timefix, time_unit=time_unit)
    frames = [grouping_frame(values, role, surv) for role, values in groupings.items()]
    names = {
        role: tuple(str(c) for c in f.columns) for role, f in zip(groupings, frames, strict=True)
    }
    frame = pd.concat(frames, axis=1) if frames else pd.DataFrame(index=surv.labels)
    if frame.columns.duplicated().any():
        frame = frame.loc[:, ~frame.columns.duplicated()]
    return surv, frame, names


def grouping_frame(values: Any, role: str, surv: Surv) -> pd.DataFrame:
    """Grouping values (array, Series, DataFrame or None) as a frame indexed like ``surv``.

    A Series keeps its name as the column name, an array is named after the role.
    """
    if values is None:
        return pd.DataFrame(index=surv.labels)
    if isinstance(values, pd.DataFrame):
        frame = values.set_axis(surv.labels[: len(values)], axis=0)
    elif isinstance(values, pd.Series):
        name = values.name if values.name is not None else role
        frame = pd.DataFrame({str(name): values.to_numpy()}, index=surv.labels[: len(values)])
    elif isinstance(values, str) or (
        isinstance(values, Sequence)
        and values
        and all(isinstance(v, str) for v in values)
        and len(values) != surv.n
    ):
        raise SarcosurvError(
            f"{role}={values!r} names columns, but no data was given: pass data=, or arrays"
        )
    else:
        array = np.asarray(values)
        if array.ndim != 1:
            raise SarcosurvError(f"{role} must be one-dimensional, got shape {array.shape}")
        frame = pd.DataFrame({role: array}, index=surv.labels[: len(array)])
    if len(frame) != surv.n:
        raise SarcosurvError(f"{role} must have {surv.n} values (one per row), got {len(frame)}")
    return frame
