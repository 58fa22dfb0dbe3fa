"""The variables of a fitted model's formula: design columns, levels and reference level.

Shared by the hazard-ratio table (:mod:`sarcosurv.report.hr_table`) and the
forest plot (:mod:`sarcosurv.report.forest`), so both list the same lines.
Read from formulaic's model specification (terms, factors, contrasts), never by
parsing design column names. This module imports no model module at run time,
so the plotting modules that the models call can use it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from ..cox.formula import Design

__all__ = ["REFERENCE_TEXT", "VariableBlock", "variable_blocks"]

#: Printed in place of a hazard ratio on a reference row.
REFERENCE_TEXT = "1.00 (reference)"


@dataclass(frozen=True)
class VariableBlock:
    """One variable of the model: its design columns and, if categorical, its levels.

    ``kind`` is ``"categorical"`` (treatment contrasts: ``levels`` holds the
    level of each design column, ``reference`` the level without one),
    ``"numeric"`` (one column) or ``"other"`` (interactions, splines, other
    contrasts: ``levels`` repeats the column names). Shared by the
    hazard-ratio table and the forest plot, so both print the same rows.
    """

    variable: str
    kind: Literal["categorical", "numeric", "other"]
    columns: tuple[str, ...]
    levels: tuple[str, ...] = ()  # one per column (categorical)
    reference: str | None = None


def _level_text(level: object) -> str:
    """A level as printed: whole numbers without a decimal point (ECOG 1.0 prints 1)."""
    if isinstance(level, float | np.floating) and float(level).is_integer():
        return str(int(level))
    return str(level)


def _value_variable(spec: Any, term: Any, expr: str) -> str:
    values = [str(v) for v in spec.term_variables[term] if "value" in {r.value for r in v.roles}]
    return values[0] if len(values) == 1 and expr == values[0] else expr


def _categorical_block(
    spec: Any, term: Any, factor: Any, columns: list[str]
) -> VariableBlock | None:
    state = spec.factor_contrasts.get(factor)
    if state is None or type(state.contrasts).__name__ != "TreatmentContrasts":
        return None
    levels = [_level_text(level) for level in state.levels]
    base = state.contrasts.base
    reference = _level_text(base) if base in state.levels else levels[0]
    codings = state.contrasts.get_coding_column_names(state.levels, reduced_rank=True)
    template = state.contrasts.get_factor_format(state.levels, reduced_rank=True)
    names = [template.format(name=factor.expr, field=coding) for coding in codings]
    non_reference = [level for level in levels if level != reference]
    if len(names) != len(non_reference) or set(names) != set(columns):
        return None
    by_column = dict(zip(names, non_reference, strict=True))
    values = [str(v) for v in spec.term_variables[term] if "value" in {r.value for r in v.roles}]
    variable = values[0] if len(values) == 1 else str(factor.expr)
    return VariableBlock(
        variable,
        "categorical",
        tuple(columns),
        tuple(by_column[c] for c in columns),
        reference,
    )


def variable_blocks(design: Design) -> list[VariableBlock]:
    """The model's variables in formula order, from formulaic's model spec.

    Read from the spec's terms, factors and contrasts, never by parsing the
    design's column names.
    """
    spec: Any = design.model_spec
    blocks = []
    for term in spec.terms:
        label = str(term)
        if label == "1" or label not in design.term_columns:
            continue
        columns = [design.column_names[i] for i in design.term_columns[label]]
        factors = list(spec.term_factors[term])
        kind = spec.encoder_state.get(str(factors[0].expr), (None,))[0] if factors else None
        block = None
        if len(factors) == 1 and kind is not None and kind.value == "categorical":
            block = _categorical_block(spec, term, factors[0], columns)
        elif len(factors) == 1 and len(columns) == 1:
            block = VariableBlock(
                _value_variable(spec, term, str(factors[0].expr)), "numeric", (columns[0],)
            )
        blocks.append(block or VariableBlock(label, "other", tuple(columns), tuple(columns)))
    return blocks
