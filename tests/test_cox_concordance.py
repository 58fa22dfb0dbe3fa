"""The O(n log n) concordance sweep against a direct count over all pairs."""

from __future__ import annotations

import numpy as np
import pytest

from sarcosurv.cox.concordance import harrell_c
from sarcosurv.cox.kernels import sort_cox_data


def pairwise_c(
    start: np.ndarray,
    stop: np.ndarray,
    event: np.ndarray,
    eta: np.ndarray,
    stratum: np.ndarray,
    weight: np.ndarray,
) -> float:
    """R's rule by definition: each event against every row at risk then, not tied on time."""
    concordant = discordant = tied = 0.0
    for i in np.flatnonzero(event):  # small data: the reference may loop
        t = stop[i]
        comparable = (stratum == stratum[i]) & (start < t) & (stop >= t) & ~(event & (stop == t))
        w = weight[i] * weight[comparable]
        concordant += float(w @ (eta[comparable] < eta[i]))
        discordant += float(w @ (eta[comparable] > eta[i]))
        tied += float(w @ (eta[comparable] == eta[i]))
    return (concordant + tied / 2) / (concordant + discordant + tied)


@pytest.mark.parametrize("seed", range(20))
def test_sweep_equals_the_pairwise_count(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 50))
    stop = rng.integers(1, 8, n).astype(float)
    event = rng.random(n) < 0.6
    event[0] = True
    x = rng.integers(0, 4, (n, 1)).astype(float)
    weight = rng.choice([1.0, 0.5, 2.0], n)
    stratum = rng.integers(0, 1 + seed % 3, n)
    start = None
    if seed % 2:
        start = np.minimum(stop - rng.integers(1, 4, n), stop - 1).clip(0.0)
    data = sort_cox_data(stop, event, x, start=start, strata=stratum, weights=weight)
    eta = data.covariates[:, 0]
    expected = pairwise_c(data.start, data.stop, data.event, eta, data.stratum, data.weights)
    assert harrell_c(data, eta) == pytest.approx(expected, rel=1e-12)
