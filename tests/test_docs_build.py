"""The docs build offline and show what their code prints, computed at build time."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("yaml")
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_scripts"))

import run_blocks  # noqa: E402


def _mkdocs() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may carry !!python tags; they are not needed here.
    Loader.add_multi_constructor("tag:yaml.org,2002:python", lambda *_: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def test_output_is_inserted_under_each_printing_block() -> None:
    page = (
        "Text\n\n```python\nx = 2\n```\n\nMore\n\n```python\nprint(x * 21)\n```\n\n"
        "```bash\necho no\n```\n"
    )
    out = run_blocks.with_outputs(page, "page.md")
    assert out.count('```text title="Output"') == 1
    assert '```python\nprint(x * 21)\n```\n\n```text title="Output"\n42\n```' in out
    assert out.startswith("Text\n\n```python\nx = 2\n```\n\nMore")
    assert out.endswith("```bash\necho no\n```\n")


def test_a_failing_block_fails_the_build_naming_page_and_block() -> None:
    page = "```python\nx = 1\n```\n\n```python\nraise ValueError('stale')\n```\n"
    with pytest.raises(run_blocks.DocsBlockError, match=r"page\.md \[block 2\].*stale"):
        run_blocks.with_outputs(page, "page.md")


def test_output_containing_fences_gets_a_longer_fence() -> None:
    page = '```python\nprint("```")\n```\n'
    out = run_blocks.with_outputs(page, "page.md")
    assert '````text title="Output"\n```\n````' in out


def test_mathjax_is_bundled_and_nothing_loads_from_the_network() -> None:
    config = _mkdocs()
    scripts = [str(s) for s in config["extra_javascript"]]
    assert not [s for s in scripts if re.match(r"(https?:)?//", s)]
    for script in scripts:
        assert (DOCS / script).is_file(), script
    assert "javascripts/mathjax/tex-svg-full.js" in scripts
    assert (
        (DOCS / "javascripts" / "mathjax" / "LICENSE")
        .read_text()
        .lstrip()
        .startswith("Apache License")
    )
    for css in config["extra_css"]:
        assert (DOCS / css).is_file()
    assert not re.search(r"https?://", (DOCS / "javascripts" / "mathjax.js").read_text())


def test_signatures_are_formatted_and_wide_content_scrolls() -> None:
    options = _mkdocs()["plugins"][1]["mkdocstrings"]["handlers"]["python"]["options"]
    assert options["separate_signature"] is True
    assert options["show_signature_annotations"] is True
    assert options["line_length"] <= 100
    css = (DOCS / "stylesheets" / "extra.css").read_text()
    assert "overflow-x: auto" in css
    assert "mjx-container" in css
