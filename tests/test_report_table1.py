"""Table 1 of any DataFrame: hand-made cohorts and R's lung data (tests/data/lung.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sarcosurv as ss
from sarcosurv.errors import ColumnNotFoundError
from sarcosurv.report import Characteristic, table1

LUNG = Path(__file__).parent / "data" / "lung.csv"


def cohort() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age_at_asct": [20.0, 30.0, 40.0, 50.0],
            "grade": pd.Categorical(
                ["Grade 1", "Grade 3", None, "Grade 3"],
                categories=["Grade 1", "Grade 2", "Grade 3"],
            ),
        }
    )


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    data = pd.read_csv(LUNG)
    data["sex"] = data["sex"].map({1: "Male", 2: "Female"})
    data["ecog"] = data["ph.ecog"].map({0: "0", 1: "1", 2: "2", 3: "3"})
    return data


def test_percent_of_known_and_missing_row() -> None:
    spec = [Characteristic("grade", "Tumour grading")]
    table = table1(cohort(), spec).to_frame().set_index("level")
    assert table.loc["Grade 3", "n"] == 2
    assert table.loc["Grade 3", "percent"] == pytest.approx(200 / 3)
    assert "Grade 2" not in table.index  # categories never observed are not listed
    assert table.loc["Missing", "n"] == 1
    assert np.isnan(table.loc["Missing", "percent"])
    assert table.loc["Grade 3", "value"] == "2 (66.7%)"


def test_median_iqr_range_is_labelled() -> None:
    table = table1(cohort(), ["age_at_asct"], nonnormal=["age_at_asct"]).summary()
    assert table["Level"].tolist() == ["", "median (IQR) [range]"]
    assert table["Overall (n = 4)"].iloc[1] == "35.0 (27.5–42.5) [20.0–50.0]"


def test_mean_sd_by_default() -> None:
    table = table1(cohort(), ["age_at_asct"]).summary()
    assert table["Level"].iloc[1] == "mean (SD)"
    assert table["Overall (n = 4)"].iloc[1] == "35.0 (12.9)"


def test_unknown_column_is_named() -> None:
    with pytest.raises(ColumnNotFoundError, match="'stage'"):
        table1(cohort(), [Characteristic("stage", "Stage")])


def test_lung_overall_counts_and_missing(lung: pd.DataFrame) -> None:
    result = ss.report.table1(lung, ["age", "sex", "ecog", "wt.loss"], nonnormal=["wt.loss"])
    rows = result.to_frame().set_index(["characteristic", "level"])
    assert rows.loc[("sex", "Male"), "n"] == 138
    assert rows.loc[("sex", "Male"), "value"] == "138 (60.5%)"
    # ph.ecog: one missing of 228; percentages of the 227 known.
    assert rows.loc[("ecog", "Missing"), "n"] == 1
    assert rows.loc[("ecog", "1"), "percent"] == pytest.approx(100 * 113 / 227)
    assert rows.loc[("wt.loss", "Missing"), "n"] == 14
    known = lung["wt.loss"].dropna()
    assert rows.loc[("wt.loss", "median (IQR) [range]"), "median"] == known.median()
    assert ("sex", "Missing") not in rows.index  # no missing row without missing values


def test_lung_by_sex_with_tests(lung: pd.DataFrame) -> None:
    result = ss.report.table1(
        lung,
        ["age", "ecog", "wt.loss"],
        by="sex",
        labels={"age": "Age, years", "ecog": "ECOG performance status"},
        nonnormal=["wt.loss"],
        p_values=True,
    )
    printed = result.summary()
    assert list(printed.columns) == [
        "Characteristic",
        "Level",
        "Overall (n = 228)",
        "Female (n = 90)",
        "Male (n = 138)",
        "p",
        "Test",
    ]
    tests = result.tests.set_index("characteristic")
    female = lung.loc[lung["sex"] == "Female", "age"]
    male = lung.loc[lung["sex"] == "Male", "age"]
    assert tests.loc["Age, years", "p_value"] == pytest.approx(
        stats.ttest_ind(female, male).pvalue, rel=1e-10
    )
    assert tests.loc["Age, years", "test"] == "t-test"
    assert tests.loc["wt.loss", "test"] == "Wilcoxon rank-sum"
    ecog = lung.dropna(subset=["ecog"])
    chi2 = stats.chi2_contingency(pd.crosstab(ecog["ecog"], ecog["sex"]), correction=False)
    assert tests.loc["ECOG performance status", "p_value"] == pytest.approx(chi2.pvalue)
    header = printed[printed["Characteristic"] == "Age, years"].iloc[0]
    assert header["Test"] == "t-test"
    assert header["p"] == ss.report.format_p_value(tests.loc["Age, years", "p_value"])


def test_fisher_for_sparse_two_by_two() -> None:
    data = pd.DataFrame({"arm": ["a"] * 6 + ["b"] * 6, "event": ["y"] * 5 + ["n"] + ["n"] * 6})
    result = table1(data, ["event"], by="arm", p_values=True)
    assert result.tests["test"].iloc[0] == "Fisher's exact"
    exact = stats.fisher_exact([[1, 6], [5, 0]]).pvalue
    assert result.tests["p_value"].iloc[0] == pytest.approx(exact)


def test_renders_every_format(lung: pd.DataFrame, tmp_path: Path) -> None:
    result = ss.report.table1(lung, ["age", "sex"], by="sex", labels={"sex": "Sex & gender_x"})
    assert "| Sex & gender_x |" in result.to_markdown()
    assert r"Sex \& gender\_x" in result.to_latex()
    assert "Sex &amp; gender_x" in result.to_html()
    assert result._repr_html_() == result.to_html()
    assert repr(result).startswith("<Table1 2 characteristics")
    docx = pytest.importorskip("docx")
    path = result.to_docx(tmp_path / "table1.docx", title="Table 1")
    cells = [c.text for c in docx.Document(str(path)).tables[0].rows[0].cells]
    assert cells[:3] == ["Characteristic", "Level", "Overall (n = 228)"]


def test_polars_and_pyarrow_tables(lung: pd.DataFrame) -> None:
    pa = pytest.importorskip("pyarrow")
    table = pa.Table.from_pandas(lung)
    from_arrow = ss.report.table1(table, ["age", "sex"]).to_frame()
    pd.testing.assert_frame_equal(from_arrow, ss.report.table1(lung, ["age", "sex"]).to_frame())


def test_old_module_path_still_works() -> None:
    with pytest.warns(DeprecationWarning, match="report.characteristics"):
        from sarcosurv.report.table1 import table1 as old
    assert old is ss.report.table1
