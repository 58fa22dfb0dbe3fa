"""Heilig et al., ESMO Open 2020: ASCT in adult soft-tissue sarcoma (EBMT registry).

Everything specific to the paper: the EBMT sarcoma extract's schema
(:data:`SCHEMA`, code lists in :mod:`.codes`), its grouping of the registry codes
(:mod:`.codes`), the analysis variables (:func:`endpoints`), the Table 1 rows,
Table 2 factors and Table 3 models (:mod:`.tables`), the published numbers
(:func:`published`), a synthetic registry extract calibrated to them
(:func:`synthetic_cohort`), the whole analysis (:func:`analyse`), the comparison
with the paper (:func:`compare`), Figure 1 and the Markdown report.

Examples
--------
>>> from sarcosurv import registry
>>> from sarcosurv.studies import heilig2020
>>> cohort = registry.Cohort.from_frame(heilig2020.synthetic_cohort(seed=2020))
>>> data = heilig2020.endpoints(cohort)
>>> fits = heilig2020.fit_models(data)
>>> fits["os"].n
157
"""

from __future__ import annotations

from . import codes
from ._design import GENERATOR_HAZARD_RATIOS, SyntheticDesign, published_hazard_ratios
from .analysis import Heilig2020Analysis, analyse, centre_effect_table
from .centre_section import CentreSection, centre_section
from .closeness import closeness_table
from .codes import ELIGIBILITY
from .compare import TABLE3_TERMS, compare, direction_reversals, inside_fraction
from .competing_section import CompetingSection, competing_section
from .figures import SUPPLEMENTARY_FACTORS, figure1, save_figures, survival_by_factor
from .published import published
from .schema import SCHEMA
from .synthetic import synthetic_cohort
from .tables import (
    FACTORS,
    MODEL_TERMS,
    TABLE1,
    characteristics_table,
    fit_models,
    hazard_ratio_table,
)
from .variables import LABELS, analysis_variables, endpoints, level_label
from .writer import (
    FIGURES_NEED_PLOT,
    SECTIONS,
    DataSource,
    ReportContext,
    pretty_terms,
    write_report,
    write_tables,
)

__all__ = [
    "ELIGIBILITY",
    "FACTORS",
    "FIGURES_NEED_PLOT",
    "GENERATOR_HAZARD_RATIOS",
    "LABELS",
    "MODEL_TERMS",
    "SCHEMA",
    "SECTIONS",
    "SUPPLEMENTARY_FACTORS",
    "TABLE1",
    "TABLE3_TERMS",
    "CentreSection",
    "CompetingSection",
    "DataSource",
    "Heilig2020Analysis",
    "ReportContext",
    "SyntheticDesign",
    "analyse",
    "analysis_variables",
    "centre_effect_table",
    "centre_section",
    "characteristics_table",
    "closeness_table",
    "codes",
    "compare",
    "competing_section",
    "direction_reversals",
    "endpoints",
    "figure1",
    "fit_models",
    "hazard_ratio_table",
    "inside_fraction",
    "level_label",
    "pretty_terms",
    "published",
    "published_hazard_ratios",
    "save_figures",
    "survival_by_factor",
    "synthetic_cohort",
    "write_report",
    "write_tables",
]
