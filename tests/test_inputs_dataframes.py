"""pyarrow (and polars, when installed) tables work wherever a pandas DataFrame does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv._validate import as_pandas  # pass-through identity: not visible through the API

pa = pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    data = pd.read_csv(Path(__file__).parent / "data" / "lung.csv")
    data["dead"] = (data["status"] == 2).astype(int)
    return data


def test_estimators_accept_arrow_tables(lung: pd.DataFrame) -> None:
    table = pa.Table.from_pandas(lung, preserve_index=False)
    fit = ss.coxph("Surv(time, dead) ~ age + sex", table)
    reference = ss.coxph("Surv(time, dead) ~ age + sex", lung)
    pd.testing.assert_series_equal(fit.params, reference.params)
    km = ss.kaplan_meier(table, "time", "dead", by="sex")
    assert (
        km.median()["median"].tolist()
        == ss.kaplan_meier(lung, "time", "dead", by="sex").median()["median"].tolist()
    )
    assert ss.logrank_test(table, "time", "dead", by="sex").p_value == pytest.approx(
        ss.logrank_test(lung, "time", "dead", by="sex").p_value, rel=1e-12
    )
    events = lung.assign(cause=lung["dead"] * (1 + (lung["sex"] == 2)))
    cif = ss.cumulative_incidence(pa.Table.from_pandas(events), "time", "cause")
    assert len(cif.at(200)) == 2
    with_centre = lung.dropna(subset=["inst"])
    centre = ss.centre_score_test(
        "Surv(time, dead) ~ age", pa.Table.from_pandas(with_centre, preserve_index=False), "inst"
    )
    expected = ss.centre_score_test("Surv(time, dead) ~ age", with_centre, "inst")
    assert centre.p_value == pytest.approx(expected.p_value, rel=1e-12)


def test_polars_frames_when_installed(lung: pd.DataFrame) -> None:
    pl = pytest.importorskip("polars")
    fit = ss.coxph("Surv(time, dead) ~ age", pl.from_pandas(lung))
    assert fit.n == len(lung)


def test_other_objects_are_refused_with_the_conversion() -> None:
    class Frame:
        def to_pandas(self) -> pd.DataFrame:
            return pd.DataFrame()

    # Through the public front ends, which all convert with one helper.
    with pytest.raises(TypeError, match=r"data.to_pandas\(\)"):
        ss.kaplan_meier(Frame(), "t", "e")
    with pytest.raises(TypeError, match="must be a pandas DataFrame, not list"):
        ss.coxph("Surv(t, e) ~ x", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"to_pandas\(\)"):
        ss.logrank_test(Frame(), "t", "e", by="g")


def test_pandas_passes_through_unchanged(lung: pd.DataFrame) -> None:
    assert as_pandas(lung) is lung
