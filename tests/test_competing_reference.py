"""Cumulative incidence, Gray's test and RMST against R (tests/reference/competing_reference.R)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from conftest import load_dataset, load_reference
from reference_inputs import RMST_CASES
from sarcosurv.rmst import rmst

REFERENCE = load_reference("competing_reference")

#: How each survfit case of the R script maps to a cumulative_incidence call.
AJ_CASES: dict[str, dict[str, Any]] = {
    "pbc_trt": {"data": "pbc", "time": "time", "event": "status", "by": "trt"},
    "pbc_all_log": {"data": "pbc", "time": "time", "event": "status", "conf_type": "log"},
    "pbc_all_plain": {"data": "pbc", "time": "time", "event": "status", "conf_type": "plain"},
    "mgus2_sex": {"data": "mgus2_cr", "time": "etime", "event": "event", "by": "sex"},
    "mgus2_age_entry": {
        "data": "mgus2_cr",
        "time": "ageout",
        "event": "event",
        "by": "sex",
        "entry": "agein",
    },
    "rotterdam_chemo": {
        "data": "rotterdam_cr",
        "time": "rfstime",
        "event": "rfs_event",
        "by": "chemo",
    },
    "sim_group": {"data": "compete_sim", "time": "time", "event": "cause", "by": "group"},
    "sim_group_wfrac": {
        "data": "compete_sim",
        "time": "time",
        "event": "cause",
        "by": "group",
        "weights": "wfrac",
    },
    "sim_entry_wint": {
        "data": "compete_sim",
        "time": "time",
        "event": "cause",
        "by": "group",
        "weights": "wint",
        "entry": "entry",
    },
    "sim_entry": {
        "data": "compete_sim",
        "time": "time",
        "event": "cause",
        "entry": "entry",
        "conf_type": "log",
    },
}


def _numbers(values: Any) -> np.ndarray:
    """R numbers from JSON, with R's NA (written as the string "NA") as NaN."""
    frame = pd.DataFrame(values)
    return np.array(frame.apply(pd.to_numeric, errors="coerce"), dtype=float)


def _ours(case: dict[str, Any]) -> ss.CumulativeIncidenceResult:
    args = dict(case)
    data = load_dataset(args.pop("data"))
    return ss.cumulative_incidence(data, **args)


def _close(ours: np.ndarray, theirs: np.ndarray, rtol: float = 1e-8, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("name", list(AJ_CASES))
def test_aalen_johansen_matches_survfit(name: str) -> None:
    r = REFERENCE["aalen_johansen"][name]
    result = _ours(AJ_CASES[name])
    table = result.table
    assert [str(c) for c in result.causes] == r["causes"]
    values = {k: _numbers(r[k]) for k in ("cif", "std_err", "lower", "upper")}
    counts = np.array(r["n_event"], dtype=float)
    for position, cause in enumerate(result.causes):
        rows = table[table["cause"] == cause]
        _close(rows["time"].to_numpy(float), np.array(r["time"], dtype=float))
        for column, theirs in values.items():
            _close(rows[column].to_numpy(float), theirs[position])
        if "weights" not in AJ_CASES[name]:  # survfit counts rows, not weights
            _close(rows["n_event"].to_numpy(float), counts[position])
            _close(rows["n_risk"].to_numpy(float), np.array(r["n_risk"], dtype=float))


GRAY_DATA = {"pbc": "pbc", "mgus2": "mgus2_cr", "rotterdam": "rotterdam_cr", "sim": "compete_sim"}


@pytest.mark.parametrize("name", list(REFERENCE["gray"]))
def test_gray_matches_cuminc(name: str) -> None:
    r = REFERENCE["gray"][name]
    data = load_dataset(GRAY_DATA[name.split("_")[0]])
    result = ss.gray_test(data, r["time"], r["event"], by=r["by"], strata=r["strata"] or None)
    assert [str(c) for c in result.statistic.index] == r["cause"]
    np.testing.assert_allclose(result.statistic.to_numpy(), r["statistic"], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(result.p_value.to_numpy(), r["p_value"], rtol=1e-6, atol=1e-12)
    np.testing.assert_array_equal(result.df.to_numpy(), r["df"])


def _rmst_data(name: str) -> pd.DataFrame:
    data = load_dataset(name)
    if name == "lung":
        data["status01"] = data["status"] - 1
        data["months"] = np.round(data["time"] / 30.4375)
    if name == "pbc":
        data["dead"] = (data["status"] == 2).astype(int)
    return data


@pytest.mark.parametrize("name", list(RMST_CASES))
def test_rmst_matches_survmean(name: str) -> None:
    r = REFERENCE["rmst"][name]
    args = dict(RMST_CASES[name])
    km = ss.kaplan_meier(_rmst_data(args.pop("data")), **args)
    out = rmst(km, r["tau"])
    np.testing.assert_allclose(out["rmst"].to_numpy(), np.atleast_1d(r["rmst"]), rtol=1e-10)
    np.testing.assert_allclose(out["std_err"].to_numpy(), np.atleast_1d(r["std_err"]), rtol=1e-8)
    assert (out["tau"] == r["tau"]).all()


@pytest.mark.parametrize("name", list(REFERENCE["rmst_test"]))
def test_rmst_test_matches_r(name: str) -> None:
    r = REFERENCE["rmst_test"][name]
    data = _rmst_data("lung" if name.startswith("lung") else "pbc")
    tau = 365 if name.endswith("365") else None
    result = ss.rmst_test(data, r["time"], r["event"], r["by"], tau=tau)
    assert result.tau == pytest.approx(r["tau"], rel=1e-12)
    assert result.tau_rule == ("given" if tau else result.tau_rule)
    d, q = result.difference, result.ratio
    for ours, key in [
        (d["estimate"], "difference"),
        (d["std_err"], "difference_se"),
        (d["lower"], "difference_lower"),
        (d["upper"], "difference_upper"),
        (d["p_value"], "difference_p"),
        (q["estimate"], "ratio"),
        (q["lower"], "ratio_lower"),
        (q["upper"], "ratio_upper"),
        (q["p_value"], "ratio_p"),
    ]:
        assert ours == pytest.approx(r[key], rel=1e-8), key


FG_DATA = {"mgus2": "mgus2_cr", "pbc": "pbc", "rotterdam": "rotterdam_cr", "sim": "compete_sim"}


def _formula_rhs(rhs: str) -> str:
    """R's model.matrix terms in the formula front end's syntax."""
    return rhs.replace("sex", "C(sex)").replace("group", "C(group)").replace("log(", "np.log(")


@pytest.mark.parametrize("name", list(REFERENCE["fine_gray"]))
def test_finegray_matches_crr(name: str) -> None:
    r = REFERENCE["fine_gray"][name]
    data = load_dataset(FG_DATA[name.split("_")[0]])
    formula = f"Surv({r['time']}, {r['event']}) ~ {_formula_rhs(r['rhs'])}"
    fit = ss.finegray(formula, data, cause=r["cause"])
    np.testing.assert_allclose(fit.params.to_numpy(), r["coef"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(fit.std_err.to_numpy(), r["std_err"], rtol=1e-6)
    np.testing.assert_allclose(fit.loglik, [r["loglik_null"], r["loglik"]], rtol=1e-9)
    rows = data.loc[fit.design.used]
    predicted = fit.predict_cumulative_incidence(rows.iloc[:2], r["pred_time"])
    theirs = np.array(r["pred_cif"], dtype=float)  # (rows, times), column-major from R
    ours = predicted["cif"].to_numpy().reshape(2, -1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("name", list(REFERENCE["fine_gray_cluster"]))
def test_finegray_cluster_matches_survival_finegray_coxph(name: str) -> None:
    r = REFERENCE["fine_gray_cluster"][name]
    data = load_dataset(FG_DATA[name.split("_")[0]])
    formula = f"Surv({r['time']}, {r['event']}) ~ {_formula_rhs(r['rhs'])}"
    fit = ss.finegray(formula, data, cause=r["cause"], cluster=r["cluster"], weighting="survival")
    np.testing.assert_allclose(fit.params.to_numpy(), r["coef"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(fit.std_err.to_numpy(), r["std_err"], rtol=1e-6)


@pytest.mark.parametrize("name", list(REFERENCE["fine_gray_strata"]))
def test_finegray_strata_matches_survival_finegray_coxph(name: str) -> None:
    r = REFERENCE["fine_gray_strata"][name]
    data = load_dataset(FG_DATA[name.split("_")[0]])
    formula = f"Surv({r['time']}, {r['event']}) ~ {_formula_rhs(r['rhs'])}"
    fit = ss.finegray(
        formula,
        data,
        cause=r["cause"],
        strata=r["strata"],
        cluster=r["cluster"],
        weighting="survival",
    )
    np.testing.assert_allclose(fit.params.to_numpy(), r["coef"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(fit.std_err.to_numpy(), r["std_err"], rtol=1e-6)
    strata = fit.baseline_cumulative_hazard()[r["strata"]].unique()
    predicted = fit.predict_cumulative_incidence(data.loc[fit.design.used].iloc[:3], [5.0, 50.0])
    assert len(strata) == 2
    assert predicted["cif"].between(0, 1).all()
