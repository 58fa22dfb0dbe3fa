"""How close is the reproduction: the differences a reviewer looks for first.

Counting published estimates inside the reproduced 95% CIs says little when the
intervals are wide: a published hazard ratio of 0.86 lies inside 0.75–3.42
although the reproduced 1.60 points the other way. This summary puts first
what changes a reader's conclusion: hazard ratios whose direction is reversed,
the share of patients the models could use (complete cases), follow-up and
event counts, then the containment counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...report.format import format_hazard_ratio
from .compare import direction_reversals, inside_fraction

__all__ = ["closeness_table"]


def _value(comparison: pd.DataFrame, item: str, column: str = "reproduced") -> float:
    rows = comparison.loc[comparison["item"] == item, column]
    return float(rows.iloc[0]) if len(rows) else float("nan")


def _line(aspect: str, published: str, reproduced: str, comment: str) -> dict[str, str]:
    return {"Aspect": aspect, "Published": published, "Reproduced": reproduced, "Comment": comment}


def _reversal_line(comparison: pd.DataFrame) -> dict[str, str]:
    table3 = comparison[
        (comparison["section"] == "Table 3") & comparison["direction_reversed"].notna()
    ]
    reversed_rows = direction_reversals(comparison)
    numbers = reversed_rows[["published", "reproduced", "lower", "upper"]].to_numpy(dtype=float)
    listed = "; ".join(
        f"{item}: published {published:.2f}, reproduced "
        f"{format_hazard_ratio(reproduced, lower, upper)}"
        for item, (published, reproduced, lower, upper) in zip(
            reversed_rows["item"], numbers, strict=True
        )
    )
    same = len(table3) - len(reversed_rows)
    comment = f"reversed: {listed}" if listed else "every hazard ratio points the same way"
    return _line(
        "Table 3 hazard ratios on the same side of 1",
        f"{len(table3)} estimates",
        f"{same} of {len(table3)}",
        comment,
    )


def _fraction(n: float, of: float) -> str:
    if not (np.isfinite(n) and np.isfinite(of)) or of == 0:
        return ""
    return f"{n:.0f}/{of:.0f} ({n / of:.0%})"


def _complete_case_lines(comparison: pd.DataFrame) -> list[dict[str, str]]:
    lines = []
    for endpoint in ("PFS", "OS"):
        used, eligible = f"n used ({endpoint})", f"n eligible ({endpoint})"
        published = _fraction(
            _value(comparison, used, "published"), _value(comparison, eligible, "published")
        )
        ours = _fraction(_value(comparison, used), _value(comparison, eligible))
        lines.append(
            _line(
                f"Complete cases in the {endpoint} model",
                published,
                ours,
                "patients with every model variable known; the others are left out of Table 3",
            )
        )
    return lines


def _difference_line(
    comparison: pd.DataFrame, item: str, aspect: str, unit: str, digits: int
) -> dict[str, str]:
    published, ours = _value(comparison, item, "published"), _value(comparison, item)
    difference = ours - published
    return _line(
        aspect,
        f"{published:.{digits}f} {unit}".strip(),
        f"{ours:.{digits}f} {unit}".strip(),
        f"difference {difference:+.{digits}f} {unit}".strip(),
    )


def _table2_line(comparison: pd.DataFrame) -> dict[str, str]:
    rows = comparison[(comparison["section"] == "Table 2") & comparison["reproduced"].notna()]
    gaps = (rows["reproduced"] - rows["published"]).abs()
    if not len(gaps):
        return _line("Table 2 landmark survival", "", "", "")
    worst = rows.iloc[int(np.argmax(gaps.to_numpy()))]
    inside = inside_fraction(comparison, "Table 2")
    return _line(
        "Table 2 landmark survival (percentage points)",
        f"{len(rows)} estimates",
        f"median |difference| {gaps.median():.1f}, largest {gaps.max():.1f}",
        f"largest: {worst['item']} ({worst['published']:.1f}% vs {worst['reproduced']:.1f}%); "
        f"published inside reproduced CI: {inside:.0%}",
    )


def closeness_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """The reviewer's summary of :func:`~.compare.compare`: one line per aspect.

    Columns ``Aspect, Published, Reproduced, Comment``: direction reversals of
    Table 3 hazard ratios (published and reproduced on opposite sides of 1),
    the complete-case fractions of the Table 3 models, the median follow-up of
    survivors, relapse and non-relapse death counts, the medians, Table 2's
    differences in percentage points and the share of published Table 3
    estimates inside the reproduced intervals.
    """
    lines = [_reversal_line(comparison), *_complete_case_lines(comparison)]
    lines.append(
        _difference_line(
            comparison,
            "median follow-up of survivors (years)",
            "Median follow-up of survivors",
            "years",
            1,
        )
    )
    lines.append(
        _difference_line(
            comparison, "relapse or progression (n)", "Relapse or progression", "patients", 0
        )
    )
    lines.append(
        _difference_line(comparison, "non-relapse deaths (n)", "Non-relapse deaths", "patients", 0)
    )
    for endpoint in ("PFS", "OS"):
        item = f"median {endpoint} (months)"
        lines.append(_difference_line(comparison, item, f"Median {endpoint}", "months", 1))
    lines.append(_table2_line(comparison))
    inside = inside_fraction(comparison, "Table 3")
    lines.append(
        _line(
            "Published Table 3 hazard ratio inside the reproduced 95% CI",
            "",
            f"{inside:.0%}",
            "weak evidence of agreement when intervals are wide: read with the reversals above",
        )
    )
    return pd.DataFrame(lines)
