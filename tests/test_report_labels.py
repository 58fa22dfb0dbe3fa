"""Every table of the Heilig report prints a variable and a level by the one label map.

The report is written once (multiple imputation with m = 2 to keep it quick,
the competing-risks and centre sections as the example adds them) and every
Markdown table is scanned for the spellings the label map replaces: raw level
codes (``PR+SD``, ``Other``, ``non-CR``, ...), ``<=`` for ``≤`` and data-frame
column names (``factor``, ``level``) as headers. The section comparing with
the paper is left out: it names items as the paper does, on purpose.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from sarcosurv import registry
from sarcosurv.report.hr_table import REFERENCE_TEXT
from sarcosurv.studies import heilig2020
from sarcosurv.studies.heilig2020 import LABELS, level_label, mi_section

#: Raw level codes that the label map prints differently.
RAW_CODES = {key[1] for key, label in LABELS.items() if isinstance(key, tuple) and label != key[1]}
#: Headers that are data-frame column names rather than a reader's words.
RAW_HEADERS = {"factor", "level", "term", "variable", "cause", "time", "group", "endpoint"}
#: Sections that name items as the paper does, on purpose.
PAPER_NAMED = ("## Published versus reproduced",)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    cohort = registry.Cohort.from_frame(heilig2020.synthetic_cohort(seed=2020))
    endpoints = heilig2020.endpoints(cohort)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = heilig2020.analyse(endpoints, heilig2020.published())
        mi = mi_section.mi_table3(mi_section.mi_fits(endpoints, m=2, seed=1))
        extra = [
            heilig2020.competing_section(endpoints).markdown(),
            heilig2020.centre_section(endpoints, bootstrap=0).markdown(),
        ]
    source = heilig2020.DataSource(True, "the synthetic registry")
    out = tmp_path_factory.mktemp("report")
    path = heilig2020.write_report(analysis, out, source, mi_table3=mi, extra_sections=extra)
    return Path(path).read_text(encoding="utf-8")


def _sections(text: str) -> dict[str, str]:
    parts = text.split("\n## ")
    return {"## " + p.split("\n", 1)[0]: p for p in parts[1:]}


def _tables(section: str) -> list[list[list[str]]]:
    """The section's Markdown tables, each a list of rows of cells (header first)."""
    tables: list[list[list[str]]] = []
    previous = False
    for line in section.splitlines():
        is_row = line.startswith("|")
        if is_row and not set(line) <= set("|-: "):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not previous:
                tables.append([])
            tables[-1].append(cells)
        previous = is_row
    return tables


def _scanned(report: str) -> dict[str, list[list[list[str]]]]:
    return {
        name: _tables(body)
        for name, body in _sections(report).items()
        if not name.startswith(PAPER_NAMED)
    }


def test_no_table_prints_a_raw_code_or_header(report: str) -> None:
    scanned = _scanned(report)
    assert sum(len(t) for t in scanned.values()) >= 10
    bad = []
    for name, tables in scanned.items():
        for table in tables:
            header, *rows = table
            bad += [(name, "header", h) for h in header if h in RAW_HEADERS or "_" in h]
            for row in rows:
                bad += [(name, "cell", c) for c in row if c in RAW_CODES or "<=" in c]
    assert not bad, bad[:10]


def test_the_scan_finds_the_old_spellings() -> None:
    old = "## Old\n\n| factor | level |\n|---|---|\n| Remission | PR+SD |\n| Age | <=37.3 |\n"
    tables = _tables(_sections("x\n" + old)["## Old"])
    assert tables == [[["factor", "level"], ["Remission", "PR+SD"], ["Age", "<=37.3"]]]
    assert {"PR+SD", "Other", "non-CR"} <= RAW_CODES


def _levels(tables: list[list[list[str]]]) -> set[str]:
    out = set()
    for header, *rows in tables:
        if "Level" in header:
            out |= {row[header.index("Level")] for row in rows}
    return out


def test_competing_and_mi_tables_use_the_table_2_and_3_labels(report: str) -> None:
    sections = _scanned(report)
    table2 = _levels(sections["## Table 2. PFS and OS at 2 and 5 years by factor"])
    table3 = _levels(sections["## Table 3. Multivariable Cox models for PFS and OS"])
    competing = _levels(sections["## Relapse incidence and non-relapse mortality"])
    mi = _levels(sections["## Table 3 by multiple imputation"])
    assert competing == table2
    assert mi == table3
    assert level_label("remission_group", "PR+SD") in competing & mi
    assert level_label("regimen_group", "Other") in competing & mi
    assert any(level.startswith("\u2264") for level in competing)


def test_mi_table_has_variable_headers_and_reference_rows(report: str) -> None:
    (table,) = _scanned(report)["## Table 3 by multiple imputation"]
    frame = pd.DataFrame(table[1:], columns=table[0])
    headers = frame.loc[frame["Variable"] != "", "Variable"].tolist()
    assert headers == [
        LABELS["age10"],
        LABELS["histology_group"],
        LABELS["remission_group"],
        LABELS["regimen_group"],
    ]
    reference = frame[frame["PFS HR (95% CI)"] == REFERENCE_TEXT]
    assert reference["Level"].tolist() == ["Leiomyosarcoma", "CR/NED", "Platinum based"]
    assert (reference["OS HR (95% CI)"] == REFERENCE_TEXT).all()
    assert (reference[["PFS p", "PFS FMI"]] == "").all(axis=None)
    shown = frame["PFS HR (95% CI)"]
    estimates = frame[(shown != "") & (shown != REFERENCE_TEXT)]
    assert len(estimates) == 9  # age, 4 histologies, 2 remission levels, 2 regimens
    assert estimates["PFS FMI"].map(float).between(0, 1).all()
