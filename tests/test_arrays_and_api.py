"""Arrays instead of columns, the by=/weighting= names and the short result reprs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from conftest import load_dataset
from sarcosurv.errors import SarcosurvError


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    data = load_dataset("lung")
    data["status01"] = data["status"] - 1
    return data


def test_kaplan_meier_arrays_equal_columns(lung: pd.DataFrame) -> None:
    frame = ss.kaplan_meier(lung, "time", "status01", by="sex", entry=None)
    series = ss.kaplan_meier(time=lung["time"], event=lung["status01"], by=lung["sex"])
    arrays = ss.kaplan_meier(
        time=lung["time"].to_numpy(), event=lung["status01"].to_numpy(), by=lung["sex"].to_numpy()
    )
    pd.testing.assert_frame_equal(series.table, frame.table)
    pd.testing.assert_frame_equal(arrays.table, frame.table)
    pd.testing.assert_frame_equal(arrays.median(), frame.median())
    assert arrays.by == ("by",)
    assert series.by == ("sex",)


def test_kaplan_meier_arrays_with_weights_entry_and_missing_groups(lung: pd.DataFrame) -> None:
    data = lung.assign(entry=lung["time"] / 3, w=1.0 + np.arange(len(lung)) % 3)
    frame = ss.kaplan_meier(data, "time", "status01", by="ph.ecog", entry="entry", weights="w")
    arrays = ss.kaplan_meier(
        time=data["time"],
        event=data["status01"],
        by=data["ph.ecog"],
        entry=data["entry"],
        weights=data["w"],
    )
    pd.testing.assert_frame_equal(arrays.table, frame.table)
    pd.testing.assert_frame_equal(arrays.excluded, frame.excluded)
    assert arrays.n_excluded == 1


def test_logrank_arrays_equal_columns(lung: pd.DataFrame) -> None:
    frame = ss.logrank_test(lung, "time", "status01", by="ph.ecog", strata="sex")
    arrays = ss.logrank_test(
        time=lung["time"].to_numpy(),
        event=lung["status01"].to_numpy(),
        by=lung["ph.ecog"].to_numpy(),
        strata=lung["sex"].to_numpy(),
        weighting="peto",
    )
    frame_peto = ss.logrank_test(
        lung, "time", "status01", by="ph.ecog", strata="sex", weighting="peto"
    )
    assert arrays.statistic == frame_peto.statistic
    pd.testing.assert_series_equal(arrays.observed, frame_peto.observed)
    pd.testing.assert_frame_equal(arrays.variance, frame_peto.variance)
    assert frame.statistic != frame_peto.statistic


def test_median_followup_arrays_equal_columns(lung: pd.DataFrame) -> None:
    frame = ss.median_followup(lung, "time", "status01")
    arrays = ss.median_followup(time=lung["time"].to_numpy(), event=lung["status01"].to_numpy())
    pd.testing.assert_frame_equal(arrays.to_frame(), frame.to_frame())


def test_array_level_functions(lung: pd.DataFrame) -> None:
    from sarcosurv.followup import median_followup_surv
    from sarcosurv.km import kaplan_meier_surv
    from sarcosurv.logrank import logrank_test_surv

    surv = ss.Surv.from_frame(lung, "time", "status01")
    km = kaplan_meier_surv(surv, by=lung["sex"])
    pd.testing.assert_frame_equal(km.table, ss.kaplan_meier(lung, "time", "status01", "sex").table)
    lr = logrank_test_surv(surv, by=lung["sex"])
    assert lr.statistic == ss.logrank_test(lung, "time", "status01", by="sex").statistic
    assert median_followup_surv(surv).median == ss.median_followup(lung, "time", "status01").median


def test_mixing_columns_and_arrays_is_an_error(lung: pd.DataFrame) -> None:
    with pytest.raises(SarcosurvError, match="no data was given"):
        ss.kaplan_meier(time="time", event="status01")
    with pytest.raises(SarcosurvError, match="must name a column"):
        ss.kaplan_meier(lung, lung["time"], "status01")
    with pytest.raises(SarcosurvError, match="228 values"):
        ss.kaplan_meier(time=lung["time"], event=lung["status01"], by=np.array([1, 2]))


def test_group_is_a_deprecated_name_of_by(lung: pd.DataFrame) -> None:
    with pytest.warns(DeprecationWarning, match="by="):
        old = ss.logrank_test(lung, "time", "status01", group="sex")
    assert old.statistic == ss.logrank_test(lung, "time", "status01", by="sex").statistic
    with pytest.raises(SarcosurvError, match="by= only"):
        ss.logrank_test(lung, "time", "status01", by="sex", group="sex")


def test_weights_as_weighting_is_deprecated(lung: pd.DataFrame) -> None:
    with pytest.warns(DeprecationWarning, match="weighting="):
        old = ss.logrank_test(lung, "time", "status01", by="sex", weights="wilcoxon")
    new = ss.logrank_test(lung, "time", "status01", by="sex", weighting="wilcoxon")
    assert old.statistic == new.statistic
    with pytest.warns(DeprecationWarning, match="weighting="):
        ss.logrank_test(lung, "time", "status01", by="sex", weights=("fleming-harrington", 1, 0))
    # Case weights: R survdiff has none, so neither does the log-rank test.
    with pytest.raises(SarcosurvError, match="case weights"):
        ss.logrank_test(lung, "time", "status01", by="sex", weights="wt.loss")


def test_positional_calls_keep_working(lung: pd.DataFrame) -> None:
    a = ss.logrank_test(lung, "time", "status01", "sex", None, "tarone-ware")
    b = ss.logrank_test(lung, "time", "status01", by="sex", weighting="tarone-ware")
    assert a.statistic == b.statistic


def test_short_reprs_html_and_frames(lung: pd.DataFrame) -> None:
    km = ss.kaplan_meier(lung, "time", "status01", by="sex")
    assert repr(km) == "<KaplanMeierResult groups=2 n=228 events=165>"
    assert "<table" in km._repr_html_()
    assert "Kaplan–Meier estimate" in str(km)
    lr = ss.logrank_test(lung, "time", "status01", by="sex")
    assert repr(lr).startswith("<LogrankResult groups=2 n=228 events=165 statistic=10.33 df=1")
    assert "<table" in lr._repr_html_()
    assert list(lr.to_frame().columns) == ["test", "statistic", "df", "p_value"]
    fu = ss.median_followup(lung, "time", "status01")
    assert repr(fu).startswith("<FollowupResult n=228 censored=63 median=")
    assert "<table" in fu._repr_html_()
    assert km != ss.kaplan_meier(lung, "time", "status01", by="sex")  # eq=False: identity
