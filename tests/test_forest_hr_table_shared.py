"""The forest plot and the hazard-ratio table list the same lines of a model.

Both read the model's variables from one helper
(:func:`sarcosurv.report._blocks.variable_blocks`): the same variables in the
same order, the same reference level, the same levels and estimates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from reference_inputs import DATA_DIR
from sarcosurv.report.forest import forest_rows


def lung() -> pd.DataFrame:
    data = pd.read_csv(DATA_DIR / "lung.csv")
    data["status"] = data["status"] - 1
    data["sex_f"] = data["sex"].map({1: "Male", 2: "Female"})
    data["ecog"] = data["ph.ecog"]  # numeric codes: levels print as 0, 1, 2, 3
    return data


FORMULAS = [
    "Surv(time, status) ~ age + C(sex_f, contr.treatment('Male')) + C(ecog)",
    "Surv(time, status) ~ np.log(age) + C(ecog, contr.treatment(1)) + sex_f",
    "Surv(time, status) ~ age * sex_f",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_forest_rows_are_the_hr_table_lines(formula: str) -> None:
    fit = ss.coxph(formula, lung())
    table = ss.report.hr_table(fit).to_frame()
    forest = forest_rows(fit)
    # Header rows of numeric variables are their single estimate in the forest plot.
    lines = table[table["row_type"] != "header"]
    forest_lines = forest[forest["kind"] != "header"]
    assert forest_lines["variable"].tolist() == lines["variable"].tolist()
    kinds = forest_lines["kind"].map({"reference": "reference", "estimate": "estimate"})
    assert (kinds == "reference").tolist() == (lines["row_type"] == "reference").tolist()
    estimates = lines[lines["row_type"] != "reference"]
    assert forest_lines.loc[kinds == "estimate", "coefficient"].tolist() == (
        estimates["coefficient"].tolist()
    )
    np.testing.assert_array_equal(
        forest_lines.loc[kinds == "estimate", "hazard_ratio"].to_numpy(),
        estimates["hazard_ratio"].to_numpy(),
    )
    categorical = lines[lines["row_type"].isin(["reference", "level"])]
    shown = forest_lines[forest_lines["variable"].isin(set(categorical["variable"]))]
    assert shown["label"].tolist() == categorical["level"].tolist()


def test_numeric_levels_print_without_a_decimal_point() -> None:
    fit = ss.coxph(FORMULAS[1], lung())
    rows = forest_rows(fit)
    ecog = rows[rows["variable"] == "ecog"]
    assert ecog["kind"].tolist() == ["header", "reference", "estimate", "estimate", "estimate"]
    assert ecog["label"].tolist()[1:] == ["1", "0", "2", "3"]
