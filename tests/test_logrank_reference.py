"""Log-rank family against R (tests/reference/logrank_reference.R: survdiff and direct sums)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import sarcosurv as ss
from conftest import load_dataset, load_reference
from reference_inputs import LOGRANK_WEIGHTS, lung_km, veteran_logrank

REFERENCE = load_reference("logrank_reference")
RTOL = 1e-8


_lung, _veteran = lung_km, veteran_logrank


CASES: dict[str, tuple[Any, dict[str, Any]]] = {
    "lung_sex": (_lung, {"time": "time", "event": "status01", "by": "sex"}),
    "lung_ecog": (_lung, {"time": "time", "event": "status01", "by": "ph.ecog"}),
    "lung_months_sex": (_lung, {"time": "months", "event": "status01", "by": "sex"}),
    "veteran_celltype": (_veteran, {"time": "time", "event": "status", "by": "celltype"}),
    "veteran_celltype_trt": (
        _veteran,
        {"time": "time", "event": "status", "by": "celltype", "strata": "trt"},
    ),
    "ovarian_rx_resid": (
        lambda: load_dataset("ovarian"),
        {"time": "futime", "event": "fustat", "by": "rx", "strata": "resid.ds"},
    ),
    "aml_x": (lambda: load_dataset("aml"), {"time": "time", "event": "status", "by": "x"}),
}
WEIGHTS = LOGRANK_WEIGHTS
PARAMS = [(case, w) for case in CASES for w in WEIGHTS]


def _label(group: object) -> str:
    """R's printing of a group value (whole floats without a decimal part)."""
    if isinstance(group, float) and group.is_integer():
        return str(int(group))
    return str(group)


def run(case: str, weights: Any, trend: bool = False) -> ss.LogrankResult:
    loader, kwargs = CASES[case]
    return ss.logrank_test(loader(), weighting=weights, trend=trend, **kwargs)


@pytest.mark.parametrize(("case", "weights"), PARAMS)
def test_statistic_matches_r(case: str, weights: str) -> None:
    result = run(case, WEIGHTS[weights])
    ref = REFERENCE[case][weights]
    np.testing.assert_allclose(result.statistic, ref["statistic"], rtol=RTOL)
    np.testing.assert_allclose(result.p_value, ref["p_value"], rtol=RTOL)
    assert result.df == ref["df"]
    assert [_label(g) for g in result.observed.index] == [str(g) for g in ref["groups"]]
    np.testing.assert_allclose(result.observed, ref["observed"], rtol=RTOL)
    np.testing.assert_allclose(result.expected, ref["expected"], rtol=RTOL)
    scale = np.abs(np.asarray(ref["variance"])).max()
    np.testing.assert_allclose(result.variance, ref["variance"], rtol=RTOL, atol=RTOL * scale)


@pytest.mark.parametrize(("case", "weights"), PARAMS)
def test_trend_matches_r(case: str, weights: str) -> None:
    result = run(case, WEIGHTS[weights], trend=True)
    ref = REFERENCE[case][weights]["trend"]
    np.testing.assert_allclose(result.statistic, ref["statistic"], rtol=RTOL)
    np.testing.assert_allclose(result.p_value, ref["p_value"], rtol=RTOL)
    assert result.df == 1


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(("weights", "rho"), [("logrank", 0), ("peto", 1)])
def test_matches_survdiff(case: str, weights: str, rho: int) -> None:
    result = run(case, weights)
    ref = REFERENCE[case][f"survdiff_rho{rho}"]
    np.testing.assert_allclose(result.statistic, ref["statistic"], rtol=RTOL)
    np.testing.assert_allclose(result.observed, ref["observed"], rtol=RTOL)
    np.testing.assert_allclose(result.expected, ref["expected"], rtol=RTOL)


def test_logrank_observed_are_event_counts() -> None:
    result = run("lung_sex", "logrank")
    np.testing.assert_array_equal(result.observed.to_numpy(), result.n_event.to_numpy())
    assert result.observed.sum() == pytest.approx(result.expected.sum())


def test_missing_group_rows_are_counted() -> None:
    lung = _lung()
    result = run("lung_ecog", "logrank")
    assert result.n_excluded == int(lung["ph.ecog"].isna().sum()) == 1
    assert int(result.n.sum()) == len(lung) - 1
    assert "ph.ecog" in result.excluded["reason"].iloc[0]
