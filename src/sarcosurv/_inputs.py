"""The inputs of the estimator front ends: columns of a frame, or arrays.

:func:`response` turns the ``time``/``event``/``entry``/``weights`` arguments
into a :class:`~sarcosurv.surv.Surv` and the grouping arguments (``by``,
``strata``) into a frame of grouping columns aligned with its rows, whether the
caller named columns of ``data`` or passed arrays (``data`` omitted).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._grouping import as_columns
from ._validate import as_pandas, require_columns
from .errors import EmptyDataError, SarcosurvError
from .surv import Surv

__all__ = ["Response", "grouping_frame", "response"]

Response = tuple[Surv, pd.DataFrame, dict[str, tuple[str, ...]]]


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
    for role, value in {"time": time, "event": event, "entry": entry, "weights": weights}.items():
        if value is not None and not isinstance(value, str):
            raise SarcosurvError(
                f"with data given, {role} must name a column, not a {type(value).__name__}; "
                "omit data to pass arrays"
            )
    names = {role: as_columns(columns) for role, columns in groupings.items()}
    require_columns(data, time=time, event=event, **names, entry=entry, weights=weights)
    if len(data) == 0:
        raise EmptyDataError("data has no rows")
    surv = Surv.from_frame(data, time, event, entry, weights, timefix=timefix, time_unit=time_unit)
    return surv, data, names


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
