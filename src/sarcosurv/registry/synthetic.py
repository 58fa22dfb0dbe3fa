"""Deprecated: moved to :mod:`sarcosurv.studies.heilig2020` (removed in sarcosurv 0.3)."""

from __future__ import annotations

from typing import Any

from .._deprecation import moved_attributes

_NEW = "sarcosurv.studies.heilig2020"
_moved = moved_attributes(
    __name__,
    {
        "synthetic_heilig2020": f"{_NEW}:synthetic_cohort",
        "SyntheticDesign": f"{_NEW}:SyntheticDesign",
        "GENERATOR_HAZARD_RATIOS": f"{_NEW}:GENERATOR_HAZARD_RATIOS",
        "published_hazard_ratios": f"{_NEW}:published_hazard_ratios",
        "REFERENCE_N": f"{_NEW}:REFERENCE_N",
    },
)


def __getattr__(name: str) -> Any:
    return _moved(name)
