"""Quantiles and landmarks of many groups at once equal those of each curve alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import sarcosurv as ss


@st.composite
def grouped(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 60))
    times = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    events = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    groups = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    return pd.DataFrame({"t": np.array(times) / 2.0, "e": events, "g": groups})


@settings(max_examples=60, deadline=None)
@given(grouped(), st.sampled_from(["log-log", "log", "plain", "arcsin"]))
def test_grouped_quantiles_equal_each_curve(data: pd.DataFrame, conf_type: str) -> None:
    km = ss.kaplan_meier(data, "t", "e", by="g", conf_type=conf_type)
    probs = [0.25, 0.5, 0.75]
    got = km.quantile(probs)
    columns = ["quantile", "lower", "upper"]
    for group in km.groups["group"]:
        alone = ss.kaplan_meier(data[data["g"] == group], "t", "e", conf_type=conf_type)
        mine = got.loc[got["group"] == group, columns].to_numpy()
        np.testing.assert_array_equal(mine, alone.quantile(probs)[columns].to_numpy())
    assert got["group"].tolist() == np.repeat(km.groups["group"].to_numpy(), 3).tolist()


@settings(max_examples=60, deadline=None)
@given(grouped(), st.lists(st.integers(-1, 14), min_size=1, max_size=5), st.booleans())
def test_grouped_landmarks_equal_each_group_alone(
    data: pd.DataFrame, at: list[int], extend: bool
) -> None:
    times = np.array(at) / 2.0
    km = ss.kaplan_meier(data, "t", "e", by="g")
    got = km.survival_at(times, extend=extend)
    for index, group in enumerate(km.groups["group"]):
        alone = ss.kaplan_meier(data[data["g"] == group], "t", "e").survival_at(
            times, extend=extend
        )
        mine = got[got["group"] == group].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone)
        assert index < len(km.groups)
