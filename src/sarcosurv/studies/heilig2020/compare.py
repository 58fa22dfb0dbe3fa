"""Published versus reproduced: every number of Heilig et al. (2020) beside ours.

Each row holds the published value, the reproduced one with its 95% CI,
whether the published point estimate lies inside the reproduced interval and,
for hazard ratios, whether the two point to opposite sides of 1
(``direction_reversed``): a wide interval can contain a published 0.86 while
the reproduced 1.60 says the opposite, so containment alone is not agreement.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...cox import CoxResult
from .tables import FACTORS, characteristics_table

__all__ = [
    "PUBLISHED_FACTORS",
    "TABLE3_TERMS",
    "compare",
    "comparison_row",
    "direction_reversals",
    "inside_fraction",
]

#: Published Table 2 factor -> the analysis column of that factor.
PUBLISHED_FACTORS = {
    "Age at first ASCT": "age_group",
    "Sex": "sex",
    "Histology": "histology_group",
    "Remission status prior ASCT": "remission_group",
    "Tumour grading": "grade",
    "Preparative regimen": "regimen_group",
    "Year of ASCT": "year_group",
}

#: Published Table 3 term -> sarcosurv term name of the Heilig 2020 models.
TABLE3_TERMS = {
    "Age at first ASCT": "age10",
    "Liposarcoma": "C(histology_group, contr.treatment('Leiomyosarcoma'))[T.Liposarcoma]",
    "Synovial sarcoma": "C(histology_group, contr.treatment('Leiomyosarcoma'))[T.Synovial sarcoma]",
    "Angiosarcoma": "C(histology_group, contr.treatment('Leiomyosarcoma'))[T.Angiosarcoma]",
    "Other sarcoma": "C(histology_group, contr.treatment('Leiomyosarcoma'))[T.Other sarcoma]",
    "PR+SD": "C(remission_group, contr.treatment('CR/NED'))[T.PR+SD]",
    "PD": "C(remission_group, contr.treatment('CR/NED'))[T.PD]",
    "Melphalan based": "C(regimen_group, contr.treatment('Platinum based'))[T.Melphalan based]",
    "Other regimen": "C(regimen_group, contr.treatment('Platinum based'))[T.Other]",
}
_TABLE2_LEVELS = {"Grade 2": "Grade 2", "Grade 3": "Grade 3"}


def comparison_row(
    section: str,
    item: str,
    published: float,
    reproduced: Any,
    lower: Any = np.nan,
    upper: Any = np.nan,
) -> dict[str, Any]:
    reproduced, lower, upper = float(reproduced), float(lower), float(upper)
    has_ci = np.isfinite(lower) and np.isfinite(upper)
    inside: object = bool(lower <= published <= upper) if has_ci else pd.NA
    reversed_: object = pd.NA
    if section == "Table 3" and np.isfinite(reproduced) and has_ci:
        reversed_ = bool((published - 1.0) * (reproduced - 1.0) < 0)
    return {
        "section": section,
        "item": item,
        "published": published,
        "reproduced": reproduced,
        "lower": lower,
        "upper": upper,
        "inside_ci": inside,
        "direction_reversed": reversed_,
    }


def _table1_rows(
    endpoints: pd.DataFrame, characteristics: pd.DataFrame, published: dict[str, Any]
) -> list[dict[str, Any]]:
    overall = characteristics[characteristics["group"] == "Overall"]
    t1 = overall.set_index(["characteristic", "level_code"])["n"]
    pub = published["table1"]
    rows = []
    titles = {
        "histology": "Histology",
        "grade": "Tumour grading",
        "remission_before_asct": "Remission status before ASCT",
        "year_of_first_asct": "Year of first ASCT",
        "preparative_regimen": "Preparative regimen",
        "remission_after_last_asct": "Remission status after last ASCT",
    }
    labels = {"1": "Grade 1", "2": "Grade 2", "3": "Grade 3"}
    for key, title in titles.items():
        for level, count in pub[key].items():
            ours = float(t1.get((title, labels.get(level, level)), 0))
            rows.append(comparison_row("Table 1", f"{title}: {level}", float(count), ours))
    sex = endpoints["sex"].value_counts()
    rows.append(
        comparison_row(
            "Table 1",
            "Sex: male",
            float(published["cohort"]["male"]["n"]),
            float(sex.get("Male", 0)),
        )
    )
    age = published["cohort"]["age_at_first_asct_years"]
    ours_age = endpoints["age_at_asct"]
    for name, value in [
        ("median", ours_age.median()),
        ("min", ours_age.min()),
        ("max", ours_age.max()),
        ("q1", ours_age.quantile(0.25)),
        ("q3", ours_age.quantile(0.75)),
    ]:
        rows.append(
            comparison_row("Table 1", f"Age {name}", float(age[name]), round(float(value), 1))
        )
    return rows


def _table2_rows(table2: pd.DataFrame, published: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    pub = published["table2"]
    cells = pub["columns"]
    ours = table2.set_index(["factor", "level"])
    titles = {f.column: f.title for f in FACTORS}
    for factor, spec in pub["factors"].items():
        title = titles[PUBLISHED_FACTORS[factor]]
        for level, values in spec["levels"].items():
            key = (title, _TABLE2_LEVELS.get(level, level))
            for cell, (estimate, _, _) in zip(cells, values, strict=True):
                if key not in ours.index:
                    rows.append(
                        comparison_row("Table 2", f"{factor}: {level} {cell}", estimate, np.nan)
                    )
                    continue
                r = ours.loc[key]
                rows.append(
                    comparison_row(
                        "Table 2",
                        f"{factor}: {level} {cell}",
                        estimate,
                        100 * r[cell],
                        100 * r[f"{cell}_lower"],
                        100 * r[f"{cell}_upper"],
                    )
                )
        for endpoint in ("pfs", "os"):
            p_values = table2.loc[table2["factor"] == title, f"p_{endpoint}"]
            ours_p = float(p_values.iloc[0]) if len(p_values) else np.nan
            rows.append(
                comparison_row(
                    "Table 2 p",
                    f"{factor}: log-rank p {endpoint.upper()}",
                    spec[f"p_{endpoint}"],
                    ours_p,
                )
            )
    return rows


def _table3_rows(fits: dict[str, CoxResult], published: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for term, values in published["table3"]["terms"].items():
        for endpoint, fit in fits.items():
            hr = fit.hazard_ratios
            name = TABLE3_TERMS[term]
            if name not in hr.index:
                rows.append(
                    comparison_row(
                        "Table 3", f"{term} ({endpoint.upper()})", values[endpoint][0], np.nan
                    )
                )
                continue
            r = hr.loc[name]
            rows.append(
                comparison_row(
                    "Table 3",
                    f"{term} ({endpoint.upper()})",
                    values[endpoint][0],
                    r["hazard_ratio"],
                    r["lower"],
                    r["upper"],
                )
            )
    for endpoint, fit in fits.items():
        rows.append(
            comparison_row(
                "Table 3",
                f"n used ({endpoint.upper()})",
                float(published["table3"]["n"][endpoint]),
                float(fit.n),
            )
        )
    return rows


def _eligible_rows(endpoints: pd.DataFrame, published: dict[str, Any]) -> list[dict[str, Any]]:
    """Patients each Table 3 model could use before complete cases (PFS: the evaluable)."""
    pfs = float(endpoints["pfs_evaluable"].sum())
    return [
        comparison_row(
            "Table 3", "n eligible (PFS)", float(published["outcomes_text"]["pfs_evaluable_n"]), pfs
        ),
        comparison_row(
            "Table 3",
            "n eligible (OS)",
            float(published["cohort"]["n_patients"]),
            float(len(endpoints)),
        ),
    ]


def _survival_rows(
    medians: pd.DataFrame, landmarks: pd.DataFrame, text: dict[str, Any]
) -> list[dict[str, Any]]:
    """Overall medians, landmark survival and the medians by remission status."""
    rows = []
    overall = medians[medians["group"] == "all"].set_index("endpoint")
    for endpoint in ("pfs", "os"):
        m = overall.loc[endpoint]
        label = f"median {endpoint.upper()} (months)"
        rows.append(
            comparison_row(
                "Outcomes", label, text[f"median_{endpoint}"], *_triple(m, "median", "bc_")
            )
        )
    lm = landmarks.set_index("item")
    for item in ("pfs_5y", "os_5y", "os_2y", "os_3y"):
        r = lm.loc[item]
        estimate = (100 * r["survival"], 100 * r["lower"], 100 * r["upper"])
        label = f"{item.replace('_', ' ').upper()} (%)"
        rows.append(comparison_row("Outcomes", label, text[f"{item}_pct"], *estimate))
    by_cr = medians[medians["group"].isin(["CR", "non-CR"])].set_index(["group", "endpoint"])
    for group, values in text["median_by_remission"].items():
        for endpoint in ("pfs", "os"):
            r = by_cr.loc[(group, endpoint)]
            label = f"median {endpoint.upper()} {group} (months, symmetric CI)"
            estimate = _triple(r, "median", "symmetric_")
            rows.append(comparison_row("Outcomes", label, values[endpoint][0], *estimate))
    return rows


def _triple(row: Any, estimate: str, prefix: str) -> tuple[float, float, float]:
    return row[estimate], row[f"{prefix}lower"], row[f"{prefix}upper"]


def _count_rows(
    endpoints: pd.DataFrame, text: dict[str, Any], followup: float, published_followup: float
) -> list[dict[str, Any]]:
    """Follow-up of survivors, PFS-evaluable patients, relapses and non-relapse deaths."""
    relapsed = (endpoints["pfs_event_type"] == "relapse/progression").sum()
    nrm = (endpoints["os_cause"] == "non-relapse mortality").sum()
    return [
        comparison_row(
            "Outcomes", "median follow-up of survivors (years)", published_followup, followup
        ),
        comparison_row(
            "Outcomes",
            "PFS evaluable (n)",
            text["pfs_evaluable_n"],
            float(endpoints["pfs_evaluable"].sum()),
        ),
        comparison_row(
            "Outcomes",
            "relapse or progression (n)",
            text["relapse_or_progression"]["n"],
            float(relapsed),
        ),
        comparison_row(
            "Outcomes", "non-relapse deaths (n)", text["non_relapse_mortality"]["n"], float(nrm)
        ),
    ]


def _outcome_rows(
    endpoints: pd.DataFrame,
    medians: pd.DataFrame,
    landmarks: pd.DataFrame,
    followup_years: float,
    published: dict[str, Any],
) -> list[dict[str, Any]]:
    text = published["outcomes_text"]
    published_followup = published["cohort"]["median_followup_survivors_years"]
    return _survival_rows(medians, landmarks, text) + _count_rows(
        endpoints, text, followup_years, published_followup
    )


def compare(
    endpoints: pd.DataFrame,
    table2: pd.DataFrame,
    fits: dict[str, CoxResult],
    medians: pd.DataFrame,
    landmarks: pd.DataFrame,
    followup_years: float,
    published: dict[str, Any],
    characteristics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The comparison table: section, item, published, reproduced, lower, upper, inside_ci,
    direction_reversed.

    ``characteristics`` is the long Table 1 of ``endpoints`` when already computed
    (:func:`.tables.characteristics_table`, ``to_frame()``); it is computed otherwise.
    """
    if characteristics is None:
        characteristics = characteristics_table(endpoints).to_frame()
    rows = (
        _table1_rows(endpoints, characteristics, published)
        + _table2_rows(table2, published)
        + _table3_rows(fits, published)
        + _eligible_rows(endpoints, published)
        + _outcome_rows(endpoints, medians, landmarks, followup_years, published)
    )
    return pd.DataFrame(rows)


def inside_fraction(comparison: pd.DataFrame, section: str) -> float:
    """Share of a section's published estimates inside the reproduced 95% CI."""
    rows = comparison[(comparison["section"] == section) & comparison["inside_ci"].notna()]
    return float(rows["inside_ci"].astype(bool).mean()) if len(rows) else float("nan")


def direction_reversals(comparison: pd.DataFrame) -> pd.DataFrame:
    """The Table 3 rows whose published and reproduced hazard ratios lie on opposite sides of 1."""
    flagged = [value is True or value is np.True_ for value in comparison["direction_reversed"]]
    return comparison[np.asarray(flagged, dtype=bool)].reset_index(drop=True)
