"""Pooling against R mice 3.15 (tests/reference/mi_reference.R).

Two layers: (1) R's own per-imputation coxph estimates and covariances pooled by
``ss.pool`` must equal ``mice::pool`` / ``mice::D1`` to 1e-10 (the pooling alone);
(2) ``ss.coxph`` fitted on the same completed datasets and pooled must agree with
mice to the Cox tolerance (the fits agree with R to ~1e-9).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from conftest import load_reference

REFERENCE: dict[str, Any] = load_reference("mi_reference")
COLUMNS = {
    "estimate": "estimate",
    "ubar": "within_variance",
    "b": "between_variance",
    "t": "total_variance",
    "dfcom": "dfcom",
    "df": "df",
    "riv": "riv",
    "lambda": "lambda_",
    "fmi": "fmi",
    "std_error": "std_err",
    "statistic": "statistic",
    "p_value": "p_value",
    "lower": "lower",
    "upper": "upper",
}


def r_fits() -> list[SimpleNamespace]:
    """R's coxph results as objects with the attributes ``pool`` reads."""
    names = pd.Index(REFERENCE["terms"], name="term")
    fits = []
    for fit in REFERENCE["fits"]:
        vcov = pd.DataFrame(np.array(fit["vcov"]), index=names, columns=names)
        fits.append(
            SimpleNamespace(
                params=pd.Series(fit["estimate"], index=names),
                vcov=vcov,
                std_err=pd.Series(np.sqrt(np.diag(vcov)), index=names),
                n_event=int(fit["nevent"]),
                n=int(fit["n"]),
            )
        )
    return fits


def completed(i: int) -> pd.DataFrame:
    frame = pd.DataFrame(REFERENCE["completed"][i])
    frame["ecog"] = pd.Categorical(frame["ecog"], categories=[0, 1, 2])
    return frame


def check_table(pooled: ss.PooledResult, expected: dict[str, Any], rtol: float) -> None:
    table = pooled.to_frame()
    for r_name, name in COLUMNS.items():
        np.testing.assert_allclose(
            table[name].to_numpy(),
            np.asarray(expected[r_name], dtype=float),
            rtol=rtol,
            err_msg=name,
        )


@pytest.mark.parametrize(("key", "dfcom"), [("pooled", None), ("pooled_dfcom40", 40)])
def test_pooling_r_estimates_equals_mice_pool(key: str, dfcom: float | None) -> None:
    check_table(ss.pool(r_fits(), dfcom=dfcom), REFERENCE[key], rtol=1e-10)


def test_default_dfcom_is_events_minus_parameters_as_mice() -> None:
    assert ss.pool(r_fits()).dfcom == REFERENCE["dfcom_default"] == 165 - 7


@pytest.mark.parametrize(("key", "dfcom"), [("d1", None), ("d1_dfcom40", 40)])
def test_d1_equals_mice_d1(key: str, dfcom: float | None) -> None:
    expected = REFERENCE[key]
    test = ss.pool(r_fits(), dfcom=dfcom).d1(["ecog1", "ecog2"])
    assert test.df1 == expected["df1"]
    for name in ("statistic", "df2", "p_value", "riv"):
        np.testing.assert_allclose(getattr(test, name), expected[name], rtol=1e-10, err_msg=name)


def test_sarcosurv_fits_on_mice_datasets_pool_as_mice() -> None:
    formula = REFERENCE["formula"]
    fits = [ss.coxph(formula, completed(i)) for i in range(REFERENCE["m"])]
    for fit, r_fit in zip(fits, REFERENCE["fits"], strict=True):
        np.testing.assert_allclose(fit.params.to_numpy(), r_fit["estimate"], rtol=1e-7)
    pooled = ss.pool(fits)
    assert pooled.m == 5
    assert pooled.n == 228
    assert pooled.dfcom == REFERENCE["dfcom_default"]
    check_table(pooled, REFERENCE["pooled"], rtol=1e-10)
    term = pooled.d1("C(ecog)")
    np.testing.assert_allclose(term.statistic, REFERENCE["d1"]["statistic"], rtol=1e-10)
    np.testing.assert_allclose(term.p_value, REFERENCE["d1"]["p_value"], rtol=1e-10)


def test_nelson_aalen_at_own_time_equals_mice_nelsonaalen() -> None:
    from sarcosurv.imputation import nelson_aalen_at_own_time

    first = pd.DataFrame(REFERENCE["completed"][0])
    hazard = nelson_aalen_at_own_time(
        first["time"].to_numpy(float), first["status"].to_numpy(float)
    )
    np.testing.assert_allclose(hazard, REFERENCE["nelsonaalen"], rtol=1e-12)
