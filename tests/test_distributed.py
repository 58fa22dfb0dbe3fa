"""Dask DataFrames: the estimators on partitions equal the in-memory ones (and R's values).

A module-scoped ``LocalCluster`` with two worker processes runs every fit, so
the partition functions really travel to other processes; the frames are small.
Tolerances: Kaplan–Meier and log-rank 1e-12, Cox coefficients 1e-9 and
standard errors 1e-8 (absolute, on quantities of order one), R's reference
values at the suite's 1e-6.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sarcosurv as ss
from conftest import load_reference
from reference_inputs import cox_dataset, lung_km, veteran_logrank

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from sarcosurv.distributed import UnsupportedOnDaskError  # noqa: E402
from sarcosurv.errors import (  # noqa: E402
    CompetingRisksError,
    EmptyDataError,
    InvalidDataError,
)

KM_TOL = 1e-12
COEF_TOL = 1e-9
SE_TOL = 1e-8


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=":0",
        silence_logs=40,
    )
    with distributed.Client(cluster) as connected:
        yield connected
    cluster.close()


def partitioned(frame: pd.DataFrame, n: int = 3) -> Any:
    return dd.from_pandas(frame, npartitions=n, sort=False)


def max_difference(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Largest absolute difference over the float columns (NaN where both are NaN)."""
    assert list(a.columns) == list(b.columns)
    columns = [c for c in a.columns if a[c].dtype.kind == "f"]
    x, y = a[columns].to_numpy(), b[columns].to_numpy()
    assert np.array_equal(np.isnan(x), np.isnan(y))
    both = ~np.isnan(x)
    return float(np.max(np.abs(x[both] - y[both]), initial=0.0))


def same_km(dask_fit: ss.KaplanMeierResult, memory: ss.KaplanMeierResult) -> None:
    assert max_difference(dask_fit.table, memory.table) <= KM_TOL
    others = [c for c in memory.table.columns if memory.table[c].dtype.kind != "f"]
    pd.testing.assert_frame_equal(dask_fit.table[others], memory.table[others])
    pd.testing.assert_frame_equal(dask_fit.groups, memory.groups)
    pd.testing.assert_frame_equal(dask_fit.excluded, memory.excluded, check_dtype=False)
    assert dask_fit.offsets == memory.offsets


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    data = lung_km()
    data["entry"] = np.where(np.arange(len(data)) % 3 == 0, data["time"] * 0.25, 0.0)
    data.loc[[4, 77], "ph.ecog"] = np.nan  # rows excluded for a missing group
    return data


KM_CASES: list[dict[str, Any]] = [
    {},
    {"by": "sex"},
    {"by": ["sex", "ph.ecog"]},
    {"by": "sex", "weights": "wfrac"},
    {"by": "ph.ecog", "weights": "wint", "conf_type": "log"},
    {"by": "sex", "entry": "entry"},
]


@pytest.mark.parametrize("options", KM_CASES, ids=[str(o) for o in KM_CASES])
def test_kaplan_meier_equals_in_memory(client: Any, lung: pd.DataFrame, options: dict) -> None:
    same_km(
        ss.kaplan_meier(partitioned(lung), "time", "status01", **options),
        ss.kaplan_meier(lung, "time", "status01", **options),
    )


@pytest.mark.parametrize("entry", [None, "entry"])
def test_kaplan_meier_knows_late_entry_as_in_memory(
    client: Any, lung: pd.DataFrame, entry: str | None
) -> None:
    on_dask = ss.kaplan_meier(partitioned(lung), "time", "status01", entry=entry)
    assert on_dask.late_entry is ss.kaplan_meier(lung, "time", "status01", entry=entry).late_entry
    assert on_dask.late_entry is (entry is not None)


def test_kaplan_meier_timefix_merges_across_partitions(client: Any) -> None:
    # 0.1 + 0.2 and 0.3 sit in different partitions; timefix merges them as in memory.
    data = pd.DataFrame({"t": [0.1 + 0.2, 1.0, 2.0, 0.3, 3.0, 0.3], "e": [1, 0, 1, 1, 1, 0]})
    dask_fit = ss.kaplan_meier(partitioned(data, 3), "t", "e")
    same_km(dask_fit, ss.kaplan_meier(data, "t", "e"))
    assert dask_fit.table["time"].iloc[0] == 0.3
    unmerged = ss.kaplan_meier(partitioned(data, 3), "t", "e", timefix=False)
    same_km(unmerged, ss.kaplan_meier(data, "t", "e", timefix=False))
    assert len(unmerged.table) == len(dask_fit.table) + 1


def test_kaplan_meier_timefix_collapsed_interval_names_the_row(client: Any) -> None:
    # Entry 0.3 - 5.6e-17 and exit 0.3 are equal up to rounding: the interval collapses.
    data = pd.DataFrame({"t": [0.3, 1.0, 2.0, 3.0], "start": [0.29999999999999993, 0.0, 0.5, 1.0]})
    data["e"] = [1, 1, 0, 1]
    with pytest.raises(InvalidDataError) as memory_error:
        ss.kaplan_meier(data, "t", "e", entry="start")
    with pytest.raises(InvalidDataError) as dask_error:
        ss.kaplan_meier(partitioned(data, 2), "t", "e", entry="start")
    assert dask_error.value.rows == memory_error.value.rows == [0]


def test_median_followup_equals_in_memory(client: Any, lung: pd.DataFrame) -> None:
    dask_fit = ss.median_followup(partitioned(lung), "time", "status01")
    memory = ss.median_followup(lung, "time", "status01")
    assert (dask_fit.median, dask_fit.lower, dask_fit.upper) == pytest.approx(
        (memory.median, memory.lower, memory.upper), abs=KM_TOL
    )
    assert (dask_fit.n, dask_fit.n_censored) == (memory.n, memory.n_censored)
    same_km(dask_fit.reverse_km, memory.reverse_km)


LOGRANK_CASES: list[dict[str, Any]] = [
    {"by": "sex"},
    {"by": "ph.ecog", "strata": "sex"},
    {"by": "sex", "weighting": "peto"},
    {"by": "sex", "weighting": ("fleming-harrington", 1.0, 1.0)},
    {"by": "ph.ecog", "trend": True, "weighting": "wilcoxon"},
]


@pytest.mark.parametrize("options", LOGRANK_CASES, ids=[str(o) for o in LOGRANK_CASES])
def test_logrank_equals_in_memory(client: Any, lung: pd.DataFrame, options: dict) -> None:
    dask_fit = ss.logrank_test(partitioned(lung), "time", "status01", **options)
    memory = ss.logrank_test(lung, "time", "status01", **options)
    assert abs(dask_fit.statistic - memory.statistic) <= KM_TOL * max(1.0, memory.statistic)
    assert dask_fit.df == memory.df
    for name in ("observed", "expected"):
        assert np.abs(getattr(dask_fit, name) - getattr(memory, name)).max() <= KM_TOL * 1e3
    np.testing.assert_allclose(dask_fit.variance, memory.variance, rtol=KM_TOL, atol=KM_TOL)
    pd.testing.assert_series_equal(dask_fit.n, memory.n)
    pd.testing.assert_series_equal(dask_fit.n_event, memory.n_event)
    pd.testing.assert_frame_equal(dask_fit.excluded, memory.excluded, check_dtype=False)


def test_logrank_against_r(client: Any) -> None:
    reference = load_reference("logrank_reference")["veteran_celltype"]
    data = veteran_logrank()
    fit = ss.logrank_test(partitioned(data, 4), "time", "status", by="celltype")
    expected = reference["logrank"]
    assert fit.statistic == pytest.approx(expected["statistic"], rel=1e-8)
    np.testing.assert_allclose(fit.expected, expected["expected"], rtol=1e-8)


COX_CASES: list[dict[str, Any]] = load_reference("cox_reference")


def _python_formula(case: dict[str, Any]) -> str:
    formula: str = case["python"]
    for name in ("ph.ecog", "ecog.ps"):
        formula = formula.replace(name, name.replace(".", "_"))
    return formula


def _cox(case: dict[str, Any], data: Any) -> ss.CoxResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.errors.SarcosurvWarning)
        return ss.coxph(
            _python_formula(case),
            data,
            ties=case["ties"],
            strata=case.get("strata"),
            cluster=case.get("cluster"),
            weights=case.get("weights"),
        )


# One ties method per data set in the default session (alternating), both under -m slow.
COX_PARAMS = [
    pytest.param(c, marks=[pytest.mark.slow] if (i + i // 2) % 2 else [])
    for i, c in enumerate(COX_CASES)
]


@pytest.mark.parametrize("case", COX_PARAMS, ids=[f"{c['name']}-{c['ties']}" for c in COX_CASES])
def test_cox_equals_in_memory_and_r(client: Any, case: dict[str, Any]) -> None:
    data = cox_dataset(case["data"])
    dask_fit = _cox(case, partitioned(data, 3))
    memory = _cox(case, data)
    assert np.abs(dask_fit.params - memory.params).max() <= COEF_TOL
    assert np.abs(dask_fit.std_err - memory.std_err).max() <= SE_TOL
    assert np.abs(dask_fit.naive_std_err - memory.naive_std_err).max() <= SE_TOL
    assert dask_fit.loglik == pytest.approx(memory.loglik, rel=1e-12)
    assert dask_fit.robust == memory.robust
    assert (dask_fit.n, dask_fit.n_event, dask_fit.n_iter) == (
        memory.n,
        memory.n_event,
        memory.n_iter,
    )
    assert dask_fit.tests is not None
    assert memory.tests is not None
    np.testing.assert_allclose(
        dask_fit.tests.to_frame()["statistic"], memory.tests.to_frame()["statistic"], rtol=1e-9
    )
    pd.testing.assert_frame_equal(dask_fit.excluded, memory.excluded, check_dtype=False)
    np.testing.assert_allclose(np.sort(dask_fit.params), np.sort(case["coef"]), rtol=1e-6)


@pytest.fixture(scope="module")
def counting_process() -> pd.DataFrame:
    rng = np.random.default_rng(16)
    n = 600
    data = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(3.0, 1.0, size=n),
            "grade": rng.choice(["low", "mid", "high"], n),
            "centre": rng.integers(0, 25, n),
            "site": rng.integers(0, 2, n),
            "w": rng.uniform(0.5, 2.0, n),
        }
    )
    hazard = np.exp(0.5 * data["x1"] - 0.3 * data["x2"] + 0.4 * (data["grade"] == "high"))
    # Times on a grid of 1/50 computed two ways: k / 50 + 0.02 and (k + 1) / 50 can
    # differ by one rounding, which timefix merges (across partitions, too).
    data["stop"] = np.round(rng.exponential(1 / hazard) * 50) / 50 + 0.02
    data["start"] = np.round(data["stop"] * rng.uniform(0, 0.8, n) * 50) / 50
    data["event"] = (rng.random(n) < 0.7).astype(int)
    data.loc[[3, 400], "x1"] = np.nan
    # The "high" grade is absent from the first partition: levels are gathered globally.
    data = data.sort_values("grade", kind="stable", key=lambda s: s == "high")
    return data.reset_index(drop=True)


SYNTHETIC: list[tuple[str, dict[str, Any]]] = [
    ("Surv(start, stop, event) ~ x1 + x2 + grade", {}),
    ("Surv(start, stop, event) ~ x1 + x2 + grade", {"ties": "breslow", "weights": "w"}),
    ("Surv(start, stop, event) ~ x1 + grade + strata(site)", {"cluster": "centre"}),
    ("Surv(stop, event) ~ x1 * x2 + np.log(x2 + 5)", {"strata": "site", "weights": "w"}),
    ("Surv(start, stop, event) ~ x1 + x2", {"strata": "site", "timefix": False}),
]


@pytest.mark.parametrize(("formula", "options"), SYNTHETIC, ids=[f for f, _ in SYNTHETIC])
def test_cox_counting_process_equals_in_memory(
    client: Any, counting_process: pd.DataFrame, formula: str, options: dict
) -> None:
    dask_fit = ss.coxph(formula, partitioned(counting_process, 4), **options)
    memory = ss.coxph(formula, counting_process, **options)
    assert list(dask_fit.params.index) == list(memory.params.index)
    assert np.abs(dask_fit.params - memory.params).max() <= COEF_TOL
    assert np.abs(dask_fit.std_err - memory.std_err).max() <= SE_TOL
    assert dask_fit.robust == memory.robust
    pd.testing.assert_frame_equal(dask_fit.excluded, memory.excluded, check_dtype=False)


def test_cox_timefix_collapsed_interval_names_the_row(client: Any) -> None:
    data = pd.DataFrame(
        {
            "start": [0.29999999999999993, 0.0, 0.5, 1.0, 0.0, 0.0],
            "stop": [0.3, 1.0, 2.0, 3.0, 2.5, 0.7],
            "event": [1, 1, 0, 1, 1, 1],
            "x": [0.1, 0.4, -0.2, 0.3, -0.5, 0.8],
        }
    )
    formula = "Surv(start, stop, event) ~ x"
    with pytest.raises(InvalidDataError) as memory_error:
        ss.coxph(formula, data)
    with pytest.raises(InvalidDataError) as dask_error:
        ss.coxph(formula, partitioned(data, 2))
    assert dask_error.value.rows == memory_error.value.rows == [0]


def test_local_scheduler_without_client(lung: pd.DataFrame) -> None:
    with dask.config.set(scheduler="synchronous"):
        fit = ss.kaplan_meier(partitioned(lung, 2), "time", "status01", by="sex")
    same_km(fit, ss.kaplan_meier(lung, "time", "status01", by="sex"))


def test_unsupported_features_name_themselves(client: Any, counting_process: pd.DataFrame) -> None:
    data = partitioned(counting_process, 2)
    with pytest.raises(UnsupportedOnDaskError, match="frailty"):
        ss.coxph("Surv(stop, event) ~ x1", data, frailty="centre")
    with pytest.raises(UnsupportedOnDaskError, match=r"center\(\)"):
        ss.coxph("Surv(stop, event) ~ center(x1)", data)
    fit = ss.coxph("Surv(stop, event) ~ x1 + x2", data)
    for call, feature in [
        (lambda: fit.residuals(), "residuals"),
        (lambda: fit.concordance, "concordance"),
        (lambda: fit.test_proportional_hazards(), "cox.zph"),
        (lambda: fit.predict(counting_process), "prediction"),
        (lambda: fit.predict_survival(counting_process, [1.0]), "prediction"),
        (lambda: fit.baseline_hazard(), "baseline_hazard"),
    ]:
        with pytest.raises(UnsupportedOnDaskError, match=feature):
            call()
    assert isinstance(UnsupportedOnDaskError("x"), ss.errors.SarcosurvError)


def test_bad_values_name_their_row(client: Any, lung: pd.DataFrame) -> None:
    data = lung.copy()
    data.loc[200, "time"] = -1.0
    with pytest.raises(InvalidDataError) as error:
        ss.kaplan_meier(partitioned(data), "time", "status01")
    assert error.value.rows == [200]
    assert error.value.column == "time"
    competing = lung.assign(status01=lung["status01"].where(lung.index != 150, 2))
    with pytest.raises(CompetingRisksError):
        ss.logrank_test(partitioned(competing), "time", "status01", by="sex")
    empty = lung.assign(sex=np.nan)
    with pytest.raises(EmptyDataError):
        ss.kaplan_meier(partitioned(empty), "time", "status01", by="sex")


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 12),
            st.booleans(),
            st.sampled_from(["a", "b", None]),
            st.sampled_from([0.5, 1.0, 2.5]),
        ),
        min_size=2,
        max_size=40,
    ),
    st.integers(1, 5),
)
def test_partitioning_never_changes_kaplan_meier(rows: list[tuple], n_parts: int) -> None:
    data = pd.DataFrame(rows, columns=["t", "e", "g", "w"]).astype({"e": int})
    data["t"] = data["t"] / 4.0
    if data["g"].isna().all():
        data.loc[0, "g"] = "a"
    with dask.config.set(scheduler="synchronous"):
        fit = ss.kaplan_meier(partitioned(data, n_parts), "t", "e", by="g", weights="w")
    same_km(fit, ss.kaplan_meier(data, "t", "e", by="g", weights="w"))


def test_cox_with_empty_and_incomplete_partitions(
    client: Any, counting_process: pd.DataFrame
) -> None:
    data = counting_process.copy()
    data.loc[:99, "x2"] = np.nan  # the first partition has no complete row
    frame = dd.from_pandas(data, npartitions=6, sort=False)
    frame = frame[frame["x1"] > -100]  # filtering keeps the partitions
    empty = dd.from_pandas(data.iloc[:0], npartitions=1)
    frame = dd.concat([empty, frame])
    formula = "Surv(start, stop, event) ~ x1 + x2 + grade"
    dask_fit = ss.coxph(formula, frame)
    memory = ss.coxph(formula, data[data["x1"] > -100])
    assert np.abs(dask_fit.params - memory.params).max() <= COEF_TOL
    pd.testing.assert_frame_equal(dask_fit.excluded, memory.excluded, check_dtype=False)
    km = ss.kaplan_meier(frame, "stop", "event", by="grade", entry="start")
    same_km(
        km, ss.kaplan_meier(data[data["x1"] > -100], "stop", "event", by="grade", entry="start")
    )
