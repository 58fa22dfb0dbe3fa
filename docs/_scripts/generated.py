"""Tables and figures the documentation computes at build time (nothing is pasted by hand).

``docs/_scripts/hooks.py`` replaces a marker ``<!-- generated: NAME -->`` in a
page with ``markdown(NAME)`` and adds the PNGs of ``figures()`` to the site.
"""

from __future__ import annotations

import io
import sys
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd

import sarcosurv as ss
from sarcosurv.report import to_markdown
from sarcosurv.studies import heilig2020
from sarcosurv.studies.heilig2020 import Heilig2020Analysis

sys.path.insert(0, str(Path(__file__).resolve().parent))

import agreement


@cache
def endpoints() -> pd.DataFrame:
    """The synthetic Heilig 2020 cohort's endpoints, as the tutorial derives them."""
    extract = heilig2020.synthetic_cohort(seed=2020)
    return heilig2020.endpoints(ss.registry.Cohort.from_frame(extract), unit="months")


@cache
def analysis() -> Heilig2020Analysis:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return heilig2020.analyse(endpoints(), heilig2020.published())


def schema_markdown() -> str:
    """The registry schema table, straight from :func:`sarcosurv.registry.schema_table`."""
    table = ss.registry.schema_table()
    table["column"] = "`" + table["column"] + "`"
    table["required"] = table["required"].map({True: "yes", False: ""})
    table["codes"] = table["codes"].str.replace("; ", ", ")
    return to_markdown(table)


def _consort() -> str:
    extract = heilig2020.synthetic_cohort(seed=2020)
    return to_markdown(ss.registry.Cohort.from_frame(extract).consort)


def _table2() -> str:
    t2 = analysis().table2
    columns = ["factor", "level", "pfs_2y_text", "pfs_5y_text", "p_pfs_text"]
    columns += ["os_2y_text", "os_5y_text", "p_os_text"]
    shown = t2[columns].copy()
    shown.columns = ["factor", "level", "PFS 2 y", "PFS 5 y", "p", "OS 2 y", "OS 5 y", "p "]
    return to_markdown(shown)


def _table3(frailty: bool = False) -> str:
    result = analysis()
    table = result.frailty_hazard_ratios if frailty else result.hazard_ratios
    return table.to_markdown()


def _centre() -> str:
    table = analysis().centre_effect
    columns = ["endpoint", "n", "n_cluster", "theta", "lower", "upper", "kendall_tau"]
    columns += ["lrt_statistic", "lrt_p_value"]
    return to_markdown(table[columns], float_format="{:.3g}")


def _medians() -> str:
    columns = ["endpoint", "group", "text_bc", "text_symmetric"]
    shown = (
        analysis()
        .medians[columns]
        .rename(
            columns={"text_bc": "median (BC 95% CI)", "text_symmetric": "median (symmetric 95% CI)"}
        )
    )
    return to_markdown(shown)


def _comparison_summary() -> str:
    comparison = analysis().comparison
    rows = []
    for section, part in comparison.groupby("section", sort=False):
        with_ci = part["inside_ci"].notna()
        inside = part.loc[with_ci, "inside_ci"].astype(bool)
        rows.append(
            {
                "section": section,
                "numbers compared": len(part),
                "with a reproduced 95% CI": int(with_ci.sum()),
                "published inside the CI": int(inside.sum()),
            }
        )
    return to_markdown(pd.DataFrame(rows))


def _comparison_outcomes() -> str:
    comparison = analysis().comparison
    part = comparison[comparison["section"].isin(["Outcomes", "Table 3"])]
    shown = part[["section", "item", "published", "reproduced", "lower", "upper", "inside_ci"]]
    shown = shown.assign(inside_ci=shown["inside_ci"].map({True: "yes", False: "no"}))
    return to_markdown(shown, float_format="{:.3g}")


def _synthetic_hazard_ratios() -> str:
    """Published Table 3 hazard ratios beside those the synthetic cohort is generated with."""
    from sarcosurv.studies.heilig2020 import GENERATOR_HAZARD_RATIOS

    published = heilig2020.published()["table3"]["terms"]
    terms = list(dict.fromkeys([*GENERATOR_HAZARD_RATIOS["pfs"], *GENERATOR_HAZARD_RATIOS["os"]]))
    rows = []
    for term in terms:
        row: dict[str, object] = {"term": term}
        for endpoint in ("pfs", "os"):
            label = endpoint.upper()
            if term in published:
                hr, lower, upper = published[term][endpoint][:3]
                row[f"{label} published (95% CI)"] = f"{hr:.2f} ({lower:.2f}–{upper:.2f})"
            else:
                row[f"{label} published (95% CI)"] = "not in Table 3"
            generator = GENERATOR_HAZARD_RATIOS[endpoint].get(term)
            row[f"{label} generator"] = "1 (none)" if generator is None else f"{generator:.2f}"
        rows.append(row)
    return to_markdown(pd.DataFrame(rows))


MARKERS: dict[str, Callable[[], str]] = {
    "synthetic_hazard_ratios": _synthetic_hazard_ratios,
    "schema": schema_markdown,
    "tutorial_consort": _consort,
    "tutorial_table1": lambda: analysis().characteristics.to_markdown(),
    "tutorial_table2": _table2,
    "tutorial_table3": _table3,
    "tutorial_table3_frailty": lambda: _table3(frailty=True),
    "tutorial_centre": _centre,
    "tutorial_medians": _medians,
    "tutorial_comparison_summary": _comparison_summary,
    "tutorial_comparison_outcomes": _comparison_outcomes,
    **{
        f"agreement_{name}": (lambda name=name: agreement.markdown(name))
        for name in agreement.TABLES
    },
}


def markdown(name: str) -> str:
    if name not in MARKERS:
        raise KeyError(f"no generated content named {name!r}; known: {sorted(MARKERS)}")
    return MARKERS[name]()


def _png(draw: Callable[[object], None]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5))
    draw(ax)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def figures() -> dict[str, bytes]:
    """Figures of the tutorial and the Cox methods page: PNG bytes by site path."""
    data = endpoints()
    pfs = data[data["pfs_evaluable"]]

    def os_pfs(ax: object) -> None:
        both = pd.concat(
            [
                pd.DataFrame({"time": data["os_time"], "event": data["os_event"], "end": "OS"}),
                pd.DataFrame({"time": pfs["pfs_time"], "event": pfs["pfs_event"], "end": "PFS"}),
            ]
        )
        km = ss.kaplan_meier(both, "time", "event", by="end")
        km.plot(ax=ax, xlabel="Months since first ASCT", risk_times=[0, 48, 96, 144, 192, 240])

    def os_by_cr(ax: object) -> None:
        km = ss.kaplan_meier(data, "os_time", "os_event", by="remission_cr")
        km.plot(ax=ax, xlabel="Months since first ASCT", risk_times=[0, 48, 96, 144, 192, 240])

    return {
        "tutorial/figures/os_pfs.png": _png(os_pfs),
        "tutorial/figures/os_by_remission.png": _png(os_by_cr),
        "tutorial/figures/figure1.png": _figure1_png(data),
        **_cox_figures(data),
    }


def _cox_figures(data: pd.DataFrame) -> dict[str, bytes]:
    """The forest and proportional-hazards plots of the Cox methods page."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    formula = "Surv(os_time, os_event) ~ age10 + C(remission_group, contr.treatment('CR/NED'))"
    fit = ss.coxph(formula, data)
    labels = {"age10": "Age (per 10 years)", "remission_group": "Remission before ASCT"}
    out = {}
    for name, fig in (
        ("forest", fit.plot_forest(labels=labels, title="Overall survival").figure),
        ("proportional_hazards", fit.plot_proportional_hazards(labels=labels)),
    ):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90)
        plt.close(fig)
        out[f"methods/figures/{name}.png"] = buffer.getvalue()
    return out


def _figure1_png(data: pd.DataFrame) -> bytes:
    """The reproduction's Figure 1, drawn by :func:`sarcosurv.studies.heilig2020.figure1`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sarcosurv.studies.heilig2020 import figure1

    fig = figure1(data)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()
