"""R-style formulas and Cox predictions against R survival (tests/reference/formula_reference.R).

The formulas are pasted as R users write them (``Surv(time, status == 2)``,
text columns without ``C()``, ``strata()``, ``cluster()``, back-quoted dotted
names) and fitted on the same CSV files R read.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import sarcosurv as ss
from conftest import load_dataset, load_reference

REFERENCE = load_reference("formula_reference")
CASES: list[dict[str, Any]] = REFERENCE["cases"]
IDS = [f"{c['name']}-{c['ties']}" for c in CASES]
_FITS: dict[str, ss.CoxResult] = {}


def dataset(case: dict[str, Any]) -> Any:
    data = load_dataset(case["data"])
    data["w"] = np.resize([1.0, 2.0, 3.0], len(data))  # as the R script
    return data


def fitted(case: dict[str, Any]) -> ss.CoxResult:
    key = f"{case['name']}-{case['ties']}"
    if key not in _FITS:
        _FITS[key] = ss.coxph(
            case["python"], dataset(case), ties=case["ties"], weights=case.get("weights")
        )
    return _FITS[key]


def test_reference_records_versions() -> None:
    assert REFERENCE["r_version"].startswith("R version")
    assert REFERENCE["survival_version"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_r_style_fit_equals_r(case: dict[str, Any]) -> None:
    fit = fitted(case)
    assert len(fit.params) == len(case["terms"])
    np.testing.assert_allclose(fit.params.to_numpy(), case["coef"], rtol=1e-6)
    np.testing.assert_allclose(fit.std_err.to_numpy(), case["std_err"], rtol=1e-6)
    np.testing.assert_allclose(fit.loglik, case["loglik"], rtol=1e-8)
    assert (fit.n, fit.n_event) == (case["n"], case["n_event"])


def predictions(case: dict[str, Any]) -> Any:
    newdata = dataset(case).iloc[case["newdata_rows"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.errors.SarcosurvWarning)
        table = fitted(case).predict_survival(newdata, case["times"])
    return table, newdata


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_predicted_survival_equals_r(case: dict[str, Any]) -> None:
    table, newdata = predictions(case)
    shape = (len(newdata), len(case["times"]))
    assert list(table["row"].to_numpy()[:: len(case["times"])]) == list(newdata.index)
    np.testing.assert_allclose(
        table["survival"].to_numpy().reshape(shape), case["survival"], rtol=1e-8
    )
    np.testing.assert_allclose(
        table["std_err"].to_numpy().reshape(shape), case["std_err_survival"], rtol=1e-6, atol=1e-12
    )
    for bound in ("lower", "upper"):
        np.testing.assert_allclose(
            table[bound].to_numpy().reshape(shape), case[bound], rtol=1e-6, atol=1e-12
        )


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_linear_predictor_equals_r(case: dict[str, Any]) -> None:
    newdata = dataset(case).iloc[case["newdata_rows"]]
    fit = fitted(case)
    np.testing.assert_allclose(fit.predict(newdata, kind="lp").to_numpy(), case["lp"], rtol=1e-6)
    np.testing.assert_allclose(
        fit.predict(newdata, kind="risk").to_numpy(), case["risk"], rtol=1e-6
    )
    np.testing.assert_allclose(
        fit.predict(newdata, reference="sample").to_numpy(), case["lp_sample"], rtol=1e-6
    )
