"""Hostile input: residuals carry the data's index labels (issue 17).

Assigning residuals back to a shuffled or string-indexed frame must attach
each one to its own patient, as ``fit.excluded["row"]`` does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss

KINDS = ["martingale", "deviance", "score", "schoenfeld", "scaled_schoenfeld", "dfbeta"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 40
    frame = pd.DataFrame(
        {"t": rng.exponential(1, n), "e": rng.integers(0, 2, n), "x": rng.normal(size=n)}
    )
    frame.loc[3, "x"] = np.nan
    frame.index = pd.Index([f"p{i}" for i in range(n)])
    return frame


@pytest.mark.parametrize("kind", KINDS)
def test_residuals_follow_the_index_labels_not_positions(data: pd.DataFrame, kind: str) -> None:
    shuffled = data.sample(frac=1.0, random_state=1)
    first = ss.coxph("Surv(t, e) ~ x", data).residuals(kind)
    second = ss.coxph("Surv(t, e) ~ x", shuffled).residuals(kind)
    rows = set(data.index) - {"p3"}
    if kind in ("schoenfeld", "scaled_schoenfeld"):  # one row per event
        rows = set(data.index[data["e"] == 1]) - {"p3"}
    assert set(first.index) == rows
    assert first.index.name == "row"
    pd.testing.assert_frame_equal(
        pd.DataFrame(first).sort_index(), pd.DataFrame(second).sort_index(), rtol=1e-10
    )


def test_residuals_assign_back_to_the_right_patient(data: pd.DataFrame) -> None:
    fit = ss.coxph("Surv(t, e) ~ x", data)
    shuffled = data.sample(frac=1.0, random_state=2)
    residual = fit.residuals("martingale")
    attached = shuffled.assign(martingale=residual)
    assert attached["martingale"].isna().sum() == 1  # the excluded row p3
    assert np.isnan(attached.loc["p3", "martingale"])
    assert fit.excluded["row"].tolist() == ["p3"]
    # A martingale residual is event minus cumulative hazard: at most the event indicator.
    kept = attached.drop(index="p3")
    assert (kept["martingale"] <= kept["e"] + 1e-12).all()


def test_integer_index_labels_not_positions(data: pd.DataFrame) -> None:
    frame = data.reset_index(drop=True)
    frame.index = frame.index * 10 + 7
    residual = ss.coxph("Surv(t, e) ~ x", frame).residuals("deviance")
    assert residual.index[0] == 7
    assert 37 not in residual.index  # row 3 (label 37) was excluded
