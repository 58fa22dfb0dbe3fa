"""Survival estimators on Dask DataFrames: data larger than one machine's memory.

:func:`sarcosurv.kaplan_meier`, :func:`sarcosurv.logrank_test`,
:func:`sarcosurv.median_followup` and :func:`sarcosurv.coxph` accept a
``dask.dataframe.DataFrame`` (optional extra ``sarcosurv[dask]``) and dispatch
here. Every estimator is a reduction over the partitions: counts per (group,
distinct time) for the nonparametric ones, and for each Newton step of a Cox
fit the sums of ``w e^{xb}``, ``w x e^{xb}`` and ``w x x' e^{xb}`` per (stratum,
distinct event time). Computation runs on the active ``distributed.Client`` when
there is one, on Dask's local scheduler otherwise. See the docs page
"Larger than memory" for the memory the client needs and what is not supported.
"""

from __future__ import annotations

from .._inputs import DASK_BACKENDS, is_dask_frame
from ._engine import UnsupportedOnDaskError
from .cox import DaskCoxResult, coxph_dask
from .estimators import kaplan_meier_dask, logrank_test_dask, median_followup_dask

__all__ = [
    "DaskCoxResult",
    "UnsupportedOnDaskError",
    "coxph_dask",
    "is_dask_frame",
    "kaplan_meier_dask",
    "logrank_test_dask",
    "median_followup_dask",
]

DASK_BACKENDS.update(
    kaplan_meier=kaplan_meier_dask,
    logrank_test=logrank_test_dask,
    median_followup=median_followup_dask,
    coxph=coxph_dask,
)
