"""sarcosurv: survival analysis for clinical registries.

Kaplan-Meier and the log-rank family, Cox proportional hazards with a formula
interface, shared gamma frailty by centre, and a validated registry schema,
checked against R ``survival``.
"""

from __future__ import annotations

from . import errors

__version__ = "0.1.0"

__all__ = ["__version__", "errors"]
