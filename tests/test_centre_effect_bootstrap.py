"""Centre-effect bootstrap replicates, the frailty fit without theta's CI, Cox model arrays."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import sarcosurv as ss
from reference_inputs import load_dataset
from sarcosurv import centre_effect
from sarcosurv.cox import CoxControl
from sarcosurv.errors import ConvergenceError, MonotoneLikelihoodWarning


def test_bootstrap_replicates_all_fit() -> None:
    rats = load_dataset("rats")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonotoneLikelihoodWarning)
        result = ss.centre_effect_tests(
            "Surv(time, status) ~ rx", rats, "litter", bootstrap=5, seed=3, progress=False
        )
    assert result.bootstrap is not None
    assert result.bootstrap.failed == 0
    assert result.bootstrap.replicates == 5


def test_bootstrap_failing_everywhere_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    rats = load_dataset("rats")
    monkeypatch.setattr(centre_effect, "_replicate_formula", lambda f: "Surv(nope, nope) ~ rx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonotoneLikelihoodWarning)
        with pytest.raises(ConvergenceError, match="all 3 bootstrap replicates"):
            ss.centre_effect_tests(
                "Surv(time, status) ~ rx", rats, "litter", bootstrap=3, seed=3, progress=False
            )


def test_frailty_without_theta_ci_keeps_theta_and_lrt() -> None:
    rats = load_dataset("rats")
    full = ss.coxph("Surv(time, status) ~ rx", rats, frailty="litter")
    quick = ss.coxph(
        "Surv(time, status) ~ rx",
        rats,
        frailty="litter",
        control=CoxControl(theta_ci=False),
    )
    assert full.frailty is not None
    assert quick.frailty is not None
    assert quick.frailty.theta == full.frailty.theta
    assert quick.frailty.lrt.statistic == full.frailty.lrt.statistic
    assert np.isfinite(full.frailty.theta_ci[1])
    assert np.isnan(quick.frailty.theta_ci).all()
    np.testing.assert_array_equal(quick.params, full.params)


def test_theta_ci_flag_must_be_boolean() -> None:
    with pytest.raises(ss.errors.SarcosurvError, match="theta_ci"):
        CoxControl(theta_ci="no")  # type: ignore[arg-type]


def test_model_arrays_are_the_rows_used() -> None:
    rats = load_dataset("rats").copy()
    rats.loc[3, "rx"] = np.nan
    fit = ss.coxph("Surv(time, status) ~ rx + C(sex)", rats)
    arrays = fit.model_arrays()
    assert arrays.used.sum() == fit.n == len(rats) - 1
    assert not arrays.used[3]
    assert arrays.entry is None
    assert arrays.covariates.shape == (fit.n, len(fit.params))
    np.testing.assert_array_equal(arrays.time, rats.loc[arrays.used, "time"].to_numpy(float))
    np.testing.assert_array_equal(arrays.event, rats.loc[arrays.used, "status"].to_numpy() == 1)


def test_printed_tests_flag_a_measured_size_outside_the_band() -> None:
    rats = load_dataset("rats")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonotoneLikelihoodWarning)
        result = ss.centre_effect_tests("Surv(time, status) ~ rx", rats, "litter")
    lines = {line.split()[0]: line for line in str(result).splitlines() if "statistic" in line}
    for name, size in centre_effect.MEASURED_SIZE.items():
        if name not in lines:
            continue
        flagged = "outside 0.03-0.07" in lines[name]
        assert flagged == (not 0.03 <= size <= 0.07), lines[name]


def test_validation_page_has_the_simulation_table_with_monte_carlo_se() -> None:
    page = (Path(__file__).parents[1] / "docs" / "validation" / "centre-effect.md").read_text(
        encoding="utf-8"
    )
    rows = [line for line in page.splitlines() if line.startswith("| a | 0 |")]
    assert len(rows) == 1
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert all("±" in cell for cell in cells[2:])
    for cell, name in zip(cells[2:], ["score", "fixed", "frailty", "bootstrap"], strict=True):
        size = centre_effect.MEASURED_SIZE[name]
        assert cell.startswith(f"{size:.3f}")
        assert ("⚠" in cell) == (not 0.03 <= size <= 0.07)
