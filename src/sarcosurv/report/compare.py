"""Deprecated: moved to :mod:`sarcosurv.studies.heilig2020.compare` (removed in sarcosurv 0.3)."""

from __future__ import annotations

from typing import Any

from .._deprecation import moved_attributes

_NEW = "sarcosurv.studies.heilig2020.compare"
_moved = moved_attributes(
    __name__,
    {
        "TABLE3_TERMS": f"{_NEW}:TABLE3_TERMS",
        "compare_heilig2020": f"{_NEW}:compare",
        "inside_fraction": f"{_NEW}:inside_fraction",
    },
)


def __getattr__(name: str) -> Any:
    return _moved(name)
