"""Bad input to kaplan_meier, median_followup and logrank_test: typed errors, column and row."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv.errors import (
    ColumnNotFoundError,
    EmptyDataError,
    GroupError,
    InvalidDataError,
    SarcosurvError,
)


@pytest.fixture
def data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
            "t": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "e": [1, 0, 1, 1, 0, 1],
            "g": ["a", "b", "a", "b", "a", "b"],
            "entry": [0.0, 0.0, 1.0, 0.0, 0.0, 2.0],
        },
        index=[10, 11, 12, 13, 14, 15],
    )


def _km(frame: pd.DataFrame, **kwargs: Any) -> ss.KaplanMeierResult:
    return ss.kaplan_meier(frame, "t", "e", **kwargs)


def _lr(frame: pd.DataFrame, **kwargs: Any) -> ss.LogrankResult:
    return ss.logrank_test(frame, "t", "e", "g", **kwargs)


ENTRY_POINTS = [_km, _lr, lambda frame: ss.median_followup(frame, "t", "e")]


@pytest.mark.parametrize("call", ENTRY_POINTS)
@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("t", -1.0, "negative time"),
        ("t", np.nan, "missing time"),
        ("t", np.inf, "infinite time"),
        ("e", 2, "not 0 or 1"),
        ("e", np.nan, "missing event"),
    ],
)
def test_bad_values_name_column_row_and_patient(
    data: pd.DataFrame, call: Any, column: str, value: float, problem: str
) -> None:
    data[column] = data[column].astype(float)
    data.loc[12, column] = value
    with pytest.raises(InvalidDataError) as info:
        call(data)
    message = str(info.value)
    assert repr(column) in message
    assert "row 12" in message
    assert "'P3'" in message
    assert problem in message
    assert info.value.rows == [12]
    assert isinstance(info.value, ValueError)


def test_entry_not_before_time(data: pd.DataFrame) -> None:
    data.loc[14, "entry"] = 5.0
    with pytest.raises(InvalidDataError, match=r"'entry'.*row 14") as info:
        _km(data, entry="entry")
    assert "not before" in str(info.value)


def test_negative_weight(data: pd.DataFrame) -> None:
    data["w"] = [1.0, 1.0, -1.0, 1.0, 1.0, 1.0]
    with pytest.raises(InvalidDataError, match=r"'w'.*row 12"):
        _km(data, weights="w")


@pytest.mark.parametrize("call", ENTRY_POINTS)
def test_empty_data(data: pd.DataFrame, call: Any) -> None:
    with pytest.raises(EmptyDataError):
        call(data.iloc[:0])


@pytest.mark.parametrize(
    ("kwargs", "role"),
    [({"by": "arm"}, "by"), ({"entry": "start"}, "entry"), ({"weights": "wt"}, "weights")],
)
def test_unknown_column_km(data: pd.DataFrame, kwargs: dict[str, str], role: str) -> None:
    with pytest.raises(ColumnNotFoundError, match=role) as info:
        _km(data, **kwargs)
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, ValueError)


def test_unknown_column_logrank(data: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match="'arm'"):
        ss.logrank_test(data, "t", "e", "arm")
    with pytest.raises(ColumnNotFoundError, match="strata"):
        _lr(data, strata="site")
    with pytest.raises(ColumnNotFoundError, match="time"):
        ss.kaplan_meier(data, "days", "e")


def test_missing_group_is_excluded_and_counted(data: pd.DataFrame) -> None:
    data.loc[13, "g"] = None
    km = _km(data, by="g")
    assert km.n_excluded == 1
    assert km.excluded["row"].tolist() == [13]
    assert km.excluded["patient_id"].tolist() == ["P4"]
    assert "'g'" in km.excluded["reason"].iloc[0]
    assert km.groups["n"].sum() == 5
    assert "1 row(s) excluded" in str(km)
    lr = _lr(data)
    assert lr.n_excluded == 1
    assert lr.n.sum() == 5


def test_missing_stratum_is_excluded_and_counted(data: pd.DataFrame) -> None:
    data["site"] = [1, 1, np.nan, 2, 2, 2]
    data.loc[11, "g"] = None
    lr = _lr(data, strata="site")
    assert lr.excluded["row"].tolist() == [11, 12]
    assert "group" in lr.excluded["reason"].iloc[0]
    assert "strata" in lr.excluded["reason"].iloc[1]


def test_every_group_missing(data: pd.DataFrame) -> None:
    data["g"] = None
    with pytest.raises(EmptyDataError, match="missing"):
        _km(data, by="g")


def test_single_group_logrank(data: pd.DataFrame) -> None:
    data["g"] = "a"
    with pytest.raises(GroupError, match="at least two groups"):
        _lr(data)


def test_single_group_left_after_exclusion(data: pd.DataFrame) -> None:
    data.loc[data["g"] == "b", "g"] = None
    with pytest.raises(GroupError):
        _lr(data)


def test_no_events_logrank(data: pd.DataFrame) -> None:
    data["e"] = 0
    with pytest.raises(EmptyDataError, match="no events"):
        _lr(data)


@pytest.mark.parametrize(
    "kwargs",
    [{"conf_type": "logit"}, {"conf_level": 1.5}, {"conf_level": 0.0}],
)
def test_bad_km_arguments(data: pd.DataFrame, kwargs: dict[str, Any]) -> None:
    with pytest.raises(SarcosurvError):
        _km(data, **kwargs)


def test_bad_quantile_arguments(data: pd.DataFrame) -> None:
    km = _km(data)
    with pytest.raises(SarcosurvError, match="between 0 and 1"):
        km.quantile(1.0)
    with pytest.raises(SarcosurvError, match="ci_method"):
        km.median(ci_method="exact")  # type: ignore[arg-type]
    with pytest.raises(SarcosurvError, match="times"):
        km.survival_at([np.nan])


@pytest.mark.parametrize(
    "weights", ["gehan", ("fleming-harrington", -1, 0), ("fleming-harrington", 1), 3]
)
def test_bad_logrank_weights(data: pd.DataFrame, weights: Any) -> None:
    with pytest.raises(SarcosurvError, match="weights"):
        _lr(data, weighting=weights)


def test_bad_trend_scores(data: pd.DataFrame) -> None:
    with pytest.raises(SarcosurvError, match="scores"):
        _lr(data, trend=True, scores=[1, 2, 3])


def test_groups_never_at_risk_together() -> None:
    # Group b leaves before the first event: nothing to compare.
    frame = pd.DataFrame({"t": [5, 6, 1, 2], "e": [1, 1, 0, 0], "g": ["a", "a", "b", "b"]})
    with pytest.raises(GroupError, match="variance is zero"):
        ss.logrank_test(frame, "t", "e", "g")
    with pytest.raises(GroupError, match="variance is zero"):
        ss.logrank_test(frame, "t", "e", "g", trend=True)
