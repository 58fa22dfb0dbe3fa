"""Relapse incidence and non-relapse mortality: the report's competing-risks section.

After ASCT a patient can relapse (or progress) or die without relapse; each
event removes the patient from the risk of the other. Transplant registries
(EBMT's statistical guidelines) therefore report both as cumulative incidence
functions (Aalen–Johansen), compare groups with Gray's test, and never as
``1 − Kaplan–Meier`` of one cause with the other censored, which treats the
patients who died as if they could still relapse and overstates both
incidences. The PFS event of :func:`sarcosurv.studies.heilig2020.endpoints`
carries the coding as ``pfs_cause`` (0 censored, 1 relapse/progression,
2 death without progression).

Examples
--------
>>> from sarcosurv import registry
>>> from sarcosurv.studies import heilig2020
>>> cohort = registry.Cohort.from_frame(heilig2020.synthetic_cohort(seed=2020))
>>> section = competing_section(heilig2020.endpoints(cohort))
>>> list(section.overall["cause"].unique())
['Relapse/progression', 'Non-relapse mortality']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...competing import cumulative_incidence, gray_test
from ...km import kaplan_meier
from ...report.format import format_estimate, format_p_value, to_markdown
from ...report.tables import Factor
from .tables import FACTORS
from .variables import level_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CAUSES", "CompetingSection", "competing_section"]

#: The codes of ``pfs_cause`` and their names in the report.
CAUSES: dict[int, str] = {1: "Relapse/progression", 2: "Non-relapse mortality"}
_TIME, _CAUSE = "pfs_time", "pfs_cause"
#: The figure's time axis: 10 years, numbers at risk every 12 months, as Figure 1.
_MONTHS = 120.0

WHY_NOT_KM = (
    "These are cumulative incidences (Aalen–Johansen), not 1 − Kaplan–Meier: a patient "
    "who died without relapse can no longer relapse, so censoring those deaths (as "
    "1 − KM does) counts them as still at risk and overstates the incidence of relapse, "
    "and likewise for non-relapse mortality. The two incidences and PFS add up to 1."
)


@dataclass(frozen=True, eq=False)
class CompetingSection:
    """Cumulative incidence of relapse/progression and NRM, overall and by factor.

    Attributes
    ----------
    overall : pandas.DataFrame
        ``cause, time, cif, lower, upper, n_risk, one_minus_km`` at each time.
    by_factor : pandas.DataFrame
        ``factor, level, n, cause, time, cif, lower, upper`` per level.
    gray : pandas.DataFrame
        ``factor, cause, statistic, df, p_value`` (Gray's test, one per factor and cause).
    counts : dict of str to int
        Patients evaluable, relapses/progressions, deaths without relapse, censored.
    times : tuple of float
        The times reported (months).
    notes : tuple of str
        Warnings raised by the estimators (e.g. a group without events).
    """

    overall: pd.DataFrame
    by_factor: pd.DataFrame
    gray: pd.DataFrame
    counts: dict[str, int]
    times: tuple[float, ...]
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The per-factor table with Gray's p-value beside each cause."""
        p_values = self.gray[["factor", "cause", "p_value"]]
        return self.by_factor.merge(p_values, on=["factor", "cause"], how="left")

    def table(self) -> pd.DataFrame:
        """The report's table: one row per factor level, incidences with CIs and Gray's p."""
        rows = self.to_frame()
        rows["value"] = _estimates(rows)
        wide = rows.pivot_table(
            index=["factor", "level", "n"],
            columns=["cause", "time"],
            values="value",
            aggfunc="first",
            sort=False,
        )
        pairs = [(str(c[0]), float(c[1])) for c in wide.columns.to_list()]
        wide.columns = [f"{cause} at {_years(time)}" for cause, time in pairs]
        for cause in CAUSES.values():  # a cause without events among a factor's rows
            for time in self.times:
                column = f"{cause} at {_years(time)}"
                if column not in wide.columns:
                    wide[column] = np.nan
        wide = wide[[f"{c} at {_years(t)}" for c in CAUSES.values() for t in self.times]]
        out = wide.fillna("no events").reset_index()
        first = ~out["factor"].duplicated()
        columns = {f.title: f.column for f in FACTORS}
        out["level"] = [
            level_label(columns.get(f, ""), str(v))
            for f, v in zip(out["factor"], out["level"], strict=True)
        ]
        for cause in CAUSES.values():
            p = self.gray.loc[self.gray["cause"] == cause].set_index("factor")["p_value"]
            shown = (
                out["factor"]
                .map(p)
                .map(lambda value: format_p_value(value) if np.isfinite(value) else "–")
            )
            out[f"p ({cause})"] = np.where(first, shown, "")
        out["factor"] = np.where(first, out["factor"], "")
        return out.rename(columns={"factor": "Factor", "level": "Level"})

    def markdown(self, figure: str | None = None) -> str:
        """The section's Markdown (``figure``: file name of the saved figure to link)."""
        c = self.counts
        overall = self.overall.assign(value=_estimates(self.overall))
        overall["1 − KM (for contrast)"] = overall["one_minus_km"].map("{:.1%}".format)
        shown = overall.rename(columns={"cause": "Cause", "value": "Cumulative incidence (95% CI)"})
        shown["Time"] = shown["time"].map(_years)
        parts = [
            "## Relapse incidence and non-relapse mortality\n",
            f"Among {c['n']} patients with known progression status: {c['relapse']} "
            f"relapses/progressions, {c['nrm']} deaths without relapse, {c['censored']} "
            "censored event-free.\n",
            WHY_NOT_KM + "\n",
            to_markdown(
                shown[["Cause", "Time", "Cumulative incidence (95% CI)", "1 − KM (for contrast)"]]
            ),
            "\nBy the Table 2 factors:\n",
            to_markdown(self.table()),
            "\nAalen–Johansen estimates with log-log 95% CIs; p: Gray's test across the "
            "levels of the factor, per cause; n: patients with the factor recorded.\n",
        ]
        if self.notes:
            parts.append("\nNotes: " + "; ".join(self.notes) + "\n")
        if figure is not None:
            parts.append(f"\n![Cumulative incidence of relapse and NRM]({figure})\n")
        return "\n".join(parts)

    def figure(self, endpoints: pd.DataFrame) -> Figure:
        """Stacked cumulative incidence of both causes with PFS on top, and the 1 − KM note."""
        fit = cumulative_incidence(_rows(endpoints), _TIME, _CAUSE)
        ax = fit.plot(
            stacked=True,
            risk_table=True,
            cause_labels=CAUSES,
            title="Relapse/progression and non-relapse mortality after first ASCT",
            xlabel="Months since first ASCT",
            ylabel="Cumulative incidence",
            xlim=(0.0, _MONTHS),
            break_time_by=12.0,
        )
        ax.text(
            0.98,
            0.02,
            "Cumulative incidence (Aalen–Johansen), not 1 − Kaplan–Meier",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=8,
        )
        figure = ax.get_figure()
        assert figure is not None
        return figure  # type: ignore[return-value]

    def save_figure(self, endpoints: pd.DataFrame, directory: str | Path, dpi: int = 110) -> Path:
        """Write the figure as ``competing_risks.png`` in ``directory``; return its path."""
        from ...report.plots import require_matplotlib

        plt = require_matplotlib()
        path = Path(directory) / "competing_risks.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        fig = self.figure(endpoints)
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
        return path

    def __repr__(self) -> str:
        c = self.counts
        return f"<CompetingSection n={c['n']} relapse={c['relapse']} nrm={c['nrm']}>"

    def _repr_html_(self) -> str:
        return str(self.table().to_html(index=False))


def _years(months: float) -> str:
    years = months / 12
    return f"{years:g} year" if years == 1 else f"{years:g} years"


def _estimates(frame: pd.DataFrame) -> list[str]:
    out = []
    for cif, lo, hi in zip(frame["cif"], frame["lower"], frame["upper"], strict=True):
        if not np.isfinite(cif):
            out.append("–")
        elif np.isfinite(lo) and np.isfinite(hi):  # as Table 2: 82.4% (77.5–86.3)
            out.append(format_estimate(float(cif), float(lo), float(hi), percent=True))
        else:
            out.append(format_estimate(float(cif), percent=True))  # no events yet: no interval
    return out


def _rows(endpoints: pd.DataFrame) -> pd.DataFrame:
    """Patients with a known progression status and a competing-risks code."""
    rows = endpoints[endpoints["pfs_evaluable"].astype(bool) & endpoints[_CAUSE].notna()]
    return rows.assign(**{_CAUSE: rows[_CAUSE].astype(int)})


def _overall(rows: pd.DataFrame, times: Sequence[float]) -> pd.DataFrame:
    at = cumulative_incidence(rows, _TIME, _CAUSE).at(list(times))
    naive = []
    for code in CAUSES:
        single = rows.assign(single=(rows[_CAUSE] == code).astype(int))
        survival = kaplan_meier(single, _TIME, "single").survival_at(list(times))
        naive.append(1.0 - survival["survival"].to_numpy(dtype=np.float64))
    at = at.sort_values(["cause", "time"], ignore_index=True)
    at["one_minus_km"] = np.concatenate(naive)
    at["cause"] = at["cause"].map(CAUSES)
    return at[["cause", "time", "cif", "lower", "upper", "n_risk", "one_minus_km"]]


def _factor(
    rows: pd.DataFrame, factor: Factor, times: Sequence[float]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Incidences per level and Gray's test of one factor (rows missing it left out)."""
    known = rows[rows[factor.column].notna()]
    fit = cumulative_incidence(known, _TIME, _CAUSE, by=factor.column)
    at = fit.at(list(times)).rename(columns={"group": "level"})
    sizes = known.groupby(factor.column, observed=True).size()
    at["n"] = at["level"].map(sizes).astype(int)
    at["cause"] = at["cause"].map(CAUSES)
    at.insert(0, "factor", factor.title)
    test = gray_test(known, _TIME, _CAUSE, by=factor.column)
    gray = pd.DataFrame(
        {
            "factor": factor.title,
            "cause": [CAUSES[int(c)] for c in test.p_value.index],
            "statistic": test.statistic.to_numpy(),
            "df": test.df.to_numpy(),
            "p_value": test.p_value.to_numpy(),
        }
    )
    return at[["factor", "level", "n", "cause", "time", "cif", "lower", "upper"]], gray


def competing_section(
    endpoints: pd.DataFrame,
    factors: Sequence[Factor] = FACTORS,
    times: Sequence[float] = (24.0, 60.0),
) -> CompetingSection:
    """Cumulative incidence of relapse/progression and NRM at ``times`` (months).

    Aalen–Johansen estimates with log-log CIs (as R ``survfit`` on
    multi-state data), overall and by each Table 2 factor, with Gray's
    k-sample test per cause; ``1 − KM`` is listed beside the overall values
    only to show how much it overstates. See the module docstring.
    """
    rows = _rows(endpoints)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        overall = _overall(rows, times)
        per_factor = [_factor(rows, factor, times) for factor in factors]
    codes = rows[_CAUSE]
    counts = {
        "n": len(rows),
        "relapse": int((codes == 1).sum()),
        "nrm": int((codes == 2).sum()),
        "censored": int((codes == 0).sum()),
    }
    return CompetingSection(
        overall=overall,
        by_factor=pd.concat([f for f, _ in per_factor], ignore_index=True),
        gray=pd.concat([g for _, g in per_factor], ignore_index=True),
        counts=counts,
        times=tuple(float(t) for t in times),
        notes=tuple(sorted({str(w.message) for w in caught})),
    )
