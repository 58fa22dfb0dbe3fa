"""Registry extracts: a declared schema, validation, cohort and endpoint derivation.

Generic over registries: a :class:`RegistrySchema` declares the columns,
rules, eligibility and endpoints of one registry's extract;
:class:`Cohort` validates an extract against it, counts the CONSORT steps and
derives the endpoints. A study (e.g. :mod:`sarcosurv.studies.heilig2020`, whose
EBMT sarcoma schema is the default) adds its own analysis variables, published
numbers and synthetic data on top.
"""

from __future__ import annotations

from typing import Any

from .._deprecation import moved_attributes
from . import codes as codes  # deprecated: names moved to the sarcoma study (0.3)
from .cohort import Cohort
from .eligibility import Eligibility
from .endpoints import UNIT_DAYS, Variables
from .schema import (
    Age,
    Column,
    DateOrder,
    Endpoint,
    Event,
    RegistrySchema,
    Requires,
    When,
    schema_table,
)
from .validation import DATE_FORMATS

__all__ = [
    "DATE_FORMATS",
    "UNIT_DAYS",
    "Age",
    "Cohort",
    "Column",
    "DateOrder",
    "Eligibility",
    "Endpoint",
    "Event",
    "RegistrySchema",
    "Requires",
    "Variables",
    "When",
    "schema_table",
]

_STUDY = "sarcosurv.studies.heilig2020"
_moved = moved_attributes(
    __name__,
    {
        "synthetic_heilig2020": f"{_STUDY}:synthetic_cohort",
        "SyntheticDesign": f"{_STUDY}:SyntheticDesign",
        "published_heilig2020": f"{_STUDY}:published",
        "SCHEMA": f"{_STUDY}:SCHEMA",
    },
)


def __getattr__(name: str) -> Any:
    """Names that moved to :mod:`sarcosurv.studies.heilig2020` (removed in 0.3)."""
    return _moved(name)
