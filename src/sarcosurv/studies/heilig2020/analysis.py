"""The whole Heilig et al. (2020) analysis of a cohort, as one frozen result."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ...cox import CoxResult
from ...report.characteristics import Table1
from ...report.hr_table import HRTable
from ...report.tables import (
    followup_summary,
    landmark_table,
    median_table,
    overall_landmarks,
)
from .compare import compare, inside_fraction
from .tables import FACTORS, characteristics_table, fit_models, hazard_ratio_table

__all__ = ["Heilig2020Analysis", "analyse", "centre_effect_table"]


@dataclass(frozen=True, eq=False)
class Heilig2020Analysis:
    """Tables 1-3, the centre effect, medians, follow-up and the comparison.

    ``table1`` and ``table3`` are the long tables of numbers (saved as CSV);
    ``characteristics`` and ``hazard_ratios`` are the printed tables (with
    reference rows, labels, Markdown/LaTeX/HTML/Word export).
    """

    table1: pd.DataFrame
    table2: pd.DataFrame
    table3: pd.DataFrame
    centre_effect: pd.DataFrame
    frailty_table3: pd.DataFrame
    medians: pd.DataFrame
    landmarks: pd.DataFrame
    followup: pd.DataFrame
    comparison: pd.DataFrame
    fits: dict[str, CoxResult]
    frailty_fits: dict[str, CoxResult]
    characteristics: Table1
    hazard_ratios: HRTable
    frailty_hazard_ratios: HRTable

    @property
    def inside_table2(self) -> float:
        return inside_fraction(self.comparison, "Table 2")

    @property
    def inside_table3(self) -> float:
        return inside_fraction(self.comparison, "Table 3")

    def __repr__(self) -> str:
        n = " ".join(f"{name}_n={fit.n}" for name, fit in self.fits.items())
        return (
            f"<Heilig2020Analysis {n} inside_table2={self.inside_table2:.0%} "
            f"inside_table3={self.inside_table3:.0%}>"
        )

    def __str__(self) -> str:
        columns = ["section", "item", "published", "reproduced", "lower", "upper", "inside_ci"]
        return f"{self!r}\n{self.comparison[columns].to_string(index=False)}"

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.comparison.to_html(index=False)


def centre_effect_table(fits: dict[str, CoxResult]) -> pd.DataFrame:
    """theta, its profile CI, Kendall's tau and the boundary-corrected LRT per endpoint."""
    rows = []
    for endpoint, fit in fits.items():
        frailty = fit.frailty
        if frailty is None:
            continue
        row = frailty.to_frame().iloc[0].to_dict()
        rows.append({"endpoint": endpoint, "n": fit.n, **row})
    return pd.DataFrame(rows)


def analyse(
    endpoints: pd.DataFrame, published: dict[str, Any], centre: str = "centre_id"
) -> Heilig2020Analysis:
    """Run every analysis of the paper on ``endpoints`` (see :meth:`Cohort.endpoints`)."""
    table2 = landmark_table(endpoints, FACTORS)
    fits = fit_models(endpoints)
    frailty_fits = fit_models(endpoints, frailty=centre)
    overall = median_table(endpoints)
    by_cr = median_table(endpoints, by="remission_cr")
    medians = pd.concat([overall, by_cr], ignore_index=True)
    landmarks = overall_landmarks(endpoints)
    followup = followup_summary(endpoints)
    followup_years = float(followup["months"].iloc[0]) / 12.0
    characteristics = characteristics_table(endpoints)
    comparison = compare(
        endpoints,
        table2,
        fits,
        medians,
        landmarks,
        followup_years,
        published,
        characteristics.to_frame(),
    )
    hazard_ratios = hazard_ratio_table(fits)
    frailty_hazard_ratios = hazard_ratio_table(frailty_fits)
    return Heilig2020Analysis(
        table1=characteristics.to_frame(),
        table2=table2,
        table3=hazard_ratios.to_frame(),
        centre_effect=centre_effect_table(frailty_fits),
        frailty_table3=frailty_hazard_ratios.to_frame(),
        medians=medians,
        landmarks=landmarks,
        followup=followup,
        comparison=comparison,
        fits=fits,
        frailty_fits=frailty_fits,
        characteristics=characteristics,
        hazard_ratios=hazard_ratios,
        frailty_hazard_ratios=frailty_hazard_ratios,
    )
