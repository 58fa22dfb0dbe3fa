"""Deprecated: the EBMT sarcoma code lists moved to :mod:`sarcosurv.studies.heilig2020.codes`.

A registry's code lists belong to its schema (:class:`sarcosurv.registry.Column`
``codes=``); the old names here are removed in sarcosurv 0.3.
"""

from __future__ import annotations

from typing import Any

from .._deprecation import moved_attributes

_NAMES = (
    "CAUSE_OF_DEATH",
    "GRADE",
    "HISTOLOGY",
    "MOBILISATION",
    "NON_RELAPSE_CAUSES",
    "PREPARATIVE_REGIMEN",
    "REMISSION",
    "SEX",
    "STEM_CELL_SOURCE",
    "VITAL_STATUS",
    "YES_NO_UNKNOWN",
    "HISTOLOGY_TABLE1",
    "REMISSION_GROUP",
    "REGIMEN_GROUP",
)
_moved = moved_attributes(
    __name__, {name: f"sarcosurv.studies.heilig2020.codes:{name}" for name in _NAMES}
)


def __getattr__(name: str) -> Any:
    return _moved(name)
