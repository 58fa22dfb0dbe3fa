"""Tables 2 and 3 and the outcome summaries of a registry survival analysis.

Every table is a DataFrame of numbers plus a printed column, so that it can be
compared with published values, saved as CSV and rendered as Markdown, LaTeX
or HTML. Rows with a missing factor value are left out of that factor's
analysis and counted (``n_excluded``), never dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _deprecation
from ..cox import CoxResult
from ..followup import median_followup
from ..km import kaplan_meier
from ..logrank import logrank_test
from .format import format_estimate, format_hazard_ratio, format_p_value

__all__ = [
    "Endpoint",
    "Factor",
    "cox_table",
    "followup_summary",
    "landmark_table",
    "median_table",
    "overall_landmarks",
]


@dataclass(frozen=True)
class Endpoint:
    """A time-to-event endpoint: its name, columns and the rows that are evaluable."""

    name: str
    time: str
    event: str
    evaluable: str | None = None

    def rows(self, data: pd.DataFrame) -> pd.DataFrame:
        if self.evaluable is None:
            return data
        return data[data[self.evaluable].astype(bool)]


PFS = Endpoint("pfs", "pfs_time", "pfs_event", "pfs_evaluable")
OS = Endpoint("os", "os_time", "os_event")


@dataclass(frozen=True)
class Factor:
    """A grouping factor of Table 2: its title and column."""

    title: str
    column: str


_FIRST_STUDY = "sarcosurv.studies.heilig2020.tables"
_moved = _deprecation.moved_attributes(
    __name__,
    {
        "HEILIG2020_FACTORS": f"{_FIRST_STUDY}:FACTORS",
        "HEILIG2020_MODEL_TERMS": f"{_FIRST_STUDY}:MODEL_TERMS",
        "fit_heilig2020_models": f"{_FIRST_STUDY}:fit_models",
    },
)


def __getattr__(name: str) -> Any:
    return _moved(name)


def _landmarks(
    data: pd.DataFrame, endpoint: Endpoint, factor: Factor, times: Sequence[float]
) -> tuple[pd.DataFrame, float, int]:
    rows = endpoint.rows(data)
    km = kaplan_meier(rows, endpoint.time, endpoint.event, by=factor.column)
    at = km.survival_at(list(times))
    wide = at.pivot(index="group", columns="time", values=["survival", "lower", "upper"])
    out = pd.DataFrame(index=wide.index)
    for t in times:
        label = f"{endpoint.name}_{t / 12:g}y"
        out[label] = wide[("survival", t)]
        out[f"{label}_lower"] = wide[("lower", t)]
        out[f"{label}_upper"] = wide[("upper", t)]
    column = rows[factor.column]
    if isinstance(column.dtype, pd.CategoricalDtype):  # the levels in their defined order
        order = [c for c in column.cat.categories if c in out.index]
        out = out.reindex(order + [g for g in out.index if g not in order])
    groups = km.groups.set_index("group")
    out[f"n_{endpoint.name}"] = groups["n"]
    out[f"events_{endpoint.name}"] = groups["n_event"]
    levels = rows[factor.column].dropna()
    p_value = (
        logrank_test(rows, endpoint.time, endpoint.event, factor.column).p_value
        if levels.nunique() > 1
        else float("nan")
    )
    return out, p_value, km.n_excluded


def landmark_table(
    data: pd.DataFrame,
    factors: Sequence[Factor] | _deprecation.StudyDefault = _deprecation.STUDY_DEFAULT,
    *,
    times: Sequence[float] = (24.0, 60.0),
    endpoints: Sequence[Endpoint] = (PFS, OS),
) -> pd.DataFrame:
    """Table 2: Kaplan–Meier survival at landmark times by factor, with log-rank p-values.

    Survival and its 95% log-log confidence interval (Kalbfleisch & Prentice
    1980; R's default) at each time (months), per level; the log-rank test
    across the levels of each factor. For PFS only evaluable patients count.
    ``factors`` will be required from sarcosurv 0.3 (left out, they are the
    first study's, with a ``DeprecationWarning``).
    """
    chosen: Sequence[Factor] = (
        _deprecation.study_default("landmark_table", "factors", f"{_FIRST_STUDY}:FACTORS")
        if isinstance(factors, _deprecation.StudyDefault)
        else factors
    )
    frames = []
    for factor in chosen:
        parts, extra = [], {}
        for endpoint in endpoints:
            part, p_value, excluded = _landmarks(data, endpoint, factor, times)
            parts.append(part)
            extra[f"p_{endpoint.name}"] = p_value
            extra[f"n_excluded_{endpoint.name}"] = excluded
        table = pd.concat(parts, axis=1)
        table.index = table.index.astype(str)
        table = table.reset_index(names="level")
        table.insert(0, "factor", factor.title)
        for key, value in extra.items():
            table[key] = value
        frames.append(table)
    result = pd.concat(frames, ignore_index=True)
    for endpoint in endpoints:
        for t in times:
            label = f"{endpoint.name}_{t / 12:g}y"
            result[f"{label}_text"] = [
                format_estimate(e, lo, hi, percent=True)
                for e, lo, hi in zip(
                    result[label], result[f"{label}_lower"], result[f"{label}_upper"], strict=True
                )
            ]
        result[f"p_{endpoint.name}_text"] = result[f"p_{endpoint.name}"].map(format_p_value)
    return result


def cox_table(fits: dict[str, CoxResult]) -> pd.DataFrame:
    """Hazard ratios with 95% CI and p per design column, one column block per model.

    A table of numbers keyed by formula term; for the printed table of a paper
    (reference rows, labels, n and events) use :func:`sarcosurv.report.hr_table`.
    """
    frames = []
    for name, fit in fits.items():
        hr = fit.hazard_ratios[["hazard_ratio", "lower", "upper", "p_value"]].add_prefix(f"{name}_")
        hr[f"{name}_text"] = [
            format_hazard_ratio(h, lo, hi)
            for h, lo, hi in zip(hr.iloc[:, 0], hr.iloc[:, 1], hr.iloc[:, 2], strict=True)
        ]
        hr[f"{name}_p_text"] = hr[f"{name}_p_value"].map(format_p_value)
        hr[f"{name}_n"] = fit.n
        frames.append(hr)
    table = pd.concat(frames, axis=1)
    table.index.name = "term"
    return table.reset_index()


def median_table(
    data: pd.DataFrame, by: str | None = None, endpoints: Sequence[Endpoint] = (PFS, OS)
) -> pd.DataFrame:
    """Median PFS and OS with Brookmeyer–Crowley and symmetric ("SPSS style") 95% CIs.

    A symmetric interval (median ± 1.96 SE) can reach below zero; its printed
    lower limit (``text_symmetric``) is clipped at 0 and marked ``*``
    (``symmetric_clipped``; the note is :data:`~sarcosurv.report.format.CLIPPED_NOTE`),
    while ``symmetric_lower`` keeps the computed value.
    """
    frames = []
    for endpoint in endpoints:
        km = kaplan_meier(endpoint.rows(data), endpoint.time, endpoint.event, by=by)
        bc = km.median()
        sym = km.median(ci_method="symmetric")
        table = pd.DataFrame(
            {
                "endpoint": endpoint.name,
                "group": bc["group"].astype(str) if "group" in bc else "all",
                "median": bc["median"].to_numpy(),
                "bc_lower": bc["lower"].to_numpy(),
                "bc_upper": bc["upper"].to_numpy(),
                "symmetric_lower": sym["lower"].to_numpy(),
                "symmetric_upper": sym["upper"].to_numpy(),
            }
        )
        table["text_bc"] = [
            format_estimate(m, lo, hi)
            for m, lo, hi in zip(table["median"], table["bc_lower"], table["bc_upper"], strict=True)
        ]
        table["symmetric_clipped"] = table["symmetric_lower"] < 0
        # A time cannot be negative: the printed lower limit stops at 0, with a note.
        table["text_symmetric"] = [
            format_estimate(m, max(lo, 0.0), hi) + ("*" if clipped else "")
            for m, lo, hi, clipped in zip(
                table["median"],
                table["symmetric_lower"],
                table["symmetric_upper"],
                table["symmetric_clipped"],
                strict=True,
            )
        ]
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def followup_summary(data: pd.DataFrame, endpoint: Endpoint = OS) -> pd.DataFrame:
    """Median follow-up: of survivors (observed times of the censored) and reverse Kaplan–Meier."""
    survivors = data.loc[data[endpoint.event] == 0, endpoint.time]
    reverse = median_followup(data, endpoint.time, endpoint.event)
    return pd.DataFrame(
        {
            "measure": ["median follow-up of survivors", "reverse Kaplan-Meier"],
            "months": [float(np.median(survivors)), reverse.median],
            "lower": [np.nan, reverse.lower],
            "upper": [np.nan, reverse.upper],
        }
    )


def overall_landmarks(
    data: pd.DataFrame, times: Sequence[float] = (24.0, 36.0, 60.0)
) -> pd.DataFrame:
    """PFS and OS of the whole cohort at landmark times (months), log-log 95% CI."""
    frames = []
    for endpoint in (PFS, OS):
        km = kaplan_meier(endpoint.rows(data), endpoint.time, endpoint.event)
        at = km.survival_at(list(times))
        at.insert(0, "item", [f"{endpoint.name}_{t / 12:g}y" for t in at["time"]])
        frames.append(at)
    return pd.concat(frames, ignore_index=True)
