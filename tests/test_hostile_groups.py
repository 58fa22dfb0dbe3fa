"""Many Kaplan–Meier groups at once equal one fit per group (issue 17, vectorised paths)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss

COLUMNS = ["time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"]


def _data(seed: int, n_groups: int, skewed: bool, weighted: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 3000
    if skewed:  # one big group, many tiny ones: the padded sums are skipped
        group = np.where(rng.random(n) < 0.9, 0, rng.integers(1, n_groups, n))
    else:
        group = rng.integers(0, n_groups, n)
    frame = pd.DataFrame(
        {
            "time": np.ceil(rng.exponential(20.0, n)) if seed % 2 else rng.exponential(20.0, n),
            "event": rng.integers(0, 2, n),
            "g": group,
        }
    )
    if weighted:
        frame["w"] = rng.choice([0.5, 1.0, 2.0, 3.5], n)
    return frame


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("skewed", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_grouped_fit_equals_separate_fits(seed: int, skewed: bool, weighted: bool) -> None:
    frame = _data(seed, 300, skewed, weighted)
    weights = "w" if weighted else None
    grouped = ss.kaplan_meier(frame, "time", "event", by="g", weights=weights)
    for position, label in enumerate(grouped.groups["group"].tolist()[::37]):
        alone = ss.kaplan_meier(frame[frame["g"] == label], "time", "event", weights=weights)
        index = grouped.groups["group"].tolist().index(label)
        rows = grouped.table.iloc[grouped.offsets[index] : grouped.offsets[index + 1]]
        for column in COLUMNS:
            np.testing.assert_allclose(
                rows[column].to_numpy(dtype=float),
                alone.table[column].to_numpy(dtype=float),
                rtol=1e-12,
                err_msg=f"group {label} ({position}), column {column}",
            )
    medians = grouped.median()
    assert len(medians) == len(grouped.groups)
