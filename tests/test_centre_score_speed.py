"""The score test's fast path: sort-order hint and running aggregates agree with the plain path."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sarcosurv import _centre_score as kernels


def _inputs(seed: int, n: int = 600, strata: int = 1) -> kernels.ScoreInputs:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    stop = np.round(rng.exponential(size=n), 2)  # ties
    centre = rng.integers(0, 25, n)
    stratum = (centre % strata).astype(np.intp)  # each centre within one stratum
    return kernels.ScoreInputs(
        stop=stop,
        event=rng.uniform(size=n) < 0.7,
        risk=np.exp(x @ np.array([0.3, -0.2])),
        covariates=x,
        residuals=rng.normal(size=n),
        centre=centre.astype(np.intp),
        stratum=stratum,
        vcov=np.array([[0.01, 0.002], [0.002, 0.02]]),
        efron=True,
    )


@pytest.mark.parametrize("strata", [1, 3])
def test_a_valid_order_hint_gives_the_same_test(strata: int) -> None:
    inputs = _inputs(1, strata=strata)
    hint = np.argsort(inputs.stop, kind="stable")
    hinted = dataclasses.replace(inputs, order=hint)
    assert kernels.score_test(hinted) == pytest.approx(kernels.score_test(inputs), rel=1e-12)


def test_a_wrong_order_hint_is_ignored() -> None:
    inputs = _inputs(2, strata=2)
    wrong = dataclasses.replace(inputs, order=np.random.default_rng(0).permutation(600))
    assert kernels.score_test(wrong) == pytest.approx(kernels.score_test(inputs), rel=1e-12)
    order = kernels._stratum_time_order(wrong)
    assert np.all(np.diff(inputs.stratum[order]) >= 0)
    same = inputs.stratum[order][1:] == inputs.stratum[order][:-1]
    assert np.all(np.diff(inputs.stop[order])[same] >= 0)


@pytest.mark.parametrize("strata", [1, 3])
def test_running_aggregates_match_the_dense_variance(strata: int) -> None:
    inputs = _inputs(3, strata=strata)
    fast = kernels.score_variance_fast(inputs)
    dense = kernels.score_variance_dense(inputs, max_cells=10_000)
    assert float(fast[0]) == pytest.approx(float(dense[0]), rel=1e-10)
    np.testing.assert_allclose(fast[1], dense[1], rtol=1e-9, atol=1e-10)
    assert fast[2] == pytest.approx(dense[2], rel=1e-10)
