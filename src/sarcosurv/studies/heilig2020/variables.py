"""The analysis variables of Heilig et al. (2020) from a validated cohort.

The registry layer derives the endpoints and types the covariates
(:meth:`sarcosurv.registry.Cohort.endpoints`); the paper groups them further:

* ``histology``: the Table 1 row of the subtype (angiosarcoma with haemangio- and
  lymphangiosarcoma; the rarest subtypes "Other STS");
* ``histology_group``: Table 1 rows with at most :data:`~.codes.RARE_SUBTYPE_MAX`
  cases (and "Other STS") pooled as "Other sarcoma" (Tables 2 and 3);
* ``remission_group`` (CR/NED, PR+SD, PD), ``remission_cr`` (CR, non-CR),
  ``regimen_group`` (platinum based, melphalan based, other);
* ``year_group``: eras 1996-2000, 2001-2005, 2006-2016 (other years missing);
* ``age_group``: at most or above the cohort's median age (Table 2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...registry import Cohort
from ...registry.endpoints import Unit
from . import codes

__all__ = ["ABBREVIATIONS", "LABELS", "analysis_variables", "endpoints", "level_label"]

#: The one label map of the report: every table prints a variable and a level
#: by these names (``column -> title``, ``(column, level) -> label``), so that a
#: variable reads the same in Tables 1, 2 and 3. Codes in the data stay as they
#: are (the comparison with the paper keys on them).
LABELS: dict[str | tuple[str, str], str] = {
    "age_at_asct": "Age at first ASCT, years",
    "age_group": "Age at first ASCT, years",
    "age10": "Age at first ASCT, per 10 years",
    "sex": "Sex",
    "histology": "Histology",
    "histology_group": "Histology",
    "grade": "Tumour grading",
    "remission_before": "Remission status before ASCT",
    "remission_group": "Remission status before ASCT",
    "remission_cr": "Remission status before ASCT",
    "year_group": "Year of first ASCT",
    "regimen": "Preparative regimen",
    "regimen_group": "Preparative regimen",
    "remission_after": "Remission status after last ASCT",
    ("histology", "Other STS"): "Other sarcoma",
    ("histology", "Desmoplastic small round cell tumour"): "DSRCT",
    ("remission_group", "PR+SD"): "PR or SD",
    ("remission_cr", "non-CR"): "PR, SD or PD",
    ("regimen", "PEI/CEI"): "Platinum based: PEI/CEI",
    ("regimen", "Other platinum based"): "Platinum based: other",
    ("regimen", "Other"): "Other regimen",
    ("regimen_group", "Other"): "Other regimen",
}

#: The abbreviations of the tables, for their footnote.
ABBREVIATIONS = (
    "ASCT, autologous stem cell transplantation; CR/NED, complete response/no evidence of "
    "disease; PR, partial response; SD, stable disease; PD, progressive disease; DSRCT, "
    "desmoplastic small round cell tumour; PEI/CEI, cisplatin or carboplatin, etoposide and "
    "ifosfamide."
)


def level_label(column: str, level: str) -> str:
    """The printed label of ``level`` of ``column`` (``<=`` printed as ``≤``)."""
    label = LABELS.get((column, level), level)
    return label.replace("<=", "\u2264")


#: Where each paper variable sits in the endpoint table: after this covariate.
_AFTER: dict[str, tuple[str, ...]] = {
    "age10": ("age_group",),
    "histology": ("histology_group",),
    "remission_before": ("remission_group", "remission_cr"),
    "regimen": ("regimen_group",),
    "year_first_asct": ("year_group",),
}


def _category(values: pd.Series, categories: tuple[str, ...]) -> pd.Series:
    return pd.Series(
        pd.Categorical(values.where(values.isin(categories)), categories=categories),
        index=values.index,
    )


def _histology(data: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    table1 = data["histology"].map(codes.HISTOLOGY_TABLE1)
    counts = table1.value_counts()
    keep = {h for h, n in counts.items() if n > codes.RARE_SUBTYPE_MAX and h != "Other STS"}
    group = table1.where(table1.isin(keep), "Other sarcoma")
    order = tuple(h for h in codes.HISTOLOGY_GROUPS if h in set(group)) + tuple(
        sorted(set(group) - set(codes.HISTOLOGY_GROUPS))
    )
    return table1, pd.Series(pd.Categorical(group, categories=order), index=data.index)


def _age_group(age: pd.Series) -> pd.Series:
    median = float(np.median(age)) if len(age) else float("nan")
    labels = (f"<={median:.1f}", f">{median:.1f}")
    return pd.Series(
        pd.Categorical(np.where(age <= median, *labels), categories=labels), index=age.index
    )


def analysis_variables(data: pd.DataFrame) -> pd.DataFrame:
    """The paper's grouped variables of typed cohort data (``Cohort.data``), same index.

    Pass it as ``Cohort.endpoints(variables=analysis_variables)``, or use
    :func:`endpoints`, which also puts the columns in the paper's order.

    Examples
    --------
    >>> from sarcosurv import registry
    >>> from sarcosurv.studies import heilig2020
    >>> cohort = registry.Cohort.from_frame(heilig2020.synthetic_cohort(seed=1))
    >>> heilig2020.analysis_variables(cohort.data)["remission_cr"].value_counts().to_dict()
    {'non-CR': 219, 'CR': 55}
    """
    out = pd.DataFrame(index=data.index)
    out["age_group"] = _age_group(data["age_at_asct"].astype(float))
    out["histology"], out["histology_group"] = _histology(data)
    remission = data["remission_before_asct"]
    out["remission_group"] = _category(
        remission.map(codes.REMISSION_GROUP), ("CR/NED", "PR+SD", "PD")
    )
    out["remission_cr"] = _category(remission.map(codes.REMISSION_CR), ("CR", "non-CR"))
    out["regimen_group"] = _category(
        data["preparative_regimen"].map(codes.REGIMEN_GROUP),
        ("Platinum based", "Melphalan based", "Other"),
    )
    years = pd.cut(
        data["date_first_asct"].dt.year, bins=list(codes.YEAR_BINS), labels=list(codes.YEAR_GROUPS)
    )
    out["year_group"] = pd.Series(
        pd.Categorical(years, categories=codes.YEAR_GROUPS), index=data.index
    )
    return out


def endpoints(cohort: Cohort, unit: Unit = "months") -> pd.DataFrame:
    """OS, PFS, the typed covariates and the paper's variables, in the paper's column order.

    Examples
    --------
    >>> from sarcosurv import registry
    >>> from sarcosurv.studies import heilig2020
    >>> cohort = registry.Cohort.from_frame(heilig2020.synthetic_cohort(seed=2020))
    >>> data = heilig2020.endpoints(cohort)
    >>> int(data["pfs_evaluable"].sum()), list(data["histology_group"].cat.categories)[:2]
    (301, ['Leiomyosarcoma', 'Liposarcoma'])
    """
    table = cohort.endpoints(unit, variables=analysis_variables)
    added = {name for names in _AFTER.values() for name in names}
    order: list[str] = []
    for column in table.columns:
        if column in added:
            continue
        order += [column, *_AFTER.get(column, ())]
    return table[order]
