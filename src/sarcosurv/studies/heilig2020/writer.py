"""Write a Heilig 2020 analysis to disk: one CSV per table and a Markdown report.

The tables are the DataFrames of :class:`~.analysis.Heilig2020Analysis`; the
report renders their text columns (estimates with 95% CIs, formatted p-values)
the way the paper prints them, links the figures and states where the data
came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ...report.format import format_estimate, format_p_value, to_markdown
from .analysis import Heilig2020Analysis
from .compare import TABLE3_TERMS
from .mi_section import mi_markdown

__all__ = ["DataSource", "pretty_terms", "write_report", "write_tables"]

_TERM_LABELS = {name: label for label, name in TABLE3_TERMS.items()} | {
    "age10": "Age at first ASCT (per 10 years)"
}


@dataclass(frozen=True, eq=False)
class DataSource:
    """Where the analysed data came from, for the report's data statement."""

    synthetic: bool
    description: str
    consort: pd.DataFrame | None = None

    def __repr__(self) -> str:
        kind = "synthetic" if self.synthetic else "registry"
        return f"<DataSource {kind}: {self.description}>"


def pretty_terms(table: pd.DataFrame) -> pd.DataFrame:
    """Replace formula term names by the labels of the paper's Table 3."""
    out = table.copy()
    labels = out["term"].map(_TERM_LABELS)
    out["term"] = labels.where(labels.notna(), out["term"])
    return out


def write_tables(analysis: Heilig2020Analysis, directory: str | Path) -> dict[str, Path]:
    """One CSV per table of ``analysis`` in ``directory``; returns the paths by table name."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "table1": analysis.table1,
        "table2": analysis.table2,
        "table3": pretty_terms(analysis.table3),
        "centre_effect": analysis.centre_effect,
        "table3_centre_frailty": pretty_terms(analysis.frailty_table3),
        "medians": analysis.medians,
        "landmarks": analysis.landmarks,
        "followup": analysis.followup,
        "comparison": analysis.comparison,
    }
    paths = {}
    for name, table in tables.items():
        paths[name] = out / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    return paths


def _table2_markdown(table2: pd.DataFrame) -> str:
    columns = {
        "factor": "Factor",
        "level": "Level",
        "pfs_2y_text": "PFS 2 y",
        "pfs_5y_text": "PFS 5 y",
        "p_pfs_text": "p (PFS)",
        "os_2y_text": "OS 2 y",
        "os_5y_text": "OS 5 y",
        "p_os_text": "p (OS)",
    }
    shown = table2[list(columns)].rename(columns=columns).copy()
    # The log-rank p belongs to the factor: print it once, on its first level.
    repeated = shown["Factor"].duplicated()
    shown.loc[repeated, ["Factor", "p (PFS)", "p (OS)"]] = ""
    return to_markdown(shown)


def _table3_markdown(table3: pd.DataFrame) -> str:
    table = pretty_terms(table3)
    shown = pd.DataFrame(
        {
            "Term": table["term"],
            "PFS HR (95% CI)": table["pfs_text"],
            "p (PFS)": table["pfs_p_text"],
            "OS HR (95% CI)": table["os_text"],
            "p (OS)": table["os_p_text"],
        }
    )
    n_pfs, n_os = int(table3["pfs_n"].iloc[0]), int(table3["os_n"].iloc[0])
    return to_markdown(shown) + f"\nComplete cases used: PFS n = {n_pfs}, OS n = {n_os}.\n"


def _centre_markdown(centre: pd.DataFrame) -> str:
    shown = pd.DataFrame(
        {
            "Endpoint": centre["endpoint"].str.upper(),
            "n": centre["n"],
            "centres": centre["n_cluster"].astype(int),
            "theta (95% profile CI)": [
                format_estimate(t, lo, hi, digits=3)
                for t, lo, hi in zip(centre["theta"], centre["lower"], centre["upper"], strict=True)
            ],
            "Kendall's tau": centre["kendall_tau"].map("{:.3f}".format),
            "LRT (theta = 0)": centre["lrt_statistic"].map("{:.2f}".format),
            "p (50:50 chi-bar-square)": centre["lrt_p_value"].map(format_p_value),
        }
    )
    return to_markdown(shown)


def _medians_markdown(medians: pd.DataFrame) -> str:
    shown = pd.DataFrame(
        {
            "Endpoint": medians["endpoint"].str.upper(),
            "Group": medians["group"],
            "Median, months (Brookmeyer-Crowley 95% CI)": medians["text_bc"],
            "Median, months (symmetric 95% CI, as printed in the paper)": medians["text_symmetric"],
        }
    )
    return to_markdown(shown)


def _landmarks_markdown(landmarks: pd.DataFrame, followup: pd.DataFrame) -> str:
    shown = pd.DataFrame(
        {
            "Estimate": landmarks["item"].str.replace("_", " ").str.upper(),
            "Survival (95% CI)": [
                format_estimate(s, lo, hi, percent=True)
                for s, lo, hi in zip(
                    landmarks["survival"], landmarks["lower"], landmarks["upper"], strict=True
                )
            ],
            "At risk": landmarks["n_risk"].astype(int),
        }
    )
    lines = [to_markdown(shown)]
    years = followup[["months", "lower", "upper"]].to_numpy(dtype=float) / 12.0
    for measure, (median, lower, upper) in zip(followup["measure"], years, strict=True):
        if np.isnan(lower) and np.isnan(upper):  # no interval for the survivors' median
            text = format_estimate(float(median), digits=1)
        else:
            text = format_estimate(float(median), float(lower), float(upper), digits=1)
        lines.append(f"- {measure}: {text} years")
    return "\n".join(lines) + "\n"


def _comparison_markdown(comparison: pd.DataFrame) -> str:
    shown = comparison.copy()
    shown["inside_ci"] = shown["inside_ci"].map({True: "yes", False: "no"}).fillna("")
    shown = shown.rename(columns={"inside_ci": "published inside reproduced 95% CI"})
    return to_markdown(shown, float_format="{:.3g}")


def _data_statement(source: DataSource) -> str:
    if source.synthetic:
        return (
            "> **These data are synthetic.** The EBMT registry extract analysed by "
            "Heilig et al. is confidential, so this run uses "
            f"{source.description}: a simulated registry calibrated to the published "
            "aggregates (Table 1 counts exactly; outcomes from a shared-frailty Cox model "
            "whose baselines and hazard ratios were calibrated to Tables 2 and 3). Agreement "
            "below shows that the pipeline reproduces the published analysis, not that the "
            "published findings are true. To run on a real extract in the registry schema: "
            "`python examples/reproduce_heilig2020.py --data extract.csv`.\n"
        )
    return f"> Data: {source.description}.\n"


def write_report(
    analysis: Heilig2020Analysis,
    directory: str | Path,
    source: DataSource,
    figures: Mapping[str, Path] | None = None,
    mi_table3: pd.DataFrame | None = None,
    extra_sections: Sequence[str] = (),
) -> Path:
    """Write ``report.md`` and the table CSVs into ``directory``; return the report's path.

    ``mi_table3`` (:func:`.mi_section.mi_table3`) adds Table 3 by multiple
    imputation beside the complete-case one (and ``table3_mi.csv``).
    ``extra_sections``: Markdown sections placed before the comparison with
    the paper (e.g. :func:`.competing_section.competing_section` and
    :func:`.centre_section.centre_section` ``.markdown()``).
    """
    out = Path(directory)
    write_tables(analysis, out)
    sections = [
        "# Autologous stem cell transplantation in adult soft-tissue sarcoma: "
        "reproduction of Heilig et al., ESMO Open 2020\n",
        _data_statement(source),
    ]
    if source.consort is not None:
        sections += ["## Patients\n", to_markdown(source.consort)]
    sections += [
        "## Table 1. Patient and treatment characteristics\n",
        "Percentages of known values; missing values are counted separately.\n",
        to_markdown(analysis.table1[["characteristic", "level", "value"]]),
        "## Table 2. PFS and OS at 2 and 5 years by factor (log-rank p)\n",
        "Kaplan-Meier estimates with log-log 95% CIs.\n",
        _table2_markdown(analysis.table2),
        "## Table 3. Multivariable Cox models (complete cases, Efron ties)\n",
        _table3_markdown(analysis.table3),
        *([] if mi_table3 is None else [mi_markdown(mi_table3, _TERM_LABELS)]),
        "## Centre effect: shared gamma frailty by centre\n",
        "The Table 3 models refitted with a gamma frailty per centre, by marginal "
        "likelihood; the test of theta = 0 uses the 50:50 mixture of chi-square(0) and "
        "chi-square(1) because theta = 0 lies on the boundary.\n",
        _centre_markdown(analysis.centre_effect),
        "\nHazard ratios with the centre frailty:\n",
        _table3_markdown(analysis.frailty_table3),
        "## Medians, landmark survival and follow-up\n",
        _medians_markdown(analysis.medians),
        "",
        _landmarks_markdown(analysis.landmarks, analysis.followup),
    ]
    if figures:
        sections.append("## Figures\n")
        for name, path in figures.items():
            sections.append(f"![{name}]({Path(path).name})\n")
    sections += list(extra_sections)
    sections += [
        "## Published versus reproduced\n",
        f"Published estimates inside the reproduced 95% CI: Table 2 "
        f"{analysis.inside_table2:.0%}, Table 3 {analysis.inside_table3:.0%}.\n",
        _comparison_markdown(analysis.comparison),
    ]
    if mi_table3 is not None:
        mi_table3.to_csv(out / "table3_mi.csv", index=False)
    report = out / "report.md"
    report.write_text("\n".join(sections), encoding="utf-8")
    return report
