"""Write a Heilig 2020 analysis to disk: one CSV per table and a Markdown report.

The tables are the DataFrames of :class:`~.analysis.Heilig2020Analysis`; the
report renders them the way a journal prints them: one label per variable and
level in every table (:data:`~.variables.LABELS`), reference rows in Table 3,
n and events per level, p-values by one rule
(:func:`~sarcosurv.report.format.format_p_value`).

The report is a list of section producers, :data:`SECTIONS`: each takes the
:class:`ReportContext` and returns Markdown (or ``""`` to leave the section
out). A new section is one function and one entry in the list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ...report.format import CLIPPED_NOTE, format_estimate, format_p_value, to_markdown
from ...report.word import require_docx, to_docx
from . import codes
from .analysis import Heilig2020Analysis
from .closeness import closeness_table
from .compare import TABLE3_TERMS
from .mi_section import mi_markdown
from .tables import FACTORS
from .variables import ABBREVIATIONS, level_label

__all__ = [
    "FIGURES_NEED_PLOT",
    "SECTIONS",
    "DataSource",
    "ReportContext",
    "pretty_terms",
    "write_report",
    "write_tables",
    "write_word_tables",
]

_TERM_LABELS = {name: label for label, name in TABLE3_TERMS.items()} | {
    "age10": "Age at first ASCT (per 10 years)"
}

#: One line in the report when the figures could not be drawn.
FIGURES_NEED_PLOT = (
    "Figures were not drawn: they need the `plot` extra (pip install 'sarcosurv[plot]')."
)


@dataclass(frozen=True, eq=False)
class DataSource:
    """Where the analysed data came from, for the report's data statement."""

    synthetic: bool
    description: str
    consort: pd.DataFrame | None = None

    def __repr__(self) -> str:
        kind = "synthetic" if self.synthetic else "registry"
        return f"<DataSource {kind}: {self.description}>"


@dataclass(frozen=True, eq=False)
class ReportContext:
    """What a section producer may use: the analysis, the data source and the figures."""

    analysis: Heilig2020Analysis
    source: DataSource
    figures: Mapping[str, Path] = field(default_factory=dict)
    figures_note: str | None = None
    mi_table3: pd.DataFrame | None = None
    extra_sections: Sequence[str] = ()


def pretty_terms(table: pd.DataFrame) -> pd.DataFrame:
    """Replace formula term names by the labels of the paper's Table 3 (a ``term`` column)."""
    out = table.copy()
    if "term" not in out:
        return out
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
        "table3": analysis.table3,
        "centre_effect": analysis.centre_effect,
        "table3_centre_frailty": analysis.frailty_table3,
        "medians": analysis.medians,
        "landmarks": analysis.landmarks,
        "followup": analysis.followup,
        "comparison": analysis.comparison,
        "closeness": closeness_table(analysis.comparison),
    }
    paths = {}
    for name, table in tables.items():
        paths[name] = out / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    return paths


def write_word_tables(analysis: Heilig2020Analysis, directory: str | Path) -> Path | None:
    """Tables 1-3 as one Word document, ``tables.docx`` (None without python-docx)."""
    try:
        require_docx()
    except ImportError:
        return None
    tables = {
        "Table 1. Patient and treatment characteristics": analysis.characteristics.summary(),
        "Table 2. PFS and OS at 2 and 5 years by factor": _table2_frame(analysis.table2),
        "Table 3. Multivariable Cox models for PFS and OS": analysis.hazard_ratios.summary(),
    }
    notes = (*analysis.characteristics.notes, *analysis.hazard_ratios.notes, ABBREVIATIONS)
    return to_docx(tables, Path(directory) / "tables.docx", notes=notes)


def _title(context: ReportContext) -> str:
    return (
        "# Autologous stem cell transplantation in adult soft-tissue sarcoma: "
        "reproduction of Heilig et al., ESMO Open 2020\n"
    )


def _data_statement(context: ReportContext) -> str:
    source = context.source
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


def _patients(context: ReportContext) -> str:
    consort = context.source.consort
    if consort is None:
        return ""
    shown = consort.rename(columns={"step": "Step", "n": "Patients"})
    return "## Patients\n\n" + to_markdown(shown)


def _table1(context: ReportContext) -> str:
    table = context.analysis.characteristics
    try:
        require_docx()
        word = "Tables 1-3 are also in `tables.docx`, editable in Word.\n\n"
    except ImportError:
        word = ""
    return (
        "## Table 1. Patient and treatment characteristics\n\n"
        + word
        + to_markdown(table.summary())
        + "\nn (%) of the patients with the characteristic recorded; missing values are "
        "counted separately. Age: median (interquartile range) [range].\n" + f"\n{ABBREVIATIONS}\n"
    )


def _pooled_histology(context: ReportContext) -> str:
    t1 = context.analysis.table1
    rows = t1[(t1["characteristic"] == "Histology") & (t1["group"] == "Overall")]
    rare = rows[(rows["n"] <= codes.RARE_SUBTYPE_MAX) & (rows["level_code"] != "missing")]
    if not len(rare):
        return ""
    listed = ", ".join(
        f"{level} (n = {n})" for level, n in zip(rare["level"], rare["n"], strict=True)
    )
    return (
        f"Other sarcoma in Tables 2 and 3 also includes the Table 1 subtypes with "
        f"{codes.RARE_SUBTYPE_MAX} or fewer patients: {listed}."
    )


def _table2_frame(table2: pd.DataFrame) -> pd.DataFrame:
    columns = {f.title: f.column for f in FACTORS}

    def counts(endpoint: str) -> list[str]:
        return [
            f"{int(n)} ({int(e)})"
            for n, e in zip(table2[f"n_{endpoint}"], table2[f"events_{endpoint}"], strict=True)
        ]

    shown = pd.DataFrame(
        {
            "Factor": table2["factor"],
            "Level": [
                level_label(columns.get(f, ""), str(v))
                for f, v in zip(table2["factor"], table2["level"], strict=True)
            ],
            "PFS n (events)": counts("pfs"),
            "PFS at 2 years": table2["pfs_2y_text"],
            "PFS at 5 years": table2["pfs_5y_text"],
            "p (PFS)": table2["p_pfs_text"],
            "OS n (events)": counts("os"),
            "OS at 2 years": table2["os_2y_text"],
            "OS at 5 years": table2["os_5y_text"],
            "p (OS)": table2["p_os_text"],
        }
    )
    # The log-rank p belongs to the factor: print it once, on its first level.
    repeated = shown["Factor"].duplicated()
    shown.loc[repeated, ["Factor", "p (PFS)", "p (OS)"]] = ""
    return shown


def _table2(context: ReportContext) -> str:
    return (
        "## Table 2. PFS and OS at 2 and 5 years by factor\n\n"
        + to_markdown(_table2_frame(context.analysis.table2))
        + "\nKaplan-Meier estimates with log-log 95% CIs; p: log-rank test across the levels "
        "of the factor. PFS among the patients evaluable for progression. "
        + _pooled_histology(context)
        + "\n"
    )


def _table3(context: ReportContext) -> str:
    return (
        "## Table 3. Multivariable Cox models for PFS and OS\n\n"
        + context.analysis.hazard_ratios.to_markdown()
        + "\nComplete cases, Efron ties. "
        + _pooled_histology(context)
        + "\n"
    )


def _centre_markdown(centre: pd.DataFrame) -> str:
    shown = pd.DataFrame(
        {
            "Endpoint": centre["endpoint"].str.upper(),
            "n": centre["n"],
            "Centres": centre["n_cluster"].astype(int),
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


def _centre(context: ReportContext) -> str:
    analysis = context.analysis
    return (
        "## Centre effect: shared gamma frailty by centre\n\n"
        "The Table 3 models refitted with a gamma frailty per centre, by marginal "
        "likelihood; the test of theta = 0 uses the 50:50 mixture of chi-square(0) and "
        "chi-square(1) because theta = 0 lies on the boundary.\n\n"
        + _centre_markdown(analysis.centre_effect)
        + "\nHazard ratios with the centre frailty:\n\n"
        + analysis.frailty_hazard_ratios.to_markdown()
    )


_MEDIAN_GROUPS = {
    "all": "All patients",
    "CR": "CR/NED before ASCT",
    "non-CR": "PR, SD or PD before ASCT",
}


def _medians_markdown(medians: pd.DataFrame) -> str:
    shown = pd.DataFrame(
        {
            "Endpoint": medians["endpoint"].str.upper(),
            "Patients": medians["group"].map(_MEDIAN_GROUPS).fillna(medians["group"]),
            "Median, months (Brookmeyer-Crowley 95% CI)": medians["text_bc"],
            "Median, months (symmetric 95% CI, as printed in the paper)": medians["text_symmetric"],
        }
    )
    # The note's leading "*" is escaped, or Markdown would start a list.
    note = f"\n\\{CLIPPED_NOTE}\n" if medians["symmetric_clipped"].any() else ""
    return to_markdown(shown) + note


def _landmarks_markdown(landmarks: pd.DataFrame, followup: pd.DataFrame) -> str:
    names = [
        f"{item.split('_')[0].upper()} at {item.split('_')[1][:-1]} years"
        for item in landmarks["item"]
    ]
    shown = pd.DataFrame(
        {
            "Estimate": names,
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
        lines.append(f"- {measure[0].upper() + measure[1:]}: {text} years")
    return "\n".join(lines) + "\n"


def _outcomes(context: ReportContext) -> str:
    analysis = context.analysis
    return (
        "## Medians, landmark survival and follow-up\n\n"
        + _medians_markdown(analysis.medians)
        + "\n"
        + _landmarks_markdown(analysis.landmarks, analysis.followup)
    )


def _closeness(context: ReportContext) -> str:
    return (
        "## How close is the reproduction\n\n"
        "What would change a reader's conclusion comes first: hazard ratios whose "
        "published and reproduced values lie on opposite sides of 1, the share of "
        "patients the models could use, follow-up and event counts.\n\n"
        + to_markdown(closeness_table(context.analysis.comparison))
    )


def _comparison_markdown(comparison: pd.DataFrame) -> str:
    def yes_no(values: pd.Series) -> pd.Series:
        return values.map({True: "yes", False: "no"}).fillna("")

    shown = pd.DataFrame(
        {
            "Section": comparison["section"],
            "Item": comparison["item"],
            "Published": comparison["published"],
            "Reproduced": comparison["reproduced"],
            "95% CI": [
                "" if np.isnan(lo) else f"{lo:.3g}–{hi:.3g}"
                for lo, hi in zip(comparison["lower"], comparison["upper"], strict=True)
            ],
            "Published inside CI": yes_no(comparison["inside_ci"]),
            "Direction reversed": yes_no(comparison["direction_reversed"]),
        }
    )
    return to_markdown(shown, float_format="{:.3g}")


def _published_vs_reproduced(context: ReportContext) -> str:
    return (
        "## Published versus reproduced, every number\n\n"
        'Items are named as in the paper (e.g. its Table 1 row "Other STS" is "Other '
        'sarcoma" in the tables above). "Direction reversed": the published and reproduced '
        "hazard ratios lie on opposite sides of 1.\n\n"
        + _comparison_markdown(context.analysis.comparison)
    )


def _figures(context: ReportContext) -> str:
    if context.figures_note:
        return f"## Figures\n\n{context.figures_note}\n"
    if not context.figures:
        return ""
    links = "".join(f"![{name}]({Path(path).name})\n\n" for name, path in context.figures.items())
    return "## Figures\n\n" + links


def _mi_table3(context: ReportContext) -> str:
    if context.mi_table3 is None:
        return ""
    return mi_markdown(context.mi_table3, context.analysis.hazard_ratios)


def _extra(context: ReportContext) -> str:
    return "\n".join(context.extra_sections)


#: The report's sections, in order; each returns Markdown ("" leaves it out).
SECTIONS: list[Callable[[ReportContext], str]] = [
    _title,
    _data_statement,
    _patients,
    _table1,
    _table2,
    _table3,
    _mi_table3,
    _centre,
    _outcomes,
    _closeness,
    _figures,
    _extra,
    _published_vs_reproduced,
]


def write_report(
    analysis: Heilig2020Analysis,
    directory: str | Path,
    source: DataSource,
    figures: Mapping[str, Path] | None = None,
    figures_note: str | None = None,
    *,
    mi_table3: pd.DataFrame | None = None,
    extra_sections: Sequence[str] = (),
) -> Path:
    """Write the table CSVs, ``report.md`` and (with python-docx) ``tables.docx``.

    Returns the report's path.

    ``figures`` links figures already saved; ``figures_note`` replaces them by
    one line (e.g. :data:`FIGURES_NEED_PLOT` when matplotlib is missing).
    ``mi_table3`` (:func:`.mi_section.mi_table3`) adds Table 3 by multiple
    imputation after the complete-case one (and ``table3_mi.csv``);
    ``extra_sections`` are Markdown sections placed before the comparison with
    the paper (e.g. :func:`.competing_section.competing_section` and
    :func:`.centre_section.centre_section` ``.markdown()``).
    """
    out = Path(directory)
    write_tables(analysis, out)
    write_word_tables(analysis, out)
    if mi_table3 is not None:
        mi_table3.to_csv(out / "table3_mi.csv", index=False)
    context = ReportContext(
        analysis, source, dict(figures or {}), figures_note, mi_table3, tuple(extra_sections)
    )
    sections = [text for producer in SECTIONS if (text := producer(context))]
    report = out / "report.md"
    report.write_text("\n".join(sections), encoding="utf-8")
    return report
