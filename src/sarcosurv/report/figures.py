"""Deprecated: moved to :mod:`sarcosurv.studies.heilig2020.figures` (removed in sarcosurv 0.3)."""

from __future__ import annotations

from typing import Any

from .._deprecation import moved_attributes

_NEW = "sarcosurv.studies.heilig2020.figures"
_moved = moved_attributes(
    __name__,
    {
        "SUPPLEMENTARY_FACTORS": f"{_NEW}:SUPPLEMENTARY_FACTORS",
        "figure1": f"{_NEW}:figure1",
        "save_figures": f"{_NEW}:save_figures",
        "survival_by_factor": f"{_NEW}:survival_by_factor",
    },
)


def __getattr__(name: str) -> Any:
    return _moved(name)
