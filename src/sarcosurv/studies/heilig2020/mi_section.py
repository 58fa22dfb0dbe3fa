"""Table 3 by multiple imputation, beside the complete-case Table 3 of the report.

The paper fits its Cox models on complete cases (145 of 301 patients for PFS,
157 of 338 for OS). Here the same models are refitted on every patient whose
outcome is known, the missing covariates (remission status, preparative
regimen, ...) imputed m times by chained equations compatible with the Cox
model (:func:`sarcosurv.mi_coxph`, SMC-FCS), and pooled by Rubin's rules.
"""

from __future__ import annotations

import pandas as pd

from ...imputation import PooledResult, mi_coxph
from ...report.format import format_hazard_ratio, format_p_value, to_markdown
from ...report.hr_table import REFERENCE_TEXT, HRTable
from ...report.tables import OS, PFS
from .tables import MODEL_TERMS

__all__ = ["MI_ASSUMPTION", "mi_fits", "mi_markdown", "mi_summary", "mi_table3"]

#: The sentence on the missingness assumption printed under the table.
MI_ASSUMPTION = (
    "Multiple imputation is valid when the covariates are missing at random (MAR): "
    "whether a value is missing may depend on the other covariates and on the "
    "outcome (event and follow-up time), which the imputation models use, "
    "but not on the missing value itself. Under missingness not at random neither "
    "this table nor the complete-case one is unbiased."
)


def mi_fits(data: pd.DataFrame, m: int = 20, seed: int = 2020) -> dict[str, PooledResult]:
    """The Table 3 models for PFS and OS fitted by multiple imputation (m imputations, seeded).

    Parameters
    ----------
    data : pandas.DataFrame
        The study's endpoints (:func:`sarcosurv.studies.heilig2020.endpoints`).
    m : int
        Number of imputations (at least 20 for the report).
    seed : int
        Seed of the imputations; the same seed gives the same table.

    Examples
    --------
    >>> from sarcosurv.studies import heilig2020
    >>> from sarcosurv.registry import Cohort
    >>> cohort = Cohort.from_frame(heilig2020.synthetic_cohort(seed=2020))
    >>> fits = mi_fits(heilig2020.endpoints(cohort, unit="months"), m=2, seed=1)
    >>> fits["os"].n
    338
    """
    fits = {}
    for endpoint in (PFS, OS):
        formula = f"Surv({endpoint.time}, {endpoint.event}) ~ {MODEL_TERMS}"
        fits[endpoint.name] = mi_coxph(formula, endpoint.rows(data), m=m, seed=seed)
    return fits


def mi_table3(fits: dict[str, PooledResult]) -> pd.DataFrame:
    """Pooled hazard ratios, 95% CI, p, FMI and n per term, one column block per endpoint.

    The hazard ratio is :math:`\\exp(\\bar Q)` with :math:`\\bar Q` the mean of the
    m log hazard ratios; its interval is :math:`\\exp(\\bar Q \\pm t_{\\nu} \\sqrt{T})`
    with Rubin's total variance :math:`T` and Barnard–Rubin :math:`\\nu`;
    ``fmi`` is the fraction of missing information (Rubin 1987).

    Examples
    --------
    >>> from sarcosurv.studies import heilig2020
    >>> from sarcosurv.registry import Cohort
    >>> cohort = Cohort.from_frame(heilig2020.synthetic_cohort(seed=2020))
    >>> table = mi_table3(mi_fits(heilig2020.endpoints(cohort, unit="months"), m=2, seed=1))
    >>> int(table["os_n"].iloc[0]), bool(table["os_fmi"].between(0, 1).all())
    (338, True)
    """
    frames = []
    for name, fit in fits.items():
        hr = fit.hazard_ratios[["hazard_ratio", "lower", "upper", "p_value", "fmi"]]
        hr = hr.add_prefix(f"{name}_")
        hr[f"{name}_text"] = [
            format_hazard_ratio(h, lo, hi)
            for h, lo, hi in zip(hr.iloc[:, 0], hr.iloc[:, 1], hr.iloc[:, 2], strict=True)
        ]
        hr[f"{name}_p_text"] = hr[f"{name}_p_value"].map(format_p_value)
        hr[f"{name}_n"] = fit.n
        hr[f"{name}_m"] = fit.m
        frames.append(hr)
    table = pd.concat(frames, axis=1)
    table.index.name = "term"
    return table.reset_index()


def _pooled_cells(table: pd.DataFrame, name: str, lines: pd.DataFrame) -> pd.DataFrame:
    """HR (CI), p and FMI of one endpoint on the printed lines of the layout."""
    pooled = table.set_index("term")
    cells = []
    for row_type, column in zip(lines["row_type"], lines["coefficient"], strict=True):
        if row_type == "reference":
            cells.append((REFERENCE_TEXT, "", ""))
        elif row_type == "header" or column not in pooled.index:
            cells.append(("", "", ""))
        else:
            row = pooled.loc[column]
            fmi = float(row[f"{name}_fmi"])
            cells.append((str(row[f"{name}_text"]), str(row[f"{name}_p_text"]), f"{fmi:.2f}"))
    label = name.upper()
    columns = [f"{label} HR (95% CI)", f"{label} p", f"{label} FMI"]
    return pd.DataFrame(cells, columns=columns)


def mi_summary(table: pd.DataFrame, layout: HRTable) -> pd.DataFrame:
    """The printed MI Table 3, laid out as the complete-case Table 3.

    ``layout`` is the complete-case table of the same models
    (:func:`~.tables.hazard_ratio_table`): its variable header rows, its
    ``1.00 (reference)`` rows and its labels (:data:`~.variables.LABELS`) are
    kept, and each estimate is the pooled one of the same design column
    (``HRTable.rows["coefficient"]`` against the ``term`` of ``table``).
    """
    model = layout.models[0]
    lines = layout.rows.loc[
        layout.rows["model"] == model, ["variable", "level", "row_type", "coefficient"]
    ].reset_index(drop=True)
    labels = layout.labels
    header = lines["level"] == ""
    out = pd.DataFrame(
        {
            "Variable": [
                labels.get(v, v) if h else ""
                for v, h in zip(lines["variable"], header, strict=True)
            ],
            "Level": [
                "" if h else labels.get((v, lev), lev)
                for v, lev, h in zip(lines["variable"], lines["level"], header, strict=True)
            ],
        }
    )
    names = [c.removesuffix("_text") for c in table.columns if c.endswith("_text")]
    names = [n for n in names if not n.endswith("_p")]
    return pd.concat([out, *(_pooled_cells(table, n, lines) for n in names)], axis=1)


def mi_markdown(table: pd.DataFrame, layout: HRTable) -> str:
    """The report section: heading, the pooled table with FMI, n used and the MAR sentence.

    The table reads as the complete-case Table 3 ``layout`` (see
    :func:`mi_summary`). Used by
    :func:`~sarcosurv.studies.heilig2020.write_report` when it is given
    ``mi_table3``.
    """
    shown = mi_summary(table, layout)
    n_pfs, n_os, m = (int(table[c].iloc[0]) for c in ("pfs_n", "os_n", "pfs_m"))
    return (
        "## Table 3 by multiple imputation\n\n"
        f"The Table 3 models on every patient with a known outcome (PFS n = {n_pfs}, "
        f"OS n = {n_os}), missing covariates imputed m = {m} times by chained equations "
        "compatible with the Cox model (SMC-FCS: each covariate drawn from the "
        "distribution the model implies given the other covariates and the outcome), "
        "pooled by Rubin's rules (Barnard-Rubin degrees of freedom).\n\n"
        + to_markdown(shown)
        + "\nHR: pooled hazard ratio with Rubin's 95% CI; FMI: fraction of missing "
        f"information of the estimate.\n\n{MI_ASSUMPTION}\n"
    )
