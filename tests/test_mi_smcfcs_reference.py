"""Compatible imputation against R smcfcs on the same data, within Monte Carlo error.

``tests/reference/smcfcs_reference.R`` simulates two data sets with covariates
missing depending on the outcome, imputes them M times with ``smcfcs``
(``smtype="coxph"``) and pools the ``coxph`` fits by Rubin's rules. Imputation is
random, so sarcosurv's pooled estimate over m imputations of the same rows is
compared with R's within the Monte Carlo error of the two means,
:math:`\\sqrt{B_R/M + B/m}`, and the pooled standard errors within 12%
(the between-imputation variance itself is estimated from m - 1 degrees of
freedom).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss

REFERENCE = json.loads(
    (Path(__file__).parent / "reference" / "smcfcs_reference.json").read_text(encoding="utf-8")
)
FORMULAS = {
    "outcome_mar": "Surv(time, event) ~ x1 + C(x2) + x3",
    "strong_outcome_dependence": "Surv(time, event) ~ x1 + x2",
}
M_PYTHON = 100


def _data(case: dict) -> pd.DataFrame:
    data = pd.DataFrame(
        {
            k: np.array([np.nan if x is None else x for x in v], float)
            for k, v in case["data"].items()
        }
    )
    if "x3" in data:  # R's factor x2: a two-level category
        data["x2"] = pd.Categorical(data["x2"], categories=[0.0, 1.0])
    return data


@pytest.fixture(scope="module", params=REFERENCE["cases"], ids=lambda c: c["name"])
def compared(request: pytest.FixtureRequest) -> tuple[dict, pd.DataFrame]:
    case = request.param
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ss.mi_coxph(FORMULAS[case["name"]], _data(case), m=M_PYTHON, seed=2026)
    return case, fit.to_frame()


def test_reference_records_versions():
    assert REFERENCE["versions"]["smcfcs"]
    assert REFERENCE["versions"]["survival"]


def test_pooled_estimates_agree_within_monte_carlo_error(compared):
    case, ours = compared
    reference = case["smcfcs"]
    monte_carlo_se = np.sqrt(
        np.asarray(reference["between"]) / case["m"]
        + ours["between_variance"].to_numpy() / M_PYTHON
    )
    z = (ours["estimate"].to_numpy() - reference["estimate"]) / monte_carlo_se
    assert np.abs(z).max() < 4.0, z


def test_pooled_standard_errors_agree(compared):
    case, ours = compared
    ratio = ours["std_err"].to_numpy() / np.asarray(case["smcfcs"]["std_error"])
    assert np.abs(ratio - 1).max() < 0.12, ratio


def test_missing_rows_as_in_r(compared):
    case, ours = compared
    data = _data(case)
    assert data["x1"].isna().mean() > 0.3  # the cases exercise heavy missingness
    assert len(ours) == len(case["smcfcs"]["term"])
