"""Competing risks: cumulative incidence (Aalen–Johansen) and Gray's test."""

from __future__ import annotations

from .cuminc import CumulativeIncidenceResult, cumulative_incidence

__all__ = ["CumulativeIncidenceResult", "cumulative_incidence"]
