"""The documentation cannot rot: its code runs, its generated tables match the code.

* Every ```python block of every page under docs/ runs, in page order, the
  blocks of one page sharing a namespace, in a temporary working directory with
  matplotlib's Agg backend.
* The schema page's table, rendered at build time, lists exactly the columns
  of ``sarcosurv.registry.schema_table()``.
* Every ``<!-- generated: NAME -->`` marker names a generator, and every page
  in the navigation exists (pages other engineers are writing excepted).
* The R agreement tables of the validation page are computed and show agreement.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCRIPTS = DOCS / "_scripts"
sys.path.insert(0, str(SCRIPTS))

import agreement  # noqa: E402
import generated  # noqa: E402
import hooks  # noqa: E402
import rst  # noqa: E402

import sarcosurv as ss  # noqa: E402

PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```\s*$", re.DOTALL | re.MULTILINE)
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_scripts" not in p.parts)


def python_blocks(page: Path) -> list[str]:
    return PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))


def test_pages_have_code() -> None:
    with_code = [p.relative_to(DOCS).as_posix() for p in PAGES if python_blocks(p)]
    for page in ("quickstart.md", "tutorial/heilig2020.md", "registry/loading.md"):
        assert page in with_code


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_code_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": f"docs:{page.name}"}
    for number, block in enumerate(python_blocks(page), start=1):
        code = compile(block, f"{page.relative_to(DOCS)} [block {number}]", "exec")
        try:
            exec(code, namespace)
        finally:
            plt.close("all")


def _markdown_rows(table: str) -> list[list[str]]:
    lines = [line for line in table.strip().splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]


def test_schema_page_table_equals_schema_table() -> None:
    page = (DOCS / "registry" / "schema.md").read_text(encoding="utf-8")
    assert "<!-- generated: schema -->" in page
    rows = _markdown_rows(generated.markdown("schema"))
    expected = ss.registry.schema_table()
    assert [r[0].strip("`") for r in rows] == expected["column"].tolist()
    assert [r[1] for r in rows] == expected["type"].tolist()
    assert [r[2] == "yes" for r in rows] == expected["required"].tolist()
    assert [r[3].replace(", ", "; ") for r in rows] == expected["codes"].tolist()
    assert [r[4] for r in rows] == expected["description"].tolist()


def test_every_marker_has_a_generator() -> None:
    used = {m for page in PAGES for m in hooks.MARKER.findall(page.read_text(encoding="utf-8"))}
    assert used, "no generated content found"
    assert used <= set(generated.MARKERS), used - set(generated.MARKERS)
    with pytest.raises(KeyError, match="no generated content"):
        generated.markdown("no-such-table")


def _nav_pages(node: Any) -> list[str]:
    if isinstance(node, list):
        return [p for item in node for p in _nav_pages(item)]
    if isinstance(node, dict):
        return [p for value in node.values() for p in _nav_pages(value)]
    return [node] if isinstance(node, str) else []


def _nav() -> Any:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav_text = text[text.index("\nnav:") :]
    # The nav is a plain YAML list of "Title: path.md" entries: parse the paths directly.
    return re.findall(r":\s+([\w/.-]+\.md)\s*$", nav_text, re.MULTILINE)


def test_nav_pages_exist_and_every_page_is_in_the_nav() -> None:
    nav = _nav()
    missing = [p for p in nav if not (DOCS / p).exists() and p not in hooks.PENDING_PAGES]
    assert not missing
    pages = {p.relative_to(DOCS).as_posix() for p in PAGES}
    assert pages - set(nav) == set()


def test_pending_pages_are_pruned_from_the_nav(tmp_path: Path) -> None:
    nav = [{"Home": "index.md"}, {"Validation": ["validation.md", *hooks.PENDING_PAGES]}]
    assert hooks._prune(nav, tmp_path) == [{"Home": "index.md"}, {"Validation": ["validation.md"]}]
    for page in hooks.PENDING_PAGES:
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text("# page\n", encoding="utf-8")
    assert hooks._prune(nav, tmp_path) == nav


def test_km_and_logrank_agreement_tables() -> None:
    km = agreement.km_agreement()
    assert len(km) == len(agreement.KM_CASES) + 1
    differences = km[["survival", "Greenwood SE", "CI limits", "quantiles and BC limits"]]
    assert np.nanmax(differences.to_numpy(dtype=float)) < 1e-10
    logrank = agreement.logrank_agreement()
    assert len(logrank) == len(agreement.LOGRANK_CASES)
    assert np.nanmax(logrank.iloc[:, 2:].to_numpy(dtype=float)) < 1e-8


def test_cox_agreement_table() -> None:
    cox = agreement.cox_agreement()
    assert len(cox) == 16  # 8 models x 2 ties methods
    assert np.nanmax(cox.iloc[:, 3:].to_numpy(dtype=float)) < 1e-8


def test_frailty_agreement_tables() -> None:
    em = agreement.frailtyem_agreement()
    assert em["max rel. diff"].max() < 1e-2
    fixed = agreement.r_fixed_theta_agreement()  # must not fall back to the "changed" note
    assert fixed["coefficients (abs.)"].max() < 1e-4
    assert fixed["integrated log-lik (rel.)"].max() < 1e-7
    default = agreement.r_default_comparison().set_index("fit")["integrated log-likelihood"]
    assert default["sarcosurv (profile maximum)"] > default.iloc[0]


def test_mismatched_missing_values_count_as_disagreement() -> None:
    assert agreement.max_abs_diff([1.0, np.nan], [1.0, 2.0]) == np.inf
    assert agreement.max_rel_diff([2.0], [1.0]) == pytest.approx(1.0)
    assert agreement.max_abs_diff([1.0, np.nan], [1.0, None]) == 0.0


README = ROOT / "README.md"
README_COMMANDS = (
    'pip install ".[plot]" && python examples/reproduce_heilig2020.py',
    "python -m pip install nox && python -m nox -s tests lint typecheck",
)


def test_readme_opens_with_the_two_commands_and_its_code_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"^```bash\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
    assert [b.strip() for b in blocks[:2]] == list(README_COMMANDS)
    monkeypatch.chdir(tmp_path)
    for block in python_blocks(README):
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})


def test_readme_links_exist() -> None:
    links = re.findall(r"\]\(([^)#\s]+)", README.read_text(encoding="utf-8"))
    assert links
    assert [link for link in links if not (ROOT / link).exists()] == []


def test_docstring_rst_becomes_markdown() -> None:
    text = (
        "See :func:`sarcosurv.kaplan_meier` and :class:`~sarcosurv.errors.ValidationError`.\n"
        "Variance :math:`\\theta`:\n\n"
        "    .. math:: a = b\n"
        "              + c\n\n"
        "    after\n"
    )
    out = rst.rst_to_markdown(text)
    assert "`sarcosurv.kaplan_meier`" in out
    assert "`sarcosurv.errors.ValidationError`" in out
    assert "\\(\\theta\\)" in out
    assert "    \\[\n    a = b\n    + c\n    \\]" in out
    assert out.rstrip().endswith("    after")
    assert ":func:" not in out
    assert ".. math::" not in out
    assert rst.rst_to_markdown(out) == out
