"""Competing risks: cumulative incidence (Aalen–Johansen), Gray's test, Fine–Gray regression."""

from __future__ import annotations

from ._counting import CauseCounts
from ._counting import counts as cause_counts
from .cuminc import CumulativeIncidenceResult, cumulative_incidence
from .finegray import FineGrayResult, finegray
from .gray import GrayTestResult, gray_test

__all__ = [
    "CauseCounts",
    "CumulativeIncidenceResult",
    "FineGrayResult",
    "GrayTestResult",
    "cause_counts",
    "cumulative_incidence",
    "finegray",
    "gray_test",
]
