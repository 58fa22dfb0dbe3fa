"""The paper's table definitions: Table 1 rows, Table 2 factors, the Table 3 models."""

from __future__ import annotations

import pandas as pd

from ...cox import CoxResult, coxph
from ...report.table1 import Characteristic
from ...report.tables import OS, PFS, Factor

__all__ = ["FACTORS", "MODEL_TERMS", "TABLE1", "fit_models"]

#: The characteristics of Table 1, over the variables of :func:`.variables.endpoints`.
TABLE1: tuple[Characteristic, ...] = (
    Characteristic("sex", "Sex", ("Male", "Female")),
    Characteristic("histology", "Histology"),
    Characteristic("grade", "Tumour grading", ("Grade 1", "Grade 2", "Grade 3")),
    Characteristic(
        "remission_before",
        "Remission status before ASCT",
        ("CR/NED", "PR", "SD", "PD"),
        (
            ("CR/NED", "Complete response/no evidence of disease"),
            ("PR", "Partial response"),
            ("SD", "Stable disease"),
            ("PD", "Progressive disease"),
        ),
    ),
    Characteristic("year_group", "Year of first ASCT", ("1996-2000", "2001-2005", "2006-2016")),
    Characteristic(
        "regimen",
        "Preparative regimen",
        ("PEI/CEI", "Other platinum based", "Melphalan based", "Other"),
    ),
    Characteristic(
        "remission_after",
        "Remission status after last ASCT",
        ("CR/NED", "PR", "SD", "PD"),
        (
            ("CR/NED", "Complete response/no evidence of disease"),
            ("PR", "Partial response"),
            ("SD", "Stable disease"),
            ("PD", "Progressive disease"),
        ),
    ),
)

#: The factors of Table 2 (Kaplan-Meier at 2 and 5 years, log-rank p).
FACTORS: tuple[Factor, ...] = (
    Factor("Age at first ASCT", "age_group"),
    Factor("Sex", "sex"),
    Factor("Histology", "histology_group"),
    Factor("Remission status prior ASCT", "remission_group"),
    Factor("Tumour grading", "grade"),
    Factor("Preparative regimen", "regimen_group"),
    Factor("Year of ASCT", "year_group"),
)

#: Right-hand side of the Table 3 models, references as published.
MODEL_TERMS = (
    "age10 + C(histology_group, contr.treatment('Leiomyosarcoma'))"
    " + C(remission_group, contr.treatment('CR/NED'))"
    " + C(regimen_group, contr.treatment('Platinum based'))"
)


def fit_models(data: pd.DataFrame, frailty: str | None = None) -> dict[str, CoxResult]:
    """The Table 3 models for PFS and OS on complete cases (optionally with a centre frailty)."""
    fits = {}
    for endpoint in (PFS, OS):
        rows = endpoint.rows(data)
        formula = f"Surv({endpoint.time}, {endpoint.event}) ~ {MODEL_TERMS}"
        fits[endpoint.name] = coxph(formula, rows, frailty=frailty)
    return fits
