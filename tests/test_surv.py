"""The survival response: validation naming column, row and value; cause codes; time types."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv.errors import (
    CompetingRisksError,
    EmptyDataError,
    InvalidDataError,
    SarcosurvError,
    SarcosurvWarning,
    TimeTypeError,
)
from sarcosurv.surv import aeq_times


@pytest.fixture
def data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P3", "P4"],
            "t": [5.0, 3.0, 9.0, 4.0],
            "e": [1, 0, 1, 1],
            "start": [0.0, 1.0, 2.0, 0.0],
            "w": [1.0, 2.0, 1.0, 0.5],
        },
        index=[10, 11, 12, 13],
    )


def test_from_frame_holds_every_part(data: pd.DataFrame) -> None:
    surv = ss.Surv.from_frame(data, "t", "e", entry="start", weights="w")
    np.testing.assert_array_equal(surv.time, [5.0, 3.0, 9.0, 4.0])
    np.testing.assert_array_equal(surv.event, [1, 0, 1, 1])
    np.testing.assert_array_equal(surv.entry, [0.0, 1.0, 2.0, 0.0])
    np.testing.assert_array_equal(surv.weights, [1.0, 2.0, 1.0, 0.5])
    assert surv.labels.tolist() == [10, 11, 12, 13]
    assert surv.patient_id is not None
    assert surv.patient_id.tolist() == ["P1", "P2", "P3", "P4"]
    assert (surv.n, surv.n_event, surv.n_causes, surv.n_excluded) == (4, 3, 1, 0)
    assert repr(surv) == "<Surv n=4 events=3 causes=1 entry weighted>"
    assert list(surv.to_frame().columns) == ["entry", "time", "event", "weight"]
    assert "<table" in surv._repr_html_()


def test_from_arrays_equals_from_frame(data: pd.DataFrame) -> None:
    a = ss.Surv.from_frame(data, "t", "e", weights="w")
    b = ss.Surv.from_arrays(data["t"], data["e"].to_numpy(), weights=data["w"].to_numpy())
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_array_equal(a.event, b.event)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert b.labels.tolist() == [10, 11, 12, 13]  # the Series' index


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("t", -1.0, "negative time"),
        ("t", np.nan, "missing time"),
        ("t", np.inf, "infinite time"),
        ("e", 0.5, "not 0 or 1"),
        ("e", -1.0, "not 0 or 1"),
        ("e", np.nan, "missing event"),
        ("w", -2.0, "negative weight"),
        ("start", 20.0, "not before"),
    ],
)
def test_errors_name_column_row_patient_and_value(
    data: pd.DataFrame, column: str, value: float, problem: str
) -> None:
    data[column] = data[column].astype(float)
    data.loc[12, column] = value
    with pytest.raises(InvalidDataError) as info:
        ss.Surv.from_frame(data, "t", "e", entry="start", weights="w")
    message = str(info.value)
    assert repr(column) in message
    assert "row 12" in message
    assert "'P3'" in message
    assert problem in message
    if not np.isnan(value):
        assert repr(value) in message
    assert info.value.rows == [12]


def test_array_errors_name_the_series_and_the_label() -> None:
    time = pd.Series([1.0, -2.0], index=["a", "b"], name="os_months")
    with pytest.raises(InvalidDataError, match=r"'os_months'.*row 'b', value -2.0"):
        ss.Surv.from_arrays(time, np.array([1, 0]))
    with pytest.raises(InvalidDataError, match=r"column 'time'.*row 1"):
        ss.Surv.from_arrays(np.array([1.0, np.nan]), np.array([1, 0]))
    with pytest.raises(SarcosurvError, match="3 values"):
        ss.Surv.from_arrays(np.array([1.0, 2.0, 3.0]), np.array([1, 0]))


def test_text_that_is_not_a_number(data: pd.DataFrame) -> None:
    data = data.astype({"t": object})
    data.loc[11, "t"] = "soon"
    with pytest.raises(InvalidDataError, match=r"not a number at row 11 \(patient_id 'P2'\)"):
        ss.Surv.from_frame(data, "t", "e")


def test_cause_codes_and_single_event_estimators(data: pd.DataFrame) -> None:
    data["cause"] = [1, 0, 2, 1]
    surv = ss.Surv.from_frame(data, "t", "cause")
    assert surv.causes == (1, 2)
    np.testing.assert_array_equal(surv.died, [True, False, True, True])
    with pytest.raises(CompetingRisksError, match="cumulative_incidence") as info:
        ss.kaplan_meier(data, "t", "cause")
    assert info.value.rows == [12]
    assert "not 0 or 1" in str(info.value)
    with pytest.raises(CompetingRisksError):
        ss.logrank_test(data.assign(g=[0, 0, 1, 1]), "t", "cause", by="g")
    with pytest.raises(CompetingRisksError):
        ss.median_followup(data, "t", "cause")


def test_labelled_events_with_censored(data: pd.DataFrame) -> None:
    data["status"] = ["relapse", "alive", "death", "relapse"]
    surv = ss.Surv.from_frame(data, "t", "status", censored="alive")
    assert surv.causes == ("death", "relapse")
    np.testing.assert_array_equal(surv.event, [2, 0, 1, 2])
    data["status"] = pd.Categorical(data["status"], categories=["alive", "relapse", "death"])
    surv = ss.Surv.from_frame(data, "t", "status", censored="alive")
    assert surv.causes == ("relapse", "death")
    np.testing.assert_array_equal(surv.event, [1, 0, 2, 1])


def test_durations_need_a_unit(data: pd.DataFrame) -> None:
    data["fu"] = pd.to_timedelta(data["t"] * 30, unit="D")
    with pytest.raises(TimeTypeError, match="time_unit='days'"):
        ss.Surv.from_frame(data, "fu", "e")
    surv = ss.Surv.from_frame(data, "fu", "e", time_unit="days")
    np.testing.assert_allclose(surv.time, data["t"] * 30)
    assert surv.time_unit == "days"
    months = ss.kaplan_meier(data, "fu", "e", time_unit="months")
    np.testing.assert_allclose(months.table["time"], np.sort(data["t"] * 30) / (365.25 / 12))


def test_dates_are_refused_with_a_hint(data: pd.DataFrame) -> None:
    data["last_seen"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(data["t"], unit="D")
    with pytest.raises(TimeTypeError, match=r"holds dates.*endpoints") as info:
        ss.kaplan_meier(data, "last_seen", "e")
    assert isinstance(info.value, ValueError)


def test_time_unit_on_numbers_warns(data: pd.DataFrame) -> None:
    with pytest.warns(SarcosurvWarning, match="time_unit"):
        ss.Surv.from_frame(data, "t", "e", time_unit="days")
    with pytest.raises(SarcosurvError, match="time_unit"):
        ss.Surv.from_frame(data, "t", "e", time_unit="fortnights")


def test_drop_missing_lists_the_rows(data: pd.DataFrame) -> None:
    data.loc[11, "t"] = np.nan
    data.loc[13, "e"] = np.nan
    surv = ss.Surv.from_frame(data, "t", "e", drop_missing=True)
    assert surv.n == 2
    assert surv.excluded["row"].tolist() == [11, 13]
    assert surv.excluded["patient_id"].tolist() == ["P2", "P4"]
    assert "'t'" in surv.excluded["reason"].iloc[0]
    with pytest.raises(EmptyDataError):
        ss.Surv.from_frame(data.iloc[:0], "t", "e")


def test_aeq_times_rule() -> None:
    eps = float(np.sqrt(np.finfo(float).eps))
    # Relative rule: gaps below tol * mean(|distinct|) are ties, and ties chain.
    values = np.array([1000.0, 1000.0 + 5e-6, 1000.0 + 10e-6, 1001.0])
    (fixed,) = aeq_times(values)
    np.testing.assert_array_equal(fixed, [1000.0, 1000.0, 1000.0, 1001.0])
    # Absolute rule: gaps up to tol are ties even near zero.
    (fixed,) = aeq_times(np.array([0.0, eps / 2, 1.0]))
    np.testing.assert_array_equal(fixed, [0.0, 0.0, 1.0])
    # Whole numbers are never merged; tolerance <= 0 switches the rule off.
    integers = np.arange(10.0)
    assert aeq_times(integers)[0] is integers
    toy = np.array([0.1 + 0.2, 0.3])
    assert aeq_times(toy, tolerance=0.0)[0] is toy
    entry, stop = aeq_times(np.array([0.0, 0.1 + 0.2]), np.array([0.3, 1.0]))
    np.testing.assert_array_equal(entry, [0.0, 0.3])
    np.testing.assert_array_equal(stop, [0.3, 1.0])


def test_interval_collapsing_under_timefix_is_an_error() -> None:
    frame = pd.DataFrame({"start": [0.3, 0.0], "stop": [0.1 + 0.2, 1.0], "e": [1, 0]})
    # 0.3 < 0.1 + 0.2 as doubles, so the row is valid until the times are merged.
    with pytest.raises(InvalidDataError, match="equal up to rounding"):
        ss.Surv.from_frame(frame, "stop", "e", entry="start")
    surv = ss.Surv.from_frame(frame, "stop", "e", entry="start", timefix=False)
    assert surv.n == 2


def test_subset_reapplies_timefix_on_the_rows_kept() -> None:
    surv = ss.Surv.from_arrays(np.array([0.1 + 0.2, 0.3, 7.0]), np.array([1, 1, 0]))
    assert surv.time[0] == surv.time[1]
    kept = surv.subset(np.array([True, False, True]))
    assert kept.time[0] == 0.1 + 0.2  # nothing left to merge it with
    assert kept.n == 2


def test_polars_like_frames_are_refused_with_a_hint() -> None:
    class Frame:
        def to_pandas(self) -> pd.DataFrame:
            return pd.DataFrame()

    with pytest.raises(TypeError, match="to_pandas"):
        ss.kaplan_meier(Frame(), "t", "e")  # type: ignore[arg-type]


def test_no_warning_on_plain_use(data: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ss.Surv.from_frame(data, "t", "e")
        ss.kaplan_meier(data, "t", "e")
