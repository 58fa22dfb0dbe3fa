"""The registry extract's columns: one row per patient's first autologous transplant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from . import codes

__all__ = ["SCHEMA", "Column", "schema_table"]

Kind = Literal["id", "code", "date", "number", "integer"]


@dataclass(frozen=True)
class Column:
    """One column of the registry extract.

    ``required`` columns must be present and filled in every row;
    ``codes`` lists the allowed values of a coded column (``unknown`` where the
    registry records missing information explicitly; a blank counts as unknown).
    """

    name: str
    kind: Kind
    description: str
    required: bool = False
    codes: tuple[str, ...] = ()


SCHEMA: tuple[Column, ...] = (
    Column("patient_id", "id", "Registry patient identifier, unique", required=True),
    Column("centre_id", "id", "Transplant centre identifier", required=True),
    Column("sex", "code", "Sex", required=True, codes=codes.SEX),
    Column("date_of_birth", "date", "Date of birth (or give age_at_asct)"),
    Column("age_at_asct", "number", "Age at first ASCT in years (or give date_of_birth)"),
    Column("date_of_diagnosis", "date", "Date of sarcoma diagnosis"),
    Column("histology", "code", "WHO histological subtype", required=True, codes=codes.HISTOLOGY),
    Column("grade", "code", "Tumour grade", codes=codes.GRADE),
    Column(
        "metastatic_at_diagnosis",
        "code",
        "Metastatic disease at diagnosis",
        codes=codes.YES_NO_UNKNOWN,
    ),
    Column("prior_surgery", "code", "Surgery before ASCT", codes=codes.YES_NO_UNKNOWN),
    Column("prior_radiotherapy", "code", "Radiotherapy before ASCT", codes=codes.YES_NO_UNKNOWN),
    Column("prior_chemotherapy", "code", "Chemotherapy before ASCT", codes=codes.YES_NO_UNKNOWN),
    Column("n_prior_chemo_lines", "integer", "Chemotherapy lines before ASCT"),
    Column(
        "remission_before_asct", "code", "Disease status before first ASCT", codes=codes.REMISSION
    ),
    Column("date_first_asct", "date", "Date of first ASCT (time origin)", required=True),
    Column("n_asct", "integer", "Number of ASCTs (1 or more)"),
    Column("date_last_asct", "date", "Date of last ASCT (= first ASCT for a single one)"),
    Column(
        "preparative_regimen",
        "code",
        "High-dose (conditioning) regimen",
        codes=codes.PREPARATIVE_REGIMEN,
    ),
    Column("mobilisation", "code", "Stem cell mobilisation", codes=codes.MOBILISATION),
    Column("stem_cell_source", "code", "Stem cell source", codes=codes.STEM_CELL_SOURCE),
    Column(
        "remission_after_last_asct",
        "code",
        "Best disease status after last ASCT",
        codes=codes.REMISSION,
    ),
    Column(
        "progression_status_known",
        "code",
        "Whether relapse/progression status is known",
        required=True,
        codes=("yes", "no"),
    ),
    Column("date_progression", "date", "Date of first relapse or progression after ASCT"),
    Column(
        "date_last_followup",
        "date",
        "Date of last contact (= date of death for the dead)",
        required=True,
    ),
    Column(
        "vital_status",
        "code",
        "Vital status at last contact",
        required=True,
        codes=codes.VITAL_STATUS,
    ),
    Column("date_death", "date", "Date of death"),
    Column("cause_of_death", "code", "Main cause of death", codes=codes.CAUSE_OF_DEATH),
)


def schema_table() -> pd.DataFrame:
    """The schema as a table: column, type, required, allowed codes, description."""
    return pd.DataFrame(
        {
            "column": [c.name for c in SCHEMA],
            "type": [c.kind for c in SCHEMA],
            "required": [c.required for c in SCHEMA],
            "codes": ["; ".join(c.codes) for c in SCHEMA],
            "description": [c.description for c in SCHEMA],
        }
    )
