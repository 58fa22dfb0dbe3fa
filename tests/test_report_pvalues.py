"""The one p-value rule: never rounded across 0.05, <0.001 floor; time intervals clipped at 0."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarcosurv.report.format import CLIPPED_NOTE, clip_time_interval, format_p_value


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0496, "0.0496"),  # "0.050" would cross 0.05
        (0.04996, "0.04996"),
        (0.0499999, "0.0499999"),
        (0.05, "0.050"),
        (0.0504, "0.050"),  # rounds down to 0.050 = not below 0.05: same side
        (0.0594, "0.059"),
        (0.012, "0.012"),
        (0.0094, "0.009"),
        (0.001, "0.001"),
        (0.000986, "<0.001"),
        (1e-12, "<0.001"),
        (0.1, "0.10"),
        (0.99, "0.99"),
        (0.994, ">0.99"),
        (0.996, ">0.99"),
        (1.0, ">0.99"),
        (math.nan, ""),
    ],
)
def test_edge_cases(p: float, text: str) -> None:
    assert format_p_value(p) == text


@given(st.floats(min_value=0.001, max_value=0.99))
def test_never_rounded_across_alpha(p: float) -> None:
    printed = float(format_p_value(p))
    assert (printed < 0.05) == (p < 0.05)


@given(st.floats(min_value=0.0, max_value=1.0))
def test_floor_and_precision(p: float) -> None:
    text = format_p_value(p)
    if p < 0.001:
        assert text == "<0.001"
    elif p > 0.99:
        assert text == ">0.99"
    else:
        # Half a unit in the last printed place, plus a hair for binary rounding
        # (0.625 prints "0.62": |0.62 - 0.625| is 0.005 only up to rounding).
        half_unit = 0.005 if p >= 0.1 else 0.0005
        assert abs(float(text) - p) <= half_unit + 1e-12


def test_other_floor() -> None:
    assert format_p_value(3e-5, floor=1e-4) == "<0.0001"


def test_clipped_time_interval() -> None:
    assert clip_time_interval(-6.0, 109.5) == (0.0, 109.5, True)
    assert clip_time_interval(4.1, 18.7) == (4.1, 18.7, False)
    lower, upper, clipped = clip_time_interval(math.nan, 3.0)
    assert upper == 3.0
    assert math.isnan(lower)
    assert not clipped
    assert "cannot be negative" in CLIPPED_NOTE


def test_median_table_clips_symmetric_interval() -> None:
    import pandas as pd

    from sarcosurv.report.tables import Endpoint, median_table

    # Few events, a late median: the symmetric interval (median ± 1.96 SE) reaches below 0.
    data = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 60, 70], "e": [1, 1, 0, 0, 0, 1, 0]})
    row = median_table(data, endpoints=(Endpoint("os", "t", "e"),)).iloc[0]
    assert row["symmetric_lower"] < 0  # the computed limit is kept
    assert row["symmetric_clipped"]
    assert row["text_symmetric"] == "60.0 (0.0–144.9)*"
