"""Registry extracts: schema, validation, cohort and endpoint derivation.

Generic over studies: a study (e.g. :mod:`sarcosurv.studies.heilig2020`) adds
its own analysis variables, published numbers and synthetic data on top.
"""

from __future__ import annotations

from typing import Any

from .._deprecation import moved_attributes
from .cohort import Cohort
from .endpoints import UNIT_DAYS, Variables
from .schema import SCHEMA, Column, schema_table
from .validation import DATE_FORMATS, Eligibility

__all__ = [
    "DATE_FORMATS",
    "SCHEMA",
    "UNIT_DAYS",
    "Cohort",
    "Column",
    "Eligibility",
    "Variables",
    "schema_table",
]

_STUDY = "sarcosurv.studies.heilig2020"
_moved = moved_attributes(
    __name__,
    {
        "synthetic_heilig2020": f"{_STUDY}:synthetic_cohort",
        "SyntheticDesign": f"{_STUDY}:SyntheticDesign",
        "published_heilig2020": f"{_STUDY}:published",
    },
)


def __getattr__(name: str) -> Any:
    """Names that moved to :mod:`sarcosurv.studies.heilig2020` (removed in 0.3)."""
    return _moved(name)
