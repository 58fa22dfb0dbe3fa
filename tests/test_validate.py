"""The shared input checks: typed errors naming column, row and problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sarcosurv import _validate, errors


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P3"],
            "time": [1.0, 2.0, 3.0],
            "event": [1, 0, 1],
        },
        index=[10, 11, 12],
    )


def test_every_error_is_a_value_error() -> None:
    for name in errors.__all__:
        obj = getattr(errors, name)
        if name.endswith("Error"):
            assert issubclass(obj, ValueError), name


def test_missing_column_names_role_and_column() -> None:
    with pytest.raises(errors.ColumnNotFoundError, match="time column 'os'"):
        _validate.require_columns(frame(), time="os")


@pytest.mark.parametrize(
    ("value", "problem"),
    [(-1.0, "negative time"), (np.nan, "missing time"), (np.inf, "infinite time")],
)
def test_bad_time_names_row_and_patient(value: float, problem: str) -> None:
    data = frame()
    data.loc[11, "time"] = value
    with pytest.raises(errors.InvalidDataError) as info:
        _validate.as_time(data, "time")
    assert info.value.column == "time"
    assert info.value.rows == [11]
    assert problem in str(info.value)
    assert "patient_id 'P2'" in str(info.value)


def test_event_must_be_zero_or_one() -> None:
    data = frame()
    data.loc[12, "event"] = 2
    with pytest.raises(errors.InvalidDataError, match="row 12"):
        _validate.as_event(data, "event")


def test_text_in_numeric_column_is_reported() -> None:
    data = frame().astype({"time": object})
    data.loc[10, "time"] = "soon"
    with pytest.raises(errors.InvalidDataError, match="not a number"):
        _validate.as_time(data, "time")


def test_entry_must_precede_exit() -> None:
    data = frame().assign(entry=[0.0, 2.0, 0.5])
    with pytest.raises(errors.InvalidDataError, match="row 11"):
        _validate.as_entry(data, "entry", data["time"].to_numpy())


def test_empty_data() -> None:
    with pytest.raises(errors.EmptyDataError):
        _validate.require_nonempty(frame().iloc[:0])
