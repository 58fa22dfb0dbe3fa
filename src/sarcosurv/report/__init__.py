"""Tables, figures and reports for survival analyses of a registry cohort.

Importing this package imports neither matplotlib nor python-docx: the plotting
functions in :mod:`sarcosurv.report.plots` (extra ``plot``) and :func:`to_docx`
(extra ``docx``) import them when they are called.
"""

from __future__ import annotations

from .format import format_estimate, format_hazard_ratio, format_p_value, to_latex, to_markdown
from .word import to_docx

__all__ = [
    "format_estimate",
    "format_hazard_ratio",
    "format_p_value",
    "to_docx",
    "to_latex",
    "to_markdown",
]
