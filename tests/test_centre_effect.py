"""Centre-effect tests: frailtyEM::ca_test and R coxph references, hand cases, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sarcosurv as ss
from reference_inputs import load_dataset, load_reference
from sarcosurv import _centre_score as kernels
from sarcosurv.errors import (
    ColumnNotFoundError,
    GroupError,
    MonotoneLikelihoodWarning,
    SarcosurvError,
)

REF = load_reference("centre_effect_reference")
CASES = [k for k in REF if k != "versions"]


def _case(name: str) -> tuple[str, pd.DataFrame, str, str | None, str]:
    r = REF[name]
    data = load_dataset("frailty_sim" if name.startswith("simulated") else name.split("_")[0])
    strata = r["strata"] if isinstance(r["strata"], str) else None
    return f"Surv(time, status) ~ {r['rhs']}", data, r["centre"], strata, r["ties"]


def _run(name: str) -> ss.CentreEffectResult:
    formula, data, centre, strata, ties = _case(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.errors.SarcosurvWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return ss.centre_effect_tests(formula, data, centre, strata=strata, ties=ties)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def results() -> dict[str, ss.CentreEffectResult]:
    return {name: _run(name) for name in CASES}


@pytest.mark.parametrize("name", CASES)
def test_score_test_equals_frailtyem_ca_test(
    name: str, results: dict[str, ss.CentreEffectResult]
) -> None:
    r, score = REF[name], results[name].score
    assert score.statistic == pytest.approx(r["score_statistic"], rel=1e-9)
    assert score.variance == pytest.approx(r["score_variance"], rel=1e-9)
    assert score.p_value == pytest.approx(r["score_p_value"], rel=1e-6)


@pytest.mark.parametrize("name", CASES)
def test_fixed_lrt_equals_r_at_the_supremum(
    name: str, results: dict[str, ss.CentreEffectResult]
) -> None:
    r, fixed = REF[name], results[name].fixed
    # R's Newton stops short where dummies diverge; the supremum is R's fit
    # without the centres that have no events (fixed_statistic_sup).
    assert fixed.statistic == pytest.approx(r["fixed_statistic_sup"], rel=1e-6)
    assert fixed.statistic >= r["fixed_statistic"] - 1e-6
    assert len(fixed.centres_without_events) == r["centres_without_events"]
    # One dummy is aliased where centres are nested in a covariate or in the
    # strata: kidney's sex is constant within id (the id dummies span it),
    # rats' litters and kidney's ids lie within one sex (the stratified baseline absorbs their
    # sum). R counts its non-NA coefficients, which its non-converged fits
    # leave in; the identifiable centre effects are one fewer.
    aliased = {"kidney": 1, "rats_strata_sex": 1, "kidney_strata_sex": 1}.get(name, 0)
    assert fixed.df == r["fixed_df"] - aliased


def test_frailty_test_is_the_frailty_fit_lrt(results: dict[str, ss.CentreEffectResult]) -> None:
    fit = ss.coxph("Surv(time, status) ~ rx", load_dataset("rats"), frailty="litter")
    assert fit.frailty is not None
    assert results["rats"].frailty.statistic == pytest.approx(fit.frailty.lrt.statistic, rel=1e-9)
    assert results["rats"].frailty.p_value == pytest.approx(fit.frailty.lrt.p_value, rel=1e-9)
    assert results["rats"].theta == pytest.approx(fit.frailty.theta, rel=1e-9)


def _inputs(name: str) -> kernels.ScoreInputs:
    formula, data, centre, strata, ties = _case(name)
    fit = ss.coxph(formula, data, ties=ties, strata=strata)  # type: ignore[arg-type]
    prepared = data.copy()
    prepared["__centre__"] = prepared[centre].astype(str)
    from sarcosurv.centre_effect import _NullArrays

    return _NullArrays.from_fit(fit, prepared, [strata] if strata else [], centre).inputs


@pytest.mark.parametrize("name", ["rats", "rats_strata_sex", "kidney", "kidney_strata_sex"])
def test_running_aggregates_equal_the_dense_computation(name: str) -> None:
    inputs = _inputs(name)
    info_fast, j_fast, third_fast = kernels.score_variance_fast(inputs)
    info_dense, j_dense, third_dense = kernels.score_variance_dense(inputs, max_cells=5_000)
    assert float(info_fast) == pytest.approx(float(info_dense), rel=1e-10)
    assert third_fast == pytest.approx(third_dense, rel=1e-10)
    np.testing.assert_allclose(j_fast, j_dense, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize(("ties", "strata"), [("efron", None), ("breslow", None), ("efron", "sex")])
def test_cumulative_hazard_is_the_fits_baseline_hazard(ties: str, strata: str | None) -> None:
    rats = load_dataset("rats")
    fit = ss.coxph("Surv(time, status) ~ rx", rats, ties=ties, strata=strata)  # type: ignore[arg-type]
    base = fit.baseline_hazard()
    groups = [("", rats)] if strata is None else list(rats.groupby(strata))
    for k, (_, part) in enumerate(groups):
        risk = np.exp(part["rx"].to_numpy(float) * fit.params["rx"])
        times, _, cumulative = kernels.cumulative_hazard(
            part["time"].to_numpy(float), part["status"].to_numpy() == 1, risk, ties == "efron"
        )
        mine = base if strata is None else base[base["stratum"] == base["stratum"].unique()[k]]
        at = mine.set_index("time")["cumulative_hazard"].loc[times].to_numpy()
        np.testing.assert_allclose(cumulative, at, rtol=1e-12)


def _brute_force(stop: np.ndarray, event: np.ndarray, centre: np.ndarray) -> tuple[float, float]:
    """The paper's T and I for a model without covariates, by loops (Breslow, no ties)."""
    times = np.sort(stop[event])
    hazard = np.array([1.0 / np.sum(stop >= t) for t in times])

    def martingale_before(t: float) -> np.ndarray:
        lam = np.array([hazard[(times < t) & (times <= s)].sum() for s in stop])
        row = (event & (stop < t)).astype(float) - lam
        return np.bincount(centre, weights=row)

    residual = event - np.array([hazard[times <= s].sum() for s in stop])
    total = np.sum(np.bincount(centre, weights=residual) ** 2) - event.sum()
    info = 0.0
    for t in times:
        share = np.bincount(centre, weights=(stop >= t).astype(float)) / np.sum(stop >= t)
        total += np.sum(share**2)
        m = martingale_before(t)
        a = np.sum(share * m) - np.sum(share**2)
        info += np.sum(share * (2 * (m - share - a)) ** 2)
    return float(total), float(info)


def test_hand_case_without_covariates() -> None:
    data = pd.DataFrame(
        {
            "time": [2.0, 3, 5, 7, 8, 11, 13, 17, 19, 23],
            "status": [1, 1, 0, 1, 1, 1, 0, 1, 1, 0],
            "site": ["a", "b", "a", "c", "b", "a", "c", "c", "b", "a"],
        }
    )
    result = ss.centre_effect_tests("Surv(time, status) ~ 1", data, "site", ties="breslow")
    codes = pd.factorize(data["site"], sort=True)[0]
    total, info = _brute_force(data["time"].to_numpy(), data["status"].to_numpy() == 1, codes)
    assert result.score.statistic == pytest.approx(total, rel=1e-12)
    assert result.score.variance == pytest.approx(info, rel=1e-12)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_score_is_invariant_to_row_order_and_centre_labels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    data = pd.DataFrame(
        {
            "time": rng.exponential(size=n).round(1) + 0.1,
            "status": rng.integers(0, 2, n),
            "x": rng.normal(size=n),
            "site": rng.integers(0, 6, n),
        }
    )
    data.loc[0, "status"] = 1
    data.loc[:5, "site"] = np.arange(6)
    base = _score_only(data)
    shuffled = data.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    shuffled["site"] = (shuffled["site"] * 7 + 3).astype(str)
    shuffled["x"] += 2.5  # the test does not depend on the covariates' origin
    other = _score_only(shuffled)
    assert other[0] == pytest.approx(base[0], rel=1e-8, abs=1e-10)
    assert other[1] == pytest.approx(base[1], rel=1e-8)


def _score_only(data: pd.DataFrame) -> tuple[float, float]:
    from sarcosurv.centre_effect import _NullArrays

    fit = ss.coxph("Surv(time, status) ~ x", data)
    prepared = data.assign(__centre__=data["site"].astype(str))
    return kernels.score_test(_NullArrays.from_fit(fit, prepared, [], "site").inputs)


# ---------------------------------------------------------------- bad input


def _rats() -> pd.DataFrame:
    return load_dataset("rats")


def test_one_centre_is_a_group_error() -> None:
    rats = _rats().assign(site="only")
    with pytest.raises(GroupError, match=r"'site'.*'only'.*at least two centres"):
        ss.centre_effect_tests("Surv(time, status) ~ rx", rats, "site")


def test_centres_of_one_patient_are_a_group_error() -> None:
    rats = _rats().assign(site=np.arange(300))
    with pytest.raises(GroupError, match=r"'site'.*single patient"):
        ss.centre_effect_tests("Surv(time, status) ~ rx", rats, "site")


def test_centre_equal_to_the_stratum_is_a_group_error() -> None:
    rats = _rats()
    with pytest.raises(GroupError, match=r"'litter'.*each stratum of litter holds a single centre"):
        ss.centre_effect_tests("Surv(time, status) ~ rx", rats, "litter", strata="litter")
    rats["copy"] = rats["litter"] * 10
    with pytest.raises(GroupError, match="single centre"):
        ss.centre_effect_tests("Surv(time, status) ~ rx", rats, "litter", strata="copy")


def test_missing_centre_rows_are_excluded_and_counted() -> None:
    rats = _rats()
    rats.index = [f"r{k}" for k in range(len(rats))]
    holed = rats.assign(litter=rats["litter"].astype(float))
    holed.loc[["r3", "r10", "r200"], "litter"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonotoneLikelihoodWarning)
        result = ss.centre_effect_tests("Surv(time, status) ~ rx", holed, "litter")
        complete = ss.centre_effect_tests(
            "Surv(time, status) ~ rx", rats.drop(index=["r3", "r10", "r200"]), "litter"
        )
    assert result.n == 297
    assert list(result.excluded["row"]) == ["r10", "r200", "r3"]
    assert set(result.excluded["reason"]) == {"missing litter"}
    assert result.score.statistic == pytest.approx(complete.score.statistic, rel=1e-12)
    assert result.fixed.statistic == pytest.approx(complete.fixed.statistic, rel=1e-9)


def test_rows_the_cox_fit_drops_are_listed() -> None:
    rats = _rats().astype({"rx": float})
    rats.loc[5, "rx"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonotoneLikelihoodWarning)
        result = ss.centre_effect_tests("Surv(time, status) ~ rx", rats, "litter")
    assert result.n == 299
    assert list(result.excluded["row"]) == [5]


def test_missing_centre_column_and_counting_process_data() -> None:
    with pytest.raises(ColumnNotFoundError, match="centre column 'site'"):
        ss.centre_effect_tests("Surv(time, status) ~ rx", _rats(), "site")
    rats = _rats().assign(start=0.0)
    with pytest.raises(SarcosurvError, match="right-censored"):
        ss.centre_effect_tests("Surv(start, time, status) ~ rx", rats, "litter")


def test_centres_without_events_are_named_in_a_warning() -> None:
    with pytest.warns(
        MonotoneLikelihoodWarning, match=r"71 centre\(s\) without events \('2', '3', "
    ):
        result = ss.centre_effect_tests("Surv(time, status) ~ rx", _rats(), "litter")
    assert result.fixed.n_small_centres == 100  # litters of three rats
    assert len(result.fixed.centres_without_events) == 71


# ---------------------------------------------------------------- result object


def test_result_object(results: dict[str, ss.CentreEffectResult]) -> None:
    result = results["rats"]
    frame = result.to_frame()
    assert list(frame.columns) == ["test", "statistic", "df", "p_value", "size_at_5pct"]
    assert list(frame["test"]) == ["score", "fixed", "frailty"]
    assert frame["p_value"].iloc[0] == result.score.p_value
    assert result.bootstrap is None
    assert repr(result).startswith("<CentreEffectResult n=300 events=42 centres=100")
    text = str(result)
    assert "Read the score test" in text
    assert "Commenges-Andersen" in text
    assert "<table" in result._repr_html_()
    with pytest.raises(AttributeError):
        result.n = 3  # type: ignore[misc]


# ---------------------------------------------------------------- bootstrap


def test_bootstrap_is_seeded_and_reports_progress(capsys: pytest.CaptureFixture[str]) -> None:
    rats = load_dataset("rats")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonotoneLikelihoodWarning)
        run = [
            ss.centre_effect_tests(
                "Surv(time, status) ~ rx", rats, "litter", bootstrap=4, seed=11, progress=True
            )
            for _ in range(2)
        ]
    first, second = (r.bootstrap for r in run)
    assert first is not None
    assert second is not None
    assert (first.n_exceeding, first.replicates) == (second.n_exceeding, second.replicates)
    assert first.replicates + first.failed == 4
    assert first.p_value == (1 + first.n_exceeding) / (1 + first.replicates)
    assert first.statistic == run[0].frailty.statistic
    assert "bootstrap [" in capsys.readouterr().err
    assert list(run[0].to_frame()["test"]) == ["score", "fixed", "frailty", "bootstrap"]


def test_null_simulation_keeps_the_observed_censoring() -> None:
    inputs = _inputs("kidney")
    hazards = kernels.hazards_by_stratum(inputs)
    rng = np.random.default_rng(3)
    for _ in range(20):
        stop, event = kernels.simulate_null(rng, inputs, hazards)
        censored = ~inputs.event
        # a censored patient is censored no later than observed
        assert np.all(stop[censored] <= inputs.stop[censored])
        assert np.all(stop[censored & ~event] == inputs.stop[censored & ~event])
        # simulated events fall on the fitted baseline's jump times
        assert np.all(np.isin(stop[event], hazards[0][0]))


def test_null_simulation_reproduces_the_cumulative_hazard() -> None:
    """Without censoring, -log S(t) of the simulated times is Lambda_0(t) exp(eta)."""
    n = 4000
    times = np.linspace(0.1, 5, 50)
    inputs = kernels.ScoreInputs(
        stop=np.full(n, 10.0),
        event=np.zeros(n, dtype=bool),
        risk=np.full(n, 2.0),
        covariates=np.zeros((n, 0)),
        residuals=np.zeros(n),
        centre=np.zeros(n, dtype=np.intp),
        stratum=np.zeros(n, dtype=np.intp),
        vcov=np.zeros((0, 0)),
        efron=False,
    )
    hazards = [(times, np.ones(50), times * 0.1)]
    stop, event = kernels.simulate_null(np.random.default_rng(5), inputs, hazards)
    survival_at_3 = np.mean(~(event & (stop <= 3.0)))
    expected = np.exp(-2.0 * 0.1 * times[times <= 3.0][-1])
    assert survival_at_3 == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / n))
