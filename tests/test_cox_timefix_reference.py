"""Cox models with times equal up to rounding agree with R ``coxph`` with timefix on and off.

R ``coxph`` merges such times with ``aeqSurv`` by default
(``coxph.control(timefix = TRUE)``); the reference values come from
``tests/reference/cox_timefix_reference.R`` (R 4.2.2, survival 3.5.3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from conftest import load_dataset, load_reference
from reference_inputs import lung_exit_age
from sarcosurv.surv import aeq_times

RTOL = 1e-6
REFERENCE = load_reference("cox_timefix_reference")


def _lung() -> pd.DataFrame:
    return lung_exit_age()


def _pbc() -> pd.DataFrame:
    pbc = load_dataset("pbc")
    pbc["entry_age"] = np.round(pbc["age"] * 365.25) / 365.25
    pbc["exit_age"] = pbc["entry_age"] + pbc["time"] / 365.25
    return pbc


def _toy() -> pd.DataFrame:
    # Built here as in R (0.1 + 0.2 is not 0.3), not read back from the rounded JSON.
    time = [0.1 + 0.2, 0.3, 0.3, 0.7, 0.1 + 0.6, 1, 0.4, 0.2 + 0.2, 0.6, 0.9, 0.3, 1.1]
    time += [0.1 + 0.2, 0.7, 0.5]
    toy = pd.DataFrame(REFERENCE["toy"])
    return toy.assign(time=time)


LUNG = "sex + ph_ecog"
PBC = "np.log(bili) + albumin + edema"
CASES: dict[str, tuple[Callable[[], pd.DataFrame], str, dict[str, Any]]] = {
    "lung_exit_age": (_lung, f"Surv(exit_age, status01) ~ {LUNG}", {}),
    "lung_exit_age_breslow": (_lung, f"Surv(exit_age, status01) ~ {LUNG}", {"ties": "breslow"}),
    "lung_age_scale_entry": (_lung, f"Surv(age, exit_age, status01) ~ {LUNG}", {}),
    "pbc_exit_age": (_pbc, f"Surv(exit_age, status == 2) ~ {PBC}", {}),
    "pbc_age_scale_entry": (_pbc, f"Surv(entry_age, exit_age, status == 2) ~ {PBC}", {}),
    "pbc_exit_age_strata": (
        _pbc,
        "Surv(exit_age, status == 2) ~ np.log(bili) + albumin + strata(sex)",
        {"ties": "breslow"},
    ),
    "toy": (_toy, "Surv(time, status) ~ x", {}),
    "toy_breslow": (_toy, "Surv(time, status) ~ x", {"ties": "breslow"}),
}
PARAMS = [(case, switch) for case in CASES for switch in ("on", "off")]


def _fit(case: str, timefix: bool) -> ss.CoxResult:
    loader, formula, kwargs = CASES[case]
    data = loader()
    if "ph.ecog" in data.columns:
        data = data.rename(columns={"ph.ecog": "ph_ecog"})
    return ss.coxph(formula, data, timefix=timefix, **kwargs)


@pytest.mark.parametrize(("case", "switch"), PARAMS)
def test_coefficients_match_coxph(case: str, switch: str) -> None:
    ref = REFERENCE["cox"][case][switch]
    fit = _fit(case, switch == "on")
    np.testing.assert_allclose(fit.params.to_numpy(), ref["coef"], rtol=RTOL)


@pytest.mark.parametrize(("case", "switch"), PARAMS)
def test_standard_errors_match_coxph(case: str, switch: str) -> None:
    ref = REFERENCE["cox"][case][switch]
    fit = _fit(case, switch == "on")
    np.testing.assert_allclose(fit.std_err.to_numpy(), ref["se"], rtol=RTOL)


@pytest.mark.parametrize(("case", "switch"), PARAMS)
def test_loglik_matches_coxph(case: str, switch: str) -> None:
    ref = REFERENCE["cox"][case][switch]
    fit = _fit(case, switch == "on")
    np.testing.assert_allclose(fit.loglik, ref["loglik"], rtol=RTOL)
    assert fit.n == ref["n"]


@pytest.mark.parametrize("case", list(CASES))
def test_timefix_changes_the_fit(case: str) -> None:
    """The cases are chosen so that the merge matters (R's own fits differ)."""
    ref = REFERENCE["cox"][case]
    assert ref["on"]["n_unique_times"] < ref["off"]["n_unique_times"]
    on, off = _fit(case, True), _fit(case, False)
    assert abs(on.loglik[1] - off.loglik[1]) > 1e-3


def test_frailty_uses_the_merged_times() -> None:
    """A frailty fit with timefix equals the fit on times merged beforehand."""
    data = _lung().rename(columns={"ph.ecog": "ph_ecog"}).dropna(subset=["ph_ecog"])
    merged = data.assign(exit_age=aeq_times(data["exit_age"].to_numpy(float))[0])
    formula = "Surv(exit_age, status01) ~ sex + ph_ecog"
    fixed = ss.coxph(formula, data, frailty="inst", ties="breslow")
    manual = ss.coxph(formula, merged, frailty="inst", ties="breslow", timefix=False)
    raw = ss.coxph(formula, data, frailty="inst", ties="breslow", timefix=False)
    assert fixed.frailty is not None
    assert manual.frailty is not None
    assert raw.frailty is not None
    assert fixed.frailty.loglik == pytest.approx(manual.frailty.loglik, rel=1e-12)
    np.testing.assert_allclose(fixed.params, manual.params, rtol=1e-10)
    assert abs(fixed.frailty.loglik - raw.frailty.loglik) > 1e-3


def test_duration_time_needs_a_unit() -> None:
    data = _toy().assign(days=lambda d: pd.to_timedelta(d["time"] * 100, unit="D"))
    with pytest.raises(ss.errors.TimeTypeError, match="time_unit"):
        ss.coxph("Surv(days, status) ~ x", data)
    fit = ss.coxph("Surv(days, status) ~ x", data, time_unit="days")
    by_number = ss.coxph("Surv(t, status) ~ x", data.assign(t=data["time"] * 100))
    assert fit.params.iloc[0] == pytest.approx(by_number.params.iloc[0], rel=1e-9)


def test_date_time_is_a_typed_error() -> None:
    data = _toy().assign(when=pd.Timestamp("2020-01-01") + pd.to_timedelta(range(15), unit="D"))
    with pytest.raises(ss.errors.TimeTypeError, match="dates"):
        ss.coxph("Surv(when, status) ~ x", data)
