"""Tables, figures and reports for survival analyses of a registry cohort.

Importing this package does not import matplotlib: the plotting functions in
:mod:`sarcosurv.report.plots` import it when they are called.
"""

from __future__ import annotations

from .format import format_estimate, format_hazard_ratio, format_p_value, to_latex, to_markdown

__all__ = [
    "format_estimate",
    "format_hazard_ratio",
    "format_p_value",
    "to_latex",
    "to_markdown",
]
