"""Fine–Gray with case weights: against R on expanded rows, and properties."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from conftest import load_dataset, load_reference

REFERENCE = load_reference("finegray_weights_reference")
CASES: dict[str, Any] = REFERENCE["fine_gray_weights"]
DATA = {"mgus2": "mgus2_cr", "rotterdam": "rotterdam_cr", "sim": "compete_sim"}


def _data(name: str) -> pd.DataFrame:
    data = load_dataset(DATA[name.split("_")[0]])
    if name.startswith("mgus2"):
        data["w"] = 1 + data["id"] % 3
    if name.startswith("rotterdam"):
        data["w"] = 1 + (data["pid"] % 4 == 0) * 2
    data["row_id"] = np.arange(len(data))
    return data


def _formula(case: dict[str, Any]) -> str:
    rhs = case["rhs"].replace("sex", "C(sex)").replace("group", "C(group)")
    return f"Surv({case['time']}, {case['event']}) ~ {rhs}"


@pytest.mark.parametrize("name", list(CASES))
def test_weighted_finegray_matches_crr_on_expanded_rows(name: str) -> None:
    case = CASES[name]
    fit = ss.finegray(_formula(case), _data(name), cause=case["cause"], weights=case["weights"])
    np.testing.assert_allclose(fit.params.to_numpy(), case["coef"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(fit.std_err.to_numpy(), case["std_err"], rtol=1e-6)
    np.testing.assert_allclose(fit.loglik, [case["loglik_null"], case["loglik"]], rtol=1e-9)


@pytest.mark.parametrize("name", list(CASES))
def test_weighted_finegray_matches_survival_finegray_coxph(name: str) -> None:
    case = CASES[name]
    fit = ss.finegray(
        _formula(case),
        _data(name),
        cause=case["cause"],
        weights=case["weights"],
        cluster="row_id",
        weighting="survival",
    )
    np.testing.assert_allclose(fit.params.to_numpy(), case["survival_coef"], rtol=1e-6)
    np.testing.assert_allclose(
        fit.naive_std_err.to_numpy(), case["survival_naive_std_err"], rtol=1e-6
    )
    np.testing.assert_allclose(fit.std_err.to_numpy(), case["survival_robust_std_err"], rtol=1e-6)


def test_weight_two_equals_duplicated_row() -> None:
    data = _data("sim_1").iloc[:150].reset_index(drop=True)
    data["w"] = 1 + (data["id"] % 2)
    doubled = data.loc[data.index.repeat(data["w"])].reset_index(drop=True)
    formula = "Surv(time, cause) ~ C(group) + wfrac"
    weighted = ss.finegray(formula, data, cause=1, weights="w")
    expanded = ss.finegray(formula, doubled, cause=1)
    np.testing.assert_allclose(weighted.params, expanded.params, rtol=1e-9)
    np.testing.assert_allclose(weighted.std_err, expanded.std_err, rtol=1e-9)
    np.testing.assert_allclose(weighted.naive_std_err, expanded.naive_std_err, rtol=1e-9)


def test_zero_weight_equals_dropped_row() -> None:
    data = _data("sim_1")
    data["w"] = (data["id"] % 5 != 0).astype(float)
    formula = "Surv(time, cause) ~ C(group) + stratum"
    weighted = ss.finegray(formula, data, cause=2, weights="w")
    dropped = ss.finegray(formula, data.loc[data["w"] > 0], cause=2)
    np.testing.assert_allclose(weighted.params, dropped.params, rtol=1e-8)
    np.testing.assert_allclose(weighted.std_err, dropped.std_err, rtol=1e-8)


def test_unit_weights_change_nothing() -> None:
    data = _data("sim_1")
    data["one"] = 1.0
    formula = "Surv(time, cause) ~ C(group) + stratum"
    plain = ss.finegray(formula, data, cause=1)
    weighted = ss.finegray(formula, data, cause=1, weights="one")
    np.testing.assert_allclose(weighted.params, plain.params, rtol=1e-12)
    np.testing.assert_allclose(weighted.std_err, plain.std_err, rtol=1e-12)


def test_negative_weight_is_a_typed_error_naming_the_row() -> None:
    data = _data("sim_1")
    data.loc[7, "wfrac"] = -1.0
    with pytest.raises(ss.errors.SarcosurvError, match="wfrac"):
        ss.finegray("Surv(time, cause) ~ C(group)", data, cause=1, weights="wfrac")


@pytest.mark.parametrize("name", list(REFERENCE["predictions"]))
def test_predicted_cif_with_ci_matches_survfit(name: str) -> None:
    case = REFERENCE["predictions"][name]
    data = _data(name)
    fit = ss.finegray(
        _formula(case), data, cause=case["cause"], cluster="row_id", weighting="survival"
    )
    np.testing.assert_allclose(fit.params.to_numpy(), case["coef"], rtol=1e-6)
    rows = data.loc[fit.design.used].iloc[:2]
    ours = fit.predict_cumulative_incidence(rows, case["times"])
    for column in ("cif", "std_err", "lower", "upper"):
        theirs = np.array(case[column], dtype=float)  # (rows, times)
        np.testing.assert_allclose(
            ours[column].to_numpy().reshape(2, -1), theirs, rtol=1e-6, err_msg=column
        )


def test_baseline_table_keeps_its_documented_columns() -> None:
    fit = ss.finegray("Surv(time, cause) ~ C(group) + stratum", _data("sim_1"), cause=1)
    assert list(fit.baseline_cumulative_hazard().columns) == [
        "stratum",
        "time",
        "cumulative_hazard",
    ]


def test_delayed_entry_is_a_typed_error() -> None:
    data = _data("sim_1")
    with pytest.raises(ss.errors.FormulaError, match="does not support delayed entry"):
        ss.finegray("Surv(entry, time, cause) ~ C(group)", data, cause=1)
