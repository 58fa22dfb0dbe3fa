"""The main job: examples/reproduce_heilig2020.py on the synthetic registry and on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from example_script import ROOT, run_script

PUBLISHED = json.loads(
    (ROOT / "src" / "sarcosurv" / "studies" / "heilig2020" / "published.json").read_text()
)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("heilig2020")
    result = run_script("--out", str(out), cwd=out)
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_writes_report_tables_and_figures(default_run: tuple[Path, str]) -> None:
    out, stdout = default_run
    for name in ("table1", "table2", "table3", "centre_effect", "medians", "comparison"):
        assert (out / f"{name}.csv").stat().st_size > 0
    assert (out / "figure1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(list(out.glob("figure_s1_*.png"))) == 4
    report = (out / "report.md").read_text()
    assert "These data are synthetic" in report
    assert "![figure1](figure1.png)" in report
    # One progress line per stage, the last one naming the report.
    assert stdout.count("\n") >= 6
    assert "done:" in stdout.splitlines()[-1]


def test_table1_counts_equal_published(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    table1 = pd.read_csv(out / "table1.csv", keep_default_na=False)
    table1 = table1[table1["group"] == "Overall"]
    counts = table1.set_index(["characteristic", "level_code"])["n"]
    published = PUBLISHED["table1"]
    assert counts[("Sex", "Male")] == 201
    assert counts[("Sex", "Female")] == 137
    for level, n in published["histology"].items():
        assert counts[("Histology", level)] == n, level
    assert counts[("Remission status before ASCT", "missing")] == 64
    assert counts[("Preparative regimen", "PEI/CEI")] == published["preparative_regimen"]["PEI/CEI"]
    assert counts[("Preparative regimen", "missing")] == published["preparative_regimen"]["missing"]
    comparison = pd.read_csv(out / "comparison.csv")
    table1_rows = comparison[comparison["section"] == "Table 1"]
    assert len(table1_rows) >= 25
    assert (table1_rows["published"] == table1_rows["reproduced"]).all()


def test_published_estimates_inside_reproduced_intervals(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    comparison = pd.read_csv(out / "comparison.csv")
    for section in ("Table 2", "Table 3"):
        rows = comparison[(comparison["section"] == section) & comparison["inside_ci"].notna()]
        assert len(rows) >= 18, section
        assert rows["inside_ci"].astype(bool).mean() >= 0.9, section
    table3 = pd.read_csv(out / "table3.csv")
    numeric = table3[table3["row_type"] == "numeric"].set_index("model")
    assert numeric.loc["PFS", "n"] == 145
    assert numeric.loc["OS", "n"] == 157


def test_centre_effect_reported(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    centre = pd.read_csv(out / "centre_effect.csv")
    assert list(centre["endpoint"]) == ["pfs", "os"]
    assert ((centre["theta"] >= 0) & (centre["lower"] <= centre["theta"])).all()
    assert (centre["theta"] <= centre["upper"]).all()
    assert ((centre["lrt_p_value"] > 0) & (centre["lrt_p_value"] <= 0.5)).all()


def test_real_extract_path_runs_on_a_csv(tmp_path: Path) -> None:
    from sarcosurv.studies.heilig2020 import synthetic_cohort

    extract = synthetic_cohort(seed=7)
    # One ineligible patient (first ASCT in 2018): excluded and counted, not fatal.
    extract.loc[3, ["date_first_asct", "date_last_asct"]] = "2018-01-01"
    path = tmp_path / "extract.csv"
    extract.to_csv(path, index=False)
    result = run_script(
        "--data",
        str(path),
        "--out",
        str(tmp_path / "out"),
        "--no-figures",
        "--imputations",
        "2",
        "--bootstrap",
        "0",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "excluded: not eligible: 1" in result.stdout
    report = (tmp_path / "out" / "report.md").read_text()
    assert "synthetic" not in report.split("## Patients")[0]
    assert (tmp_path / "out" / "problems.csv").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("patient_id,centre_id\nP1,C1\n", "required"),
        ("\x00\x01\x02 not a table", "error"),
    ],
)
def test_malformed_data_exits_with_a_message(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = run_script("--data", str(path), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert message in output.lower()


def test_missing_data_file_exits_with_a_message(tmp_path: Path) -> None:
    result = run_script("--data", str(tmp_path / "absent.csv"), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "absent.csv" in result.stdout + result.stderr
