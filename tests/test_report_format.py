"""Formatting helpers: the strings a clinical table prints."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sarcosurv.report import (
    format_estimate,
    format_hazard_ratio,
    format_p_value,
    to_latex,
    to_markdown,
)


def test_percent_estimate_with_interval() -> None:
    assert format_estimate(0.216, 0.151, 0.288, percent=True) == "21.6% (15.1–28.8)"


def test_missing_limit_is_not_reached() -> None:
    assert format_estimate(8.3, 7.1, math.nan) == "8.3 (7.1–NR)"
    assert format_estimate(math.nan) == "NR"


def test_hazard_ratio_two_decimals() -> None:
    assert format_hazard_ratio(2.781, 1.62, 4.771) == "2.78 (1.62–4.77)"


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.38, "0.38"),
        (0.0594, "0.059"),
        (0.006, "0.006"),
        (0.00021, "<0.001"),
        (3e-7, "<0.001"),
        (0.24, "0.24"),
        (0.9999, ">0.99"),
        (math.nan, ""),
    ],
)
def test_p_values_as_the_paper_prints_them(p: float, text: str) -> None:
    assert format_p_value(p) == text


def test_markdown_table_escapes_and_blanks() -> None:
    frame = pd.DataFrame({"factor": ["a|b", "c"], "value": [1.5, math.nan]})
    assert to_markdown(frame).splitlines() == [
        "| factor | value |",
        "|---|---|",
        "| a\\|b | 1.5 |",
        "| c |  |",
    ]


def test_latex_escapes_specials_and_types_the_interval_dash() -> None:
    frame = pd.DataFrame(
        {
            "term": ["PR+SD & 50%_x", "a\\b {c} #1 $2 ~^"],
            "HR (95% CI)": [format_hazard_ratio(1.49, 1.02, 2.17), None],
            "n": [145, 157],
        }
    )
    assert to_latex(frame).splitlines() == [
        r"\begin{tabular}{llr}",
        r"\toprule",
        r"term & HR (95\% CI) & n \\",
        r"\midrule",
        r"PR+SD \& 50\%\_x & 1.49 (1.02–2.17) & 145 \\",
        r"a\textbackslash b \{c\} \#1 \$2 \textasciitilde \textasciicircum  &  & 157 \\",
        r"\bottomrule",
        r"\end{tabular}",
    ]
