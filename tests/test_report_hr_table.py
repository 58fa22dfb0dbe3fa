"""hr_table: reference rows, readable labels, n and events per level, every export format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv.report import HRTable, hr_table

DATA = Path(__file__).parent / "data"

#: Pieces of formulaic's column names that must never reach a printed table.
INTERNALS = ("C(", "contr.", "[T.", "treatment(")


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    data = pd.read_csv(DATA / "lung.csv")
    data.columns = [c.replace(".", "_") for c in data.columns]
    data["sex_f"] = data["sex"].map({1: "Male", 2: "Female"})
    data["ecog"] = data["ph_ecog"].map({0: "0", 1: "1", 2: "2", 3: "3"})
    data["dead"] = (data["status"] == 2).astype(int)
    return data


@pytest.fixture(scope="module")
def fit(lung: pd.DataFrame) -> ss.CoxResult:
    formula = "Surv(time, dead) ~ age + C(sex_f, contr.treatment('Male')) + ecog"
    return ss.coxph(formula, lung)


def _printed_text(table: HRTable) -> str:
    return table.summary().to_string() + table.to_markdown() + table.to_latex() + table.to_html()


def test_rows_reference_levels_and_counts(fit: ss.CoxResult, lung: pd.DataFrame) -> None:
    table = hr_table(fit, labels={"sex_f": "Sex", "ecog": "ECOG", "age": "Age, years"})
    printed = table.summary()
    assert list(printed.columns) == ["Variable", "Level", "n", "Events", "HR (95% CI)", "p"]
    assert printed["Variable"].tolist() == ["Age, years", "Sex", "", "", "ECOG", "", "", "", ""]
    assert printed["Level"].tolist() == ["", "", "Male", "Female", "", "0", "1", "2", "3"]
    reference = printed[printed["HR (95% CI)"] == "1.00 (reference)"]
    assert reference["Level"].tolist() == ["Male", "0"]
    # n and events per level among the rows the model used (complete cases).
    used = lung.dropna(subset=["age", "sex_f", "ecog"])
    counts = used.groupby("ecog")["dead"].agg(["size", "sum"])
    ecog = printed.iloc[5:9]
    assert ecog["n"].astype(int).tolist() == counts["size"].tolist()
    assert ecog["Events"].astype(int).tolist() == counts["sum"].tolist()
    assert printed.loc[0, "n"] == str(fit.n)
    assert printed.loc[0, "Events"] == str(fit.n_event)


def test_numbers_are_the_fits(fit: ss.CoxResult) -> None:
    rows = hr_table(fit).to_frame()
    female = rows[(rows["variable"] == "sex_f") & (rows["level"] == "Female")].iloc[0]
    expected = fit.hazard_ratios.loc["C(sex_f, contr.treatment('Male'))[T.Female]"]
    assert female["hazard_ratio"] == expected["hazard_ratio"]
    assert female["lower"] == expected["lower"]
    assert female["p_value"] == expected["p_value"]
    reference = rows[rows["row_type"] == "reference"]
    assert reference["hazard_ratio"].isna().all()


def test_joint_wald_p_on_the_variable_row(fit: ss.CoxResult) -> None:
    rows = hr_table(fit).to_frame()
    header = rows[(rows["variable"] == "ecog") & (rows["row_type"] == "header")].iloc[0]
    names = [c for c in fit.params.index if c.startswith("ecog")]
    beta = fit.params[names].to_numpy()
    statistic = beta @ np.linalg.solve(fit.vcov.loc[names, names].to_numpy(), beta)
    from scipy import stats

    assert header["p_value"] == pytest.approx(stats.chi2.sf(statistic, 3), rel=1e-10)
    # One coefficient: its own p, no joint test repeated on the variable row.
    sex = rows[(rows["variable"] == "sex_f") & (rows["row_type"] == "header")].iloc[0]
    assert np.isnan(sex["p_value"])


def test_no_formulaic_internals_in_any_format(fit: ss.CoxResult) -> None:
    text = _printed_text(hr_table(fit))
    for piece in INTERNALS:
        assert piece not in text


def test_transformed_and_interaction_terms(lung: pd.DataFrame) -> None:
    fit = ss.coxph("Surv(time, dead) ~ np.log(meal_cal) + age:sex_f", lung)
    printed = hr_table(fit, labels={"np.log(meal_cal)": "Calories (log)"}).summary()
    assert printed.loc[0, "Variable"] == "Calories (log)"
    assert "age:sex_f" in printed["Variable"].tolist()


def test_numeric_codes_as_categories(lung: pd.DataFrame) -> None:
    fit = ss.coxph("Surv(time, dead) ~ C(ph_ecog)", lung)
    printed = hr_table(fit, labels={("ph_ecog", "3"): "3 (bedridden > 50%)"}).summary()
    assert printed["Level"].tolist() == ["", "0", "1", "2", "3 (bedridden > 50%)"]
    assert printed.loc[1, "HR (95% CI)"] == "1.00 (reference)"


def test_several_models_side_by_side(lung: pd.DataFrame, fit: ss.CoxResult) -> None:
    other = ss.coxph("Surv(time, dead) ~ age + sex_f", lung)
    printed = hr_table({"Model 1": fit, "Model 2": other}).summary()
    assert "Model 1 HR (95% CI)" in printed.columns
    assert "Model 2 events" in printed.columns
    sex = printed[printed["Level"].isin(["Male", "Female"])]
    # sex_f of Model 2 uses Female as reference: one line per level, both models on it.
    assert len(sex) == 2
    assert set(sex["Model 2 HR (95% CI)"]) >= {"1.00 (reference)"}
    ecog = printed[printed["Level"] == "2"].iloc[0]
    assert ecog["Model 2 HR (95% CI)"] == ""  # not a variable of model 2


def test_frailty_fit(lung: pd.DataFrame) -> None:
    data = lung.dropna(subset=["inst"])
    fit = ss.coxph("Surv(time, dead) ~ age + sex_f", data, frailty="inst")
    printed = hr_table(fit).summary()
    assert "1.00 (reference)" in printed["HR (95% CI)"].tolist()
    n = printed[printed["Level"] != ""]["n"].astype(int).sum()
    assert n == fit.n


def test_fine_gray_fit() -> None:
    data = pd.read_csv(DATA / "mgus2_cr.csv")
    fit = ss.finegray("Surv(etime, event) ~ age + sex", data, cause=1)
    table = hr_table(fit, labels={"sex": "Sex", ("sex", "M"): "Male", ("sex", "F"): "Female"})
    printed = table.summary()
    assert "sHR (95% CI)" in printed.columns
    assert printed["Level"].tolist()[1:] == ["", "Female", "Male"]
    events = printed.loc[printed["Level"] != "", "Events"].astype(int)
    assert events.sum() == fit.n_event  # events of the modelled cause only
    assert "subdistribution" in table.notes[0]


def test_exports(fit: ss.CoxResult, tmp_path: Path) -> None:
    table = hr_table(fit, labels={"sex_f": "Sex & gender", ("sex_f", "Female"): "Female_1"})
    latex = table.to_latex()
    assert r"Sex \& gender" in latex
    assert r"Female\_1" in latex
    assert latex.startswith("\\begin{tabular}")
    assert "Sex &amp; gender" in table.to_html()
    assert table._repr_html_() == table.to_html()
    assert table.to_markdown().startswith("| Variable | Level |")
    assert len(repr(table)) < 80
    docx = pytest.importorskip("docx")
    path = table.to_docx(tmp_path / "table.docx", title="Table 3")
    document = docx.Document(str(path))
    grid = document.tables[0]
    assert grid.cell(0, 4).text == "HR (95% CI)"
    assert [grid.cell(i, 4).text for i in range(len(grid.rows))].count("1.00 (reference)") == 2
    assert any("Wald" in p.text for p in document.paragraphs)


def test_empty_mapping_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        hr_table({})


def test_against_r(fit: ss.CoxResult) -> None:
    """Counts, hazard ratios, CIs, p-values and the joint Wald test as R computes them."""
    import json

    ref = json.loads((Path(__file__).parent / "reference" / "hr_table_reference.json").read_text())
    rows = hr_table(fit).to_frame()
    estimated = rows[rows["row_type"].isin(["numeric", "level"])]
    assert estimated["level"].tolist() == ["", "Female", "1", "2", "3"]
    for column in ("hazard_ratio", "lower", "upper", "p_value"):
        np.testing.assert_allclose(estimated[column], ref[column], rtol=1e-6)
    for variable, key in (("sex_f", "sex"), ("ecog", "ecog")):
        levels = rows[(rows["variable"] == variable) & (rows["row_type"] != "header")]
        assert levels["level"].tolist() == ref[key]["level"]
        assert levels["n"].astype(int).tolist() == ref[key]["n"]
        assert levels["n_event"].astype(int).tolist() == ref[key]["events"]
    joint = rows[(rows["variable"] == "ecog") & (rows["row_type"] == "header")]["p_value"].iloc[0]
    assert joint == pytest.approx(ref["ecog_wald"]["p_value"], rel=1e-6)
    assert rows.loc[0, "n"] == ref["n"]
    assert rows.loc[0, "n_event"] == ref["n_event"]
