"""Table 1 on a small hand-made cohort with the registry's analysis variables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sarcosurv.errors import ColumnNotFoundError
from sarcosurv.report.table1 import Characteristic, table1


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


def test_percent_of_known_and_missing_row() -> None:
    spec = [Characteristic("grade", "Tumour grading")]
    table = table1(cohort(), spec).set_index("level")
    assert table.loc["Grade 3", "n"] == 2
    assert table.loc["Grade 3", "percent"] == pytest.approx(200 / 3)
    assert "Grade 2" not in table.index  # categories never observed are not listed
    assert table.loc["missing", "n"] == 1
    assert np.isnan(table.loc["missing", "percent"])


def test_age_summary_median_range_iqr() -> None:
    table = table1(cohort(), [])
    assert table.loc[0, "value"] == "35.0 (20.0–50.0) (27.5–42.5)"


def test_unknown_column_is_named() -> None:
    with pytest.raises(ColumnNotFoundError, match="'stage'"):
        table1(cohort(), [Characteristic("stage", "Stage")])
