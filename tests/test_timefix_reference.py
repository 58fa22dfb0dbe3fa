"""Times equal up to rounding: Kaplan–Meier, log-rank and follow-up agree with R's timefix.

R ``survfit`` and ``survdiff`` merge such times with ``aeqSurv`` by default; the
reference values come from ``tests/reference/timefix_reference.R`` (R survival 3.5.3).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from conftest import load_dataset, load_reference
from reference_inputs import lung_exit_age
from sarcosurv.surv import aeq_times

RTOL = 1e-8
REFERENCE = load_reference("timefix_reference")


def _lung() -> pd.DataFrame:
    return lung_exit_age()


def _veteran() -> pd.DataFrame:
    veteran = load_dataset("veteran")
    veteran["exit_age"] = veteran["age"] + veteran["time"] / 12
    return veteran


def _toy() -> pd.DataFrame:
    # Built here as in R (0.1 + 0.2 is not 0.3), not read back from the rounded JSON.
    time = [0.1 + 0.2, 0.3, 0.3, 0.7, 0.1 + 0.6, 1, 0.4, 0.2 + 0.2, 0.6, 0.9, 0.3, 1.1]
    status = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1]
    group = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 2, 1]
    return pd.DataFrame({"time": time, "status": status, "group": group})


KM_CASES: dict[str, tuple[Any, dict[str, Any]]] = {
    "lung_exit_age": (_lung, {"time": "exit_age", "event": "status01"}),
    "lung_exit_age_sex": (_lung, {"time": "exit_age", "event": "status01", "by": "sex"}),
    "lung_age_scale_entry": (
        _lung,
        {"time": "exit_age", "event": "status01", "by": "sex", "entry": "age"},
    ),
    "veteran_exit_age": (_veteran, {"time": "exit_age", "event": "status"}),
    "toy": (_toy, {"time": "time", "event": "status", "by": "group"}),
}
LOGRANK_CASES: dict[str, tuple[Any, dict[str, Any]]] = {
    "lung_exit_age_sex": (_lung, {"time": "exit_age", "event": "status01", "by": "sex"}),
    "veteran_exit_age_trt": (_veteran, {"time": "exit_age", "event": "status", "by": "trt"}),
    "toy": (_toy, {"time": "time", "event": "status", "by": "group"}),
}


def _close(actual: Any, expected: Any) -> None:
    e = np.array([np.nan if x is None else x for x in expected], dtype=float)
    np.testing.assert_allclose(np.asarray(actual, dtype=float), e, rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("case", list(KM_CASES))
def test_kaplan_meier_matches_survfit(case: str) -> None:
    loader, kwargs = KM_CASES[case]
    km = ss.kaplan_meier(loader(), conf_type="log-log", **kwargs)
    ref = REFERENCE["km"][case]
    assert len(km.table) == len(ref["time"])
    for ours, theirs in [
        ("time", "time"),
        ("n_risk", "n_risk"),
        ("n_event", "n_event"),
        ("n_censor", "n_censor"),
        ("survival", "surv"),
        ("std_err", "std_err"),
        ("lower", "lower"),
        ("upper", "upper"),
    ]:
        _close(km.table[ours], ref[theirs])


@pytest.mark.parametrize("case", ["lung_exit_age", "toy"])
def test_without_timefix_the_times_stay_distinct(case: str) -> None:
    """The cases do hold times equal up to rounding: timefix=False keeps them apart."""
    loader, kwargs = KM_CASES[case]
    fixed = ss.kaplan_meier(loader(), **kwargs)
    raw = ss.kaplan_meier(loader(), timefix=False, **kwargs)
    assert len(raw.table) > len(fixed.table)


@pytest.mark.parametrize("case", list(LOGRANK_CASES))
def test_logrank_matches_survdiff(case: str) -> None:
    loader, kwargs = LOGRANK_CASES[case]
    result = ss.logrank_test(loader(), **kwargs)
    ref = REFERENCE["logrank"][case]
    np.testing.assert_allclose(result.statistic, ref["statistic"], rtol=RTOL)
    assert result.df == ref["df"]
    _close(result.observed, ref["observed"])
    _close(result.expected, ref["expected"])
    _close(result.variance.to_numpy().ravel(), np.asarray(ref["variance"]).ravel())


def test_toy_logrank_changes_without_timefix() -> None:
    fixed = ss.logrank_test(_toy(), "time", "status", by="group")
    raw = ss.logrank_test(_toy(), "time", "status", by="group", timefix=False)
    assert abs(raw.statistic - fixed.statistic) > 1e-3


def test_median_followup_matches_reverse_survfit() -> None:
    result = ss.median_followup(_lung(), "exit_age", "status01")
    ref = REFERENCE["followup_lung_exit_age"]
    _close([result.median, result.lower, result.upper], [ref["median"], ref["lower"], ref["upper"]])


def test_aeq_times_matches_aeqsurv() -> None:
    pooled = np.concatenate([_toy()["time"].to_numpy(), _lung()["exit_age"].to_numpy()])
    (fixed,) = aeq_times(pooled)
    ref = REFERENCE["aeq"]
    np.testing.assert_allclose(fixed, ref["output"], rtol=1e-14)
    distinct = np.unique(fixed)
    np.testing.assert_array_equal(np.searchsorted(distinct, fixed) + 1, ref["rank"])
    untied = np.unique(pooled)
    np.testing.assert_array_equal(np.searchsorted(untied, pooled) + 1, ref["rank_untied"])
