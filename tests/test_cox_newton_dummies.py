"""Cox Newton–Raphson with many centre dummies (some diverging): the maximum as R finds it."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from conftest import load_dataset, load_reference

REFERENCE = load_reference("cox_many_dummies_reference")
TERMS = (
    "age10 + C(histology_group, contr.treatment('Leiomyosarcoma'))"
    " + C(remission_group, contr.treatment('CR/NED'))"
    " + C(regimen_group, contr.treatment('Platinum based'))"
)


def _data() -> pd.DataFrame:
    return load_dataset("heilig_synthetic_pfs_centres")


def _fit(ties: str, centre: bool = True) -> ss.CoxResult:
    formula = f"Surv(pfs_time, pfs_event) ~ {TERMS}" + (" + C(centre_id)" if centre else "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.errors.SarcosurvWarning)
        return ss.coxph(formula, _data(), ties=ties, max_iter=100)  # type: ignore[arg-type]


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_many_dummies_reach_rs_maximum(ties: str) -> None:
    r = REFERENCE["fits"][ties]
    fit = _fit(ties)
    assert fit.n == REFERENCE["n"]
    np.testing.assert_allclose(fit.loglik, r["loglik"], rtol=1e-8)
    lrt = 2 * (fit.loglik[1] - _fit(ties, centre=False).loglik[1])
    np.testing.assert_allclose(lrt, r["lrt"], rtol=1e-6)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_many_dummies_covariate_coefficients(ties: str) -> None:
    r = REFERENCE["fits"][ties]
    fit = _fit(ties)
    covariates = fit.params.iloc[: len(r["terms"])]
    np.testing.assert_allclose(covariates.to_numpy(), r["coef"], rtol=1e-6)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_fixed_centre_lrt_equals_r(ties: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.errors.SarcosurvWarning)
        result = ss.centre_effect_tests(
            f"Surv(pfs_time, pfs_event) ~ {TERMS}",
            _data(),
            "centre_id",
            ties=ties,  # type: ignore[arg-type]
        )
    np.testing.assert_allclose(result.fixed.statistic, REFERENCE["fits"][ties]["lrt"], rtol=1e-6)
    assert set(result.fixed.centres_without_events) == set(REFERENCE["centres_without_events"])


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_score_test_equals_ca_test_on_the_study_data(ties: str) -> None:
    """frailtyEM::ca_test on the rows with PFS time > 0 (its risk sets are (0, t])."""
    r = REFERENCE["score"][ties]
    data = _data()
    score = ss.centre_score_test(
        f"Surv(pfs_time, pfs_event) ~ {TERMS}",
        data[data["pfs_time"] > 0],
        "centre_id",
        ties=ties,  # type: ignore[arg-type]
    )
    np.testing.assert_allclose(score.statistic, r["statistic"], rtol=1e-8)
    np.testing.assert_allclose(score.variance, r["variance"], rtol=1e-8)
    np.testing.assert_allclose(score.p_value, r["p_value"], rtol=1e-6)
