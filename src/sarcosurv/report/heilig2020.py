"""Deprecated: moved to :mod:`sarcosurv.studies.heilig2020.analysis` (removed in sarcosurv 0.3)."""

from __future__ import annotations

from typing import Any

from .._deprecation import moved_attributes

_NEW = "sarcosurv.studies.heilig2020.analysis"
_moved = moved_attributes(
    __name__,
    {
        "Heilig2020Analysis": f"{_NEW}:Heilig2020Analysis",
        "analyse_heilig2020": f"{_NEW}:analyse",
        "centre_effect_table": f"{_NEW}:centre_effect_table",
    },
)


def __getattr__(name: str) -> Any:
    return _moved(name)
