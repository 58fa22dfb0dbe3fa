"""The paper's table definitions: Table 1 rows, Table 2 factors, the Table 3 models.

Titles and level labels come from the one label map,
:data:`~.variables.LABELS`, so that a variable reads the same in every table.
"""

from __future__ import annotations

import pandas as pd

from ...cox import CoxResult, coxph
from ...report.characteristics import Characteristic, Table1, table1
from ...report.hr_table import HRTable, hr_table
from ...report.tables import OS, PFS, Factor
from .variables import LABELS, level_label

__all__ = [
    "FACTORS",
    "MODEL_TERMS",
    "TABLE1",
    "characteristics_table",
    "fit_models",
    "hazard_ratio_table",
]


def _characteristic(column: str, levels: tuple[str, ...] | None = None) -> Characteristic:
    labels = tuple((level, level_label(column, level)) for level in levels or ())
    return Characteristic(column, str(LABELS[column]), levels, labels)


_REMISSION = ("CR/NED", "PR", "SD", "PD")

#: The characteristics of Table 1, over the variables of :func:`.variables.endpoints`.
TABLE1: tuple[Characteristic, ...] = (
    Characteristic("sex", "Sex", ("Male", "Female")),
    _characteristic(
        "histology",
        (
            "Leiomyosarcoma",
            "Synovial sarcoma",
            "Angiosarcoma",
            "Liposarcoma",
            "Desmoplastic small round cell tumour",
            "Other STS",
        ),
    ),
    _characteristic("grade", ("Grade 1", "Grade 2", "Grade 3")),
    _characteristic("remission_before", _REMISSION),
    _characteristic("year_group", ("1996-2000", "2001-2005", "2006-2016")),
    _characteristic("regimen", ("PEI/CEI", "Other platinum based", "Melphalan based", "Other")),
    _characteristic("remission_after", _REMISSION),
)

#: The factors of Table 2 (Kaplan-Meier at 2 and 5 years, log-rank p).
FACTORS: tuple[Factor, ...] = tuple(
    Factor(str(LABELS[column]), column)
    for column in (
        "age_group",
        "sex",
        "histology_group",
        "remission_group",
        "grade",
        "regimen_group",
        "year_group",
    )
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


def characteristics_table(data: pd.DataFrame) -> Table1:
    """Table 1: age as median (IQR) [range], then the characteristics of :data:`TABLE1`."""
    age = Characteristic("age_at_asct", str(LABELS["age_at_asct"]))
    return table1(data, [age, *TABLE1], nonnormal=["age_at_asct"])


def hazard_ratio_table(fits: dict[str, CoxResult]) -> HRTable:
    """Table 3: PFS and OS side by side, reference rows and the report's labels."""
    return hr_table({endpoint.upper(): fit for endpoint, fit in fits.items()}, LABELS)
