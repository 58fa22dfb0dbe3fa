"""The hazard-ratio table of a regression model, as a journal prints it.

:func:`hr_table` turns a fitted Cox model (:func:`sarcosurv.coxph`, with or
without a frailty) or a Fine–Gray model (:func:`sarcosurv.finegray`) into the
table of a paper: one header row per variable, a reference row
``1.00 (reference)`` for each categorical variable, readable level labels, the
number of patients and events per level, the hazard ratio with its confidence
interval and the p-value.

Variables and levels are read from formulaic's model specification of the fit
(its terms, their factors and the contrasts' levels and reference), never by
parsing column names such as ``C(sex, contr.treatment('Male'))[T.Female]``:
a level label containing brackets or quotes cannot confuse it.

Export: Markdown (:func:`~sarcosurv.report.format.to_markdown`), LaTeX through
pandas' ``Styler.to_latex`` (pandas escapes the special characters; no escaping
is written here, so a label such as ``PR+SD & 50%`` cannot break a document),
HTML through ``DataFrame.to_html`` (escaped) and Word through python-docx
(:func:`~sarcosurv.report.word.to_docx`, native editable Word tables). These
writers were chosen over great_tables because they need no dependency beyond
pandas (Jinja2 for LaTeX, python-docx for Word) and cover the four formats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..competing.finegray import FineGrayResult
from ..cox import CoxResult
from ..cox.formula import Design
from ._blocks import REFERENCE_TEXT, VariableBlock, variable_blocks
from ._export import TableExport
from .format import format_hazard_ratio, format_p_value

__all__ = ["REFERENCE_TEXT", "HRTable", "VariableBlock", "hr_table", "variable_blocks"]

Fit = CoxResult | FineGrayResult
Labels = Mapping[str | tuple[str, str], str]
RowType = Literal["header", "reference", "level", "numeric", "term"]


def _events(fit: Fit) -> npt.NDArray[np.bool_]:
    if isinstance(fit, FineGrayResult):
        if fit.cause_event is None:
            return np.zeros(fit.n, dtype=np.bool_)
        return fit.cause_event
    return fit.fit.design.event


def _design(fit: Fit) -> Design:
    return fit.design if isinstance(fit, FineGrayResult) else fit.fit.design


def _wald_p(fit: Fit, columns: Sequence[str]) -> float:
    """Joint Wald test that every coefficient of ``columns`` is zero."""
    present = [c for c in columns if c in fit.params.index]
    if not present:
        return float("nan")
    beta = fit.params[present].to_numpy(dtype=np.float64)
    vcov = fit.vcov.loc[present, present].to_numpy(dtype=np.float64)
    statistic = float(beta @ np.linalg.pinv(vcov) @ beta)
    return float(stats.chi2.sf(statistic, len(present)))


def _row(variable: str, level: str, row_type: RowType, **values: Any) -> dict[str, Any]:
    base = {"variable": variable, "level": level, "row_type": row_type, "coefficient": ""}
    empty = dict.fromkeys(
        ("n", "n_event", "hazard_ratio", "lower", "upper", "p_value"), float("nan")
    )
    return base | empty | values


def _estimate(hr: pd.DataFrame, column: str) -> dict[str, float]:
    if column not in hr.index:
        return {}
    keys = ["hazard_ratio", "lower", "upper", "p_value"]
    values = hr.loc[[column], keys].to_numpy(dtype=np.float64)[0]
    return {k: float(v) for k, v in zip(keys, values, strict=True)}


def _block_rows(fit: Fit, block: VariableBlock, hr: pd.DataFrame) -> list[dict[str, Any]]:
    design = _design(fit)
    x = design.covariates
    names = design.column_names
    event = _events(fit)
    if block.kind == "numeric":
        column = block.columns[0]
        counts = {"n": len(event), "n_event": int(event.sum())}
        return [
            _row(
                block.variable,
                "",
                "numeric",
                coefficient=column,
                **counts,
                **_estimate(hr, column),
            )
        ]
    joint = _wald_p(fit, block.columns) if len(block.columns) > 1 else float("nan")
    rows = [_row(block.variable, "", "header", p_value=joint)]
    block_x = x[:, [names.index(c) for c in block.columns]]
    if block.kind == "categorical":
        is_reference = ~(block_x != 0).any(axis=1)
        counts = {"n": int(is_reference.sum()), "n_event": int(event[is_reference].sum())}
        rows.append(_row(block.variable, str(block.reference), "reference", **counts))
    for j, (column, level) in enumerate(zip(block.columns, block.levels, strict=True)):
        at_level = block_x[:, j] == 1
        counts = {}
        if block.kind == "categorical":
            counts = {"n": int(at_level.sum()), "n_event": int(event[at_level].sum())}
        row_type: RowType = "level" if block.kind == "categorical" else "term"
        estimate = _estimate(hr, column)
        rows.append(_row(block.variable, level, row_type, coefficient=column, **counts, **estimate))
    return rows


def _model_frame(fit: Fit) -> pd.DataFrame:
    hr = fit.hazard_ratios
    rows = [row for block in variable_blocks(_design(fit)) for row in _block_rows(fit, block, hr)]
    return pd.DataFrame(rows)


def _effect(fits: Mapping[str, Fit]) -> str:
    kinds = {isinstance(f, FineGrayResult) for f in fits.values()}
    return "sHR" if kinds == {True} else "HR"


@dataclass(frozen=True, eq=False)
class HRTable(TableExport):
    """A hazard-ratio table of one or more models (see :func:`hr_table`).

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per printed line and model: ``model, variable, level, row_type``
        (``header``, ``reference``, ``level``, ``numeric``, ``term``),
        ``coefficient`` (the model's name of the estimate's design column, ``""``
        on header and reference rows), ``n``, ``n_event``, ``hazard_ratio``,
        ``lower``, ``upper``, ``p_value``.
    models : tuple of str
        The model names, in column order (``""`` for a single unnamed fit).
    labels : dict
        Printed names: variable -> label and (variable, level) -> label.
    effect : str
        ``HR`` (Cox) or ``sHR`` (Fine–Gray subdistribution hazard ratio).
    conf_level : float
    notes : tuple of str
        Footnotes printed under the table.
    """

    rows: pd.DataFrame
    models: tuple[str, ...]
    labels: dict[str | tuple[str, str], str]
    effect: str
    conf_level: float
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The numbers, one row per model and printed line (a copy of ``rows``)."""
        return self.rows.copy()

    def summary(self) -> pd.DataFrame:
        """The printed table: text cells, one column block per model."""
        return _display(self)

    def __repr__(self) -> str:
        n_variables = self.rows.loc[self.rows["level"] == "", "variable"].nunique()
        models = ", ".join(m for m in self.models if m) or "1 model"
        return f"<HRTable {self.effect} {models}: {n_variables} variables>"


def _label(labels: Mapping[Any, str], variable: str, level: str) -> tuple[str, str]:
    if not level:
        return labels.get(variable, variable), ""
    return labels.get(variable, variable), labels.get((variable, level), level)


def _cells(rows: pd.DataFrame) -> pd.DataFrame:
    """n, events, HR (CI) and p as text for one model's rows."""

    def count(value: float) -> str:
        return "" if np.isnan(value) else f"{int(value)}"

    hr_text = []
    estimates = rows[["hazard_ratio", "lower", "upper"]].to_numpy(dtype=np.float64)
    for row_type, (hazard_ratio, lower, upper) in zip(rows["row_type"], estimates, strict=True):
        if row_type == "reference":
            hr_text.append(REFERENCE_TEXT)
        elif row_type == "header":
            hr_text.append("")
        elif np.isnan(hazard_ratio):
            hr_text.append("not estimable")
        else:
            hr_text.append(format_hazard_ratio(hazard_ratio, lower, upper))
    return pd.DataFrame(
        {
            "n": rows["n"].map(count).to_numpy(),
            "Events": rows["n_event"].map(count).to_numpy(),
            "HR": hr_text,
            "p": rows["p_value"].map(format_p_value).to_numpy(),
        }
    )


def _display(table: HRTable) -> pd.DataFrame:
    keys = ["variable", "level"]
    lines = table.rows[keys].drop_duplicates()
    # Several models: keep each variable's lines together, in order of first appearance.
    first = {v: i for i, v in reversed(list(enumerate(lines["variable"])))}
    order = np.argsort(lines["variable"].map(first).to_numpy(), kind="stable")
    lines = lines.iloc[order].reset_index(drop=True)
    pairs = zip(lines["variable"], lines["level"], strict=True)
    printed = [_label(table.labels, v, lev) for v, lev in pairs]
    header = lines["level"] == ""
    out = pd.DataFrame(
        {
            "Variable": [p[0] if h else "" for p, h in zip(printed, header, strict=True)],
            "Level": [p[1] for p in printed],
        }
    )
    interval = f"{table.effect} ({table.conf_level:.0%} CI)"
    for model in table.models:
        rows = lines.merge(table.rows[table.rows["model"] == model], on=keys, how="left")
        cells = _cells(rows)
        cells[rows["model"].isna().to_numpy()] = ""  # not a variable of this model
        prefix = f"{model} " if model else ""
        names = {"n": "n", "Events": "events" if model else "Events", "HR": interval, "p": "p"}
        for key, name in names.items():
            out[f"{prefix}{name}"] = cells[key].to_numpy()
    return out


def hr_table(
    fit: Fit | Mapping[str, Fit],
    labels: Labels | None = None,
) -> HRTable:
    """The hazard-ratio table of a fitted model, with reference rows and readable labels.

    Each variable of the formula prints as a header row; a categorical variable
    (treatment contrasts, the default) gets a reference row ``1.00 (reference)``
    and one row per other level, each with its number of patients and events
    among the rows the model used. A numeric variable is one row with the hazard
    ratio per unit. Other terms (interactions, splines) print one row per design
    column under the term. The p of a level is the Wald test of its
    coefficient; the p on a categorical variable's own row is the joint Wald test
    of all its levels (printed when it has more than one).

    Parameters
    ----------
    fit : CoxResult, FineGrayResult, or mapping of name to either
        One model, or several (e.g. ``{"PFS": fit_pfs, "OS": fit_os}``) printed
        side by side, each with its own n, events, hazard ratio and p.
    labels : mapping, optional
        Printed names: a variable's name (the data column, e.g. ``"sex"``, or
        the term, e.g. ``"np.log(meal_cal)"``) maps to its label, and a
        ``(variable, level)`` pair maps to a level's label.

    Returns
    -------
    HRTable
        ``to_frame()`` (numbers), ``summary()`` (printed cells),
        ``to_markdown()``, ``to_latex()``, ``to_html()``, ``to_docx(path)``.

    Notes
    -----
    The hazard ratio is :math:`\\exp(\\hat\\beta)` with the Wald interval
    :math:`\\exp(\\hat\\beta \\pm z_{1-\\alpha/2}\\,\\mathrm{SE})`; the joint test of a
    variable with :math:`k` coefficients is
    :math:`\\hat\\beta^\\top V^{-1} \\hat\\beta \\sim \\chi^2_k` (Therneau & Grambsch,
    *Modeling Survival Data*, 2000, §3.4).

    Examples
    --------
    >>> import pandas as pd, sarcosurv as ss
    >>> data = pd.DataFrame({
    ...     "time": [5, 8, 12, 3, 9, 15, 7, 11, 4, 6], "event": [1, 0, 1, 1, 1, 0, 1, 0, 1, 1],
    ...     "sex": ["M", "F", "F", "M", "F", "M", "F", "M", "M", "F"],
    ...     "age": [61, 54, 70, 66, 49, 58, 73, 51, 64, 60]})
    >>> fit = ss.coxph("Surv(time, event) ~ age + C(sex, contr.treatment('M'))", data)
    >>> table = ss.report.hr_table(fit, labels={"sex": "Sex", ("sex", "F"): "Female"})
    >>> printed = table.summary()[["Variable", "Level", "n", "HR (95% CI)"]]
    >>> printed.iloc[1:4].to_numpy().tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['Sex', '', '', ''], ['', 'M', '5', '1.00 (reference)'],
     ['', 'Female', '5', '0.56 (0.08–3.77)']]
    """
    fits: dict[str, Fit] = {"": fit} if isinstance(fit, CoxResult | FineGrayResult) else dict(fit)
    if not fits:
        raise ValueError("hr_table needs at least one fitted model")
    frames = [_model_frame(f).assign(model=name) for name, f in fits.items()]
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[["model", *[c for c in rows.columns if c != "model"]]]
    levels = {round(f.conf_level, 6) for f in fits.values()}
    conf_level = next(iter(levels))
    what = "subdistribution hazard ratio (Fine–Gray)" if _effect(fits) == "sHR" else "hazard ratio"
    notes = [
        f"{_effect(fits)}: {what} with Wald {conf_level:.0%} CI; n and events among "
        "the patients each model used (complete cases).",
    ]
    if rows.loc[rows["row_type"] == "header", "p_value"].notna().any():
        notes.append("p on a variable's own row: joint Wald test of all its levels.")
    return HRTable(rows, tuple(fits), dict(labels or {}), _effect(fits), conf_level, tuple(notes))
