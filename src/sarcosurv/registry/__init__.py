"""Registry extracts: schema, validation, endpoints and a synthetic calibrated cohort."""

from __future__ import annotations

from .cohort import Cohort
from .endpoints import UNIT_DAYS
from .published import published_heilig2020
from .schema import SCHEMA, Column, schema_table
from .synthetic import SyntheticDesign, synthetic_heilig2020
from .validation import DATE_FORMATS, Eligibility

__all__ = [
    "DATE_FORMATS",
    "SCHEMA",
    "UNIT_DAYS",
    "Cohort",
    "Column",
    "Eligibility",
    "SyntheticDesign",
    "published_heilig2020",
    "schema_table",
    "synthetic_heilig2020",
]
