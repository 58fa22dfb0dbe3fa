"""Kaplan–Meier against R survival 3.5 (tests/reference/km_reference.R)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from conftest import load_dataset, load_reference
from reference_inputs import lung_km

REFERENCE = load_reference("km_reference")
RTOL = 1e-8
ATOL = 1e-13
CONF_TYPES = ["plain", "log", "log-log", "arcsin"]
LANDMARKS = [0, 0.5, 1, 5, 30, 100, 180, 365, 500, 730, 1000, 5000]


_lung = lung_km


def _constructed(name: str) -> pd.DataFrame:
    return pd.DataFrame(REFERENCE["constructed"][name])


#: case name -> (data loader, kaplan_meier keyword arguments), mirroring the R script.
CASES: dict[str, tuple[Any, dict[str, Any]]] = {
    "lung_all": (_lung, {"time": "time", "event": "status01"}),
    "lung_sex": (_lung, {"time": "time", "event": "status01", "by": "sex"}),
    "lung_sex_ecog": (_lung, {"time": "time", "event": "status01", "by": ["sex", "ph.ecog"]}),
    "veteran_celltype": (
        lambda: load_dataset("veteran"),
        {"time": "time", "event": "status", "by": "celltype"},
    ),
    "ovarian_rx": (
        lambda: load_dataset("ovarian"),
        {"time": "futime", "event": "fustat", "by": "rx"},
    ),
    "aml_x": (lambda: load_dataset("aml"), {"time": "time", "event": "status", "by": "x"}),
    "heart_entry": (
        lambda: load_dataset("heart"),
        {"time": "stop", "event": "event", "entry": "start"},
    ),
    "heart_entry_transplant": (
        lambda: load_dataset("heart"),
        {"time": "stop", "event": "event", "entry": "start", "by": "transplant"},
    ),
    "lung_months": (_lung, {"time": "months", "event": "status01"}),
    "lung_months_sex": (_lung, {"time": "months", "event": "status01", "by": "sex"}),
    "lung_wint": (_lung, {"time": "time", "event": "status01", "by": "sex", "weights": "wint"}),
    "lung_wfrac": (_lung, {"time": "time", "event": "status01", "weights": "wfrac"}),
    "flat_mid": (lambda: _constructed("flat_mid"), {"time": "time", "event": "status"}),
    "flat_end": (lambda: _constructed("flat_end"), {"time": "time", "event": "status"}),
    "flat_q": (lambda: _constructed("flat_q"), {"time": "time", "event": "status"}),
}


def _array(values: Any) -> np.ndarray:
    return np.array([np.nan if x is None else x for x in np.atleast_1d(values)], dtype=float)


def assert_close(actual: Any, expected: Any) -> None:
    a, e = _array(actual), _array(expected)
    assert a.shape == e.shape
    np.testing.assert_array_equal(np.isnan(a), np.isnan(e))
    np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL)


def r_strata_name(km: ss.KaplanMeierResult, group: object) -> str:
    """R's stratum label of a sarcosurv group."""
    if not km.by:
        return "all"
    if len(km.by) == 1:
        return f"{km.by[0]}={group}"
    return str(group)


def strata_names(case: str, conf_type: str) -> list[str]:
    names = REFERENCE[case][conf_type]["strata_names"]
    return [names] if isinstance(names, str) else list(names)


def fit(case: str, conf_type: str) -> ss.KaplanMeierResult:
    loader, kwargs = CASES[case]
    return ss.kaplan_meier(loader(), conf_type=conf_type, **kwargs)


PARAMS = [(case, ct) for case in CASES for ct in CONF_TYPES]


@pytest.mark.parametrize(("case", "conf_type"), PARAMS)
def test_table_matches_survfit(case: str, conf_type: str) -> None:
    km = fit(case, conf_type)
    ref = REFERENCE[case][conf_type]["table"]
    strata = [r_strata_name(km, g) for g in km.table["group"]] if km.by else ["all"] * len(km.table)
    # Same stratum order as R when labels are compared as R prints them.
    ref_order = {name: i for i, name in enumerate(strata_names(case, conf_type))}
    order = np.argsort([ref_order[s] for s in strata], kind="stable")
    table = km.table.iloc[order]
    assert [strata[i] for i in order] == ref["strata"]
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
        assert_close(table[ours].to_numpy(dtype=float), ref[theirs])


@pytest.mark.parametrize(("case", "conf_type"), PARAMS)
def test_quantiles_match_quantile_survfit(case: str, conf_type: str) -> None:
    km = fit(case, conf_type)
    ref = REFERENCE[case][conf_type]
    names = strata_names(case, conf_type)
    quantiles = km.quantile(ref["quantile_probs"])
    labels = (
        [r_strata_name(km, g) for g in quantiles["group"]] if km.by else ["all"] * len(quantiles)
    )
    for i, name in enumerate(names):
        rows = quantiles[[label == name for label in labels]]
        assert_close(rows["quantile"].to_numpy(), ref["quantile"][i])
        assert_close(rows["lower"].to_numpy(), ref["quantile_lower"][i])
        assert_close(rows["upper"].to_numpy(), ref["quantile_upper"][i])


@pytest.mark.parametrize(("case", "conf_type"), PARAMS)
def test_landmarks_match_summary_times(case: str, conf_type: str) -> None:
    km = fit(case, conf_type)
    ref = REFERENCE[case][conf_type]["landmarks"]
    at = km.survival_at(LANDMARKS, extend=True)
    labels = [r_strata_name(km, g) for g in at["group"]] if km.by else ["all"] * len(at)
    order = sorted(range(len(at)), key=lambda i: ref["strata"].index(labels[i]))
    at = at.iloc[order]
    assert_close(at["time"].to_numpy(), ref["time"])
    for ours, theirs in [
        ("survival", "surv"),
        ("lower", "lower"),
        ("upper", "upper"),
        ("n_risk", "n_risk"),
        ("std_err", "std_err"),
    ]:
        assert_close(at[ours].to_numpy(dtype=float), ref[theirs])


def test_median_equals_quantile_half() -> None:
    km = fit("lung_sex", "log-log")
    median = km.median()
    half = km.quantile(0.5)
    np.testing.assert_array_equal(median["median"], half["quantile"])
    assert list(median.columns) == ["group", "median", "lower", "upper"]


def test_followup_matches_reverse_survfit() -> None:
    lung = _lung()
    follow = ss.median_followup(lung, "time", "status01")
    ref = REFERENCE["followup_lung"]
    assert_close(follow.median, ref["median"])
    assert_close(follow.lower, ref["lower"])
    assert_close(follow.upper, ref["upper"])
    assert follow.n == len(lung)
    assert follow.n_censored == int((lung["status01"] == 0).sum())
    assert list(follow.to_frame().columns)[:3] == ["median", "lower", "upper"]


def test_missing_by_rows_are_counted_as_excluded() -> None:
    lung = _lung()
    km = fit("lung_sex_ecog", "log")
    assert km.n_excluded == int(lung["ph.ecog"].isna().sum()) == 1
    assert "ph.ecog" in km.excluded["reason"].iloc[0]
    assert km.excluded["row"].tolist() == lung.index[lung["ph.ecog"].isna()].tolist()
    assert int(km.groups["n"].sum()) == len(lung) - 1
