"""Hostile input to the Cox and frailty fits: strata, identifiability, divergence (issue 17)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv.errors import (
    CollinearityWarning,
    ConvergenceError,
    GroupError,
    MonotoneLikelihoodWarning,
)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {
            "t": rng.exponential(1, n),
            "e": rng.integers(0, 2, n),
            "x": rng.normal(size=n),
            "s": rng.integers(0, 5, n),
            "c": rng.integers(0, 10, n),
        }
    )
    frame["level"] = frame["s"] * 1.5 + 2.0  # constant within every stratum
    frame["shifted"] = frame["x"] + frame["s"]  # x plus a per-stratum constant
    return frame


@pytest.mark.parametrize("term", ["level", "shifted"])
def test_term_constant_within_strata_is_dropped_like_r(data: pd.DataFrame, term: str) -> None:
    alone = ss.coxph("Surv(t, e) ~ x", data, strata="s")
    with pytest.warns(CollinearityWarning, match=f"'{term}'.*within strata"):
        fit = ss.coxph(f"Surv(t, e) ~ x + {term}", data, strata="s")
    assert fit.dropped_terms == (term,)
    assert fit.params["x"] == pytest.approx(alone.params["x"], rel=1e-10)
    assert fit.std_err["x"] == pytest.approx(alone.std_err["x"], rel=1e-10)


def test_term_varying_within_strata_is_kept(data: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollinearityWarning)
        fit = ss.coxph("Surv(t, e) ~ x + level", data)  # no strata: level varies
    assert fit.dropped_terms == ()


def test_one_subject_per_stratum_gives_no_zero_standard_error(data: pd.DataFrame) -> None:
    frame = data.assign(patient=np.arange(len(data)))
    with pytest.warns(CollinearityWarning, match="'x'"):
        fit = ss.coxph("Surv(t, e) ~ x", frame, strata="patient")
    assert fit.params.empty
    assert not (fit.std_err == 0).any()


def test_frailty_on_the_strata_column_is_refused(data: pd.DataFrame) -> None:
    with pytest.raises(GroupError, match=r"'s'.*not identifiable"):
        ss.coxph("Surv(t, e) ~ x", data, strata="s", frailty="s")


def test_frailty_nested_in_strata_is_refused(data: pd.DataFrame) -> None:
    frame = data.assign(region=data["s"] // 2)  # every stratum lies in one region
    with pytest.raises(GroupError, match="'region'"):
        ss.coxph("Surv(t, e) ~ x", frame, strata="s", frailty="region")


def test_frailty_with_one_cluster_is_refused(data: pd.DataFrame) -> None:
    with pytest.raises(GroupError, match="1 cluster"):
        ss.coxph("Surv(t, e) ~ x", data.assign(c="A"), frailty="c")


def test_frailty_crossing_strata_is_fitted(data: pd.DataFrame) -> None:
    fit = ss.coxph("Surv(t, e) ~ x", data, strata="s", frailty="c")
    assert fit.frailty is not None
    assert np.isfinite(fit.std_err).all()


def _no_events_level(data: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    frame = data.assign(h=np.where(rng.random(len(data)) < 0.1, "rare", "common"))
    frame.loc[frame["h"] == "rare", "e"] = 0
    return frame


def test_frailty_level_without_events_warns_and_stops_early(data: pd.DataFrame) -> None:
    frame = _no_events_level(data)
    with pytest.warns(MonotoneLikelihoodWarning, match=r"h\[T.rare\]"):
        plain = ss.coxph("Surv(t, e) ~ x + h", frame)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = ss.coxph("Surv(t, e) ~ x + h", frame, frailty="c")
    kinds = {type(w.message) for w in caught}
    assert MonotoneLikelihoodWarning in kinds
    assert ss.errors.ConvergenceWarning not in kinds  # it stopped, not at an iteration cap
    assert fit.converged
    assert fit.params["h[T.rare]"] < -10  # heading to -inf, as in the plain fit
    assert fit.params["x"] == pytest.approx(plain.params["x"], abs=0.05)
    assert np.isfinite(fit.std_err["x"])


def test_separating_covariate_in_a_frailty_fit_is_typed(data: pd.DataFrame) -> None:
    frame = data.copy()
    frame["e"] = (frame["x"] > 0).astype(int)
    frame["t"] = np.where(frame["e"] == 1, frame["x"].max() - frame["x"], 10 + frame["x"])
    with pytest.warns(MonotoneLikelihoodWarning, match="'x'"):
        ss.coxph("Surv(t, e) ~ x", frame)
    with (
        pytest.warns(MonotoneLikelihoodWarning, match="'x'"),
        pytest.raises(ConvergenceError, match="'x' diverges"),
    ):
        ss.coxph("Surv(t, e) ~ x", frame, frailty="c")
