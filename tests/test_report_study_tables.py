"""The study report reads like a paper's tables: labels, reference rows, the closeness section.

Also: without matplotlib the example still writes every table and says in one
line that figures need the ``plot`` extra.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sarcosurv import registry
from sarcosurv.studies import heilig2020
from sarcosurv.studies.heilig2020.compare import comparison_row

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "reproduce_heilig2020.py"
INTERNALS = ("C(", "contr.", "[T.", "histology_group", "remission_group", "regimen_group")


@pytest.fixture(scope="module")
def analysis() -> heilig2020.Heilig2020Analysis:
    cohort = registry.Cohort.from_frame(heilig2020.synthetic_cohort(seed=2020))
    return heilig2020.analyse(heilig2020.endpoints(cohort), heilig2020.published())


@pytest.fixture(scope="module")
def report(
    analysis: heilig2020.Heilig2020Analysis, tmp_path_factory: pytest.TempPathFactory
) -> str:
    out = tmp_path_factory.mktemp("report")
    source = heilig2020.DataSource(True, "synthetic registry")
    return heilig2020.write_report(analysis, out, source).read_text(encoding="utf-8")


def _section(report: str, title: str) -> str:
    return report.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_table3_has_reference_rows_and_labels(analysis: heilig2020.Heilig2020Analysis) -> None:
    printed = analysis.hazard_ratios.summary()
    reference = printed[printed["PFS HR (95% CI)"] == "1.00 (reference)"]
    assert reference["Level"].tolist() == ["Leiomyosarcoma", "CR/NED", "Platinum based"]
    headers = printed.loc[printed["Level"] == "", "Variable"].tolist()
    assert headers == [
        "Age at first ASCT, per 10 years",
        "Histology",
        "Remission status before ASCT",
        "Preparative regimen",
    ]
    assert (printed.loc[printed["Level"] != "", "PFS n"] != "").all()


def test_same_labels_in_every_table(report: str) -> None:
    table1 = _section(report, "Table 1")
    table2 = _section(report, "Table 2")
    table3 = _section(report, "Table 3")
    for title in ("Histology", "Remission status before ASCT", "Preparative regimen"):
        for table in (table1, table2, table3):
            assert f"| {title} |" in table, title
    for table in (table1, table2, table3):
        assert "Other sarcoma" in table
        assert "Other STS" not in table
        assert "prior ASCT" not in table
        for piece in INTERNALS:
            assert piece not in table, piece
    assert "| Other regimen |" in table1
    assert "| Other regimen |" in table2
    assert "| PR or SD |" in table2
    assert "| PR or SD |" in table3


def test_table1_age_is_labelled(report: str) -> None:
    table1 = _section(report, "Table 1")
    assert "| median (IQR) [range] | 37.3 (27.6–49.7) [18.1–69.6] |" in table1


def test_table2_has_n_and_events(analysis: heilig2020.Heilig2020Analysis, report: str) -> None:
    table2 = _section(report, "Table 2")
    assert "PFS n (events)" in table2
    data = heilig2020.endpoints(registry.Cohort.from_frame(heilig2020.synthetic_cohort(seed=2020)))
    deaths = data.groupby("sex", observed=True)["os_event"].agg(["size", "sum"]).loc["Male"]
    assert f"| {deaths['size']} ({deaths['sum']}) |" in table2


def test_table2_levels_in_the_defined_order(analysis: heilig2020.Heilig2020Analysis) -> None:
    table2 = analysis.table2
    remission = table2[table2["factor"] == "Remission status before ASCT"]["level"].tolist()
    assert remission == ["CR/NED", "PR+SD", "PD"]


def test_closeness_section_flags_reversals(
    report: str, analysis: heilig2020.Heilig2020Analysis
) -> None:
    section = _section(report, "How close is the reproduction")
    reversed_ = heilig2020.direction_reversals(analysis.comparison)
    assert "Liposarcoma (PFS)" in reversed_["item"].tolist()  # published 0.86, reproduced 1.60
    assert "Liposarcoma (PFS): published 0.86, reproduced 1.60" in section
    assert "145/301 (48%)" in section
    assert "157/338 (46%)" in section
    assert "| 8.2 years | 4.9 years |" in section
    assert "| 244 patients | 263 patients |" in section
    # The reversals come before the containment count.
    assert section.index("same side of 1") < section.index("inside the reproduced 95% CI")


def test_direction_reversal_is_opposite_sides_of_one() -> None:
    comparison = pd.DataFrame(
        [
            comparison_row("Table 3", "a", 0.86, 1.60, 0.75, 3.42),
            comparison_row("Table 3", "b", 1.10, 1.15, 1.00, 1.31),
            comparison_row("Table 2", "c", 20.0, 30.0, 10.0, 40.0),
        ]
    )
    assert comparison["direction_reversed"].tolist()[:2] == [True, False]
    assert comparison["direction_reversed"].isna().tolist()[2]
    assert heilig2020.direction_reversals(comparison)["item"].tolist() == ["a"]


def test_clipped_median_interval_is_noted(report: str) -> None:
    section = _section(report, "Medians, landmark survival and follow-up")
    # Seed 2020: OS of the CR group, 51.7 months, symmetric interval -6.0 to 109.5.
    assert "| 51.7 (0.0–109.5)* |" in section
    assert "\\* Lower limit clipped at 0" in section
    assert "(-" not in section


def test_word_tables(analysis: heilig2020.Heilig2020Analysis, tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    from sarcosurv.studies.heilig2020.writer import write_word_tables

    path = write_word_tables(analysis, tmp_path)
    assert path is not None
    document = docx.Document(str(path))
    assert len(document.tables) == 3
    table3 = document.tables[2]
    texts = [cell.text for row in table3.rows for cell in row.cells]
    assert texts.count("1.00 (reference)") == 6  # three variables, PFS and OS
    assert not any("[T." in text for text in texts)


def test_tables_come_before_figures(report: str) -> None:
    assert report.index("## Table 3") < report.index("## How close")


def test_sections_are_a_list_of_producers() -> None:
    assert all(callable(section) for section in heilig2020.SECTIONS)
    assert len(heilig2020.SECTIONS) >= 10


def test_without_matplotlib_every_table_is_written(tmp_path: Path) -> None:
    # matplotlib made unimportable: a None entry in sys.modules raises ImportError on import.
    code = (
        "import sys, runpy\n"
        "for name in ['matplotlib', 'matplotlib.pyplot']:\n"
        "    sys.modules[name] = None\n"
        f"sys.argv = ['reproduce', '--out', {str(tmp_path)!r}]\n"
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("table1", "table2", "table3", "medians", "comparison", "closeness"):
        assert (tmp_path / f"{name}.csv").stat().st_size > 0
    assert not list(tmp_path.glob("*.png"))
    lines = [line for line in result.stdout.splitlines() if "plot" in line and "extra" in line]
    assert len(lines) == 1
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert heilig2020.FIGURES_NEED_PLOT in report
    assert "## Table 3" in report
