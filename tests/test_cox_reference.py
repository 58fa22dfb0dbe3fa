"""Cox models against R survival 3.5 (tests/reference/cox_reference.R)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import sarcosurv as ss
from conftest import load_reference
from reference_inputs import cox_dataset

CASES: list[dict[str, Any]] = load_reference("cox_reference")
IDS = [f"{c['name']}-{c['ties']}" for c in CASES]
RTOL = 1e-6


dataset = cox_dataset


def python_formula(case: dict[str, Any]) -> str:
    formula: str = case["python"]
    for name in ("ph.ecog", "ecog.ps"):
        formula = formula.replace(name, name.replace(".", "_"))
    return formula


_FITS: dict[str, ss.CoxResult] = {}


def fitted(case: dict[str, Any]) -> ss.CoxResult:
    key = f"{case['name']}-{case['ties']}"
    if key not in _FITS:
        _FITS[key] = ss.coxph(
            python_formula(case),
            dataset(case["data"]),
            ties=case["ties"],
            strata=case.get("strata"),
            cluster=case.get("cluster"),
            weights=case.get("weights"),
        )
    return _FITS[key]


def r_name(term: str) -> str:
    """R's name of a term or column: C(x, ...)[T.level] -> xlevel, C(x, ...) -> x."""
    match = re.match(r"^C\((\w+).*\)(?:\[T\.(.+)\])?$", term)
    return term if match is None else match[1] + (match[2] or "")


def aligned(fit: ss.CoxResult, case: dict[str, Any]) -> list[int]:
    """Positions of R's terms among sarcosurv's columns (level order can differ)."""
    names = [r_name(t) for t in fit.params.index]
    # heart$transplant is a 0/1 factor in R, named transplant1; numeric here.
    r_terms = [{"transplant1": "transplant"}.get(t, t).replace(".", "_") for t in case["terms"]]
    return [names.index(t) for t in r_terms]


def close(actual: Any, expected: Any, rtol: float = RTOL, atol: float = 1e-9) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol, atol=atol
    )


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_coefficients_and_standard_errors(case: dict[str, Any]) -> None:
    fit = fitted(case)
    perm = aligned(fit, case)
    close(fit.params.iloc[perm], case["coef"])
    close(fit.naive_std_err.iloc[perm], case["std_err_naive"])
    if case.get("std_err_robust") is not None:
        close(fit.std_err, case["std_err_robust"])
        close(fit.vcov, case["vcov"])
    assert fit.n == case["n"]
    assert fit.n_event == case["n_event"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_loglik_and_global_tests(case: dict[str, Any]) -> None:
    fit = fitted(case)
    close(fit.loglik, case["loglik"])
    assert fit.tests is not None
    close(fit.tests.wald.statistic, case["wald"])
    close(fit.tests.score.statistic, case["score"])
    close(fit.tests.likelihood_ratio.statistic, 2 * (case["loglik"][1] - case["loglik"][0]))
    if case.get("robust_score") is not None:
        assert fit.tests.robust_score is not None
        close(fit.tests.robust_score.statistic, case["robust_score"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_concordance(case: dict[str, Any]) -> None:
    close(fitted(case).concordance, case["concordance"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("martingale", "martingale"),
        ("deviance", "deviance"),
        ("score", "score_resid"),
        ("dfbeta", "dfbeta"),
    ],
)
def test_row_residuals(case: dict[str, Any], kind: str, key: str) -> None:
    fit = fitted(case)
    resid = np.asarray(fit.residuals(kind)).reshape(fit.n, -1)  # type: ignore[arg-type]
    if resid.shape[1] > 1:
        resid = resid[:, aligned(fit, case)]
    close(resid, np.asarray(case[key]).reshape(fit.n, -1))


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("kind", ["schoenfeld", "scaled_schoenfeld"])
def test_schoenfeld_residuals(case: dict[str, Any], kind: str) -> None:
    fit = fitted(case)
    resid = fit.residuals(kind)  # type: ignore[arg-type]
    values = np.asarray(resid.drop(columns="time"))[:, aligned(fit, case)]
    expected = np.asarray(case[kind]).reshape(values.shape)
    # R orders tied event times arbitrarily; compare as sets per time.
    order_r = np.lexsort([*expected.T[::-1], np.asarray(case["schoenfeld_time"])])
    order_py = np.lexsort([*values.T[::-1], resid["time"].to_numpy()])
    close(values[order_py], expected[order_r])


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("transform", ["km", "rank", "identity"])
def test_proportional_hazards(case: dict[str, Any], transform: str) -> None:
    table = fitted(case).test_proportional_hazards(transform)  # type: ignore[arg-type]
    expected = case["zph"][transform]
    close(table["statistic"], expected["chisq"])
    close(table["df"], expected["df"])
    close(table["p_value"], expected["p"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_baseline_hazard(case: dict[str, Any]) -> None:
    base = fitted(case).baseline_hazard()
    close(base["time"], case["basehaz_time"])
    close(base["cumulative_hazard"], case["basehaz_hazard"])


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.get("predict_rows")], ids=lambda c: c["name"]
)
def test_predict_survival(case: dict[str, Any]) -> None:
    data = dataset(case["data"])
    new = data.iloc[case["predict_rows"]]
    pred = fitted(case).predict_survival(new, case["predict_times"])
    expected = np.asarray(case["predict_survival"]).reshape(len(case["predict_times"]), -1).T
    close(pred["survival"].to_numpy().reshape(len(new), -1), expected)
