"""Every committed R reference has provenance: the script that writes it, and the versions.

Each ``tests/reference/*.json`` must be written by a ``tests/reference/*.R`` script
(named as a quoted path outside its comments), and must record the R version and the
version of every R package it compares with (``survival`` at least): either at the
top (``versions = {"R": ..., "survival": ...}`` or ``r_version``/``survival_version``)
or, for a list of cases, in every case.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

REFERENCE_DIR = Path(__file__).parent / "reference"
JSON_FILES = sorted(REFERENCE_DIR.glob("*.json"))
SCRIPTS = {path: path.read_text(encoding="utf-8") for path in REFERENCE_DIR.glob("*.R")}
#: R packages a reference compares with, by a word in its file name or its script.
PACKAGES = {"frailtyEM": "library(frailtyEM", "cmprsk": "library(cmprsk", "mice": "library(mice"}


def _versions(block: dict[str, Any]) -> dict[str, str]:
    if isinstance(block.get("versions"), dict):
        return {str(k): str(v) for k, v in block["versions"].items()}
    found = {}
    if "r_version" in block:
        found["R"] = str(block["r_version"])
    for key, value in block.items():
        if key.endswith("_version") and key != "r_version":
            found[key.removesuffix("_version")] = str(value)
    return found


def _writer(path: Path) -> tuple[Path, str] | None:
    """The script with a (non-comment) line naming the file as a quoted path."""
    pattern = re.compile(r'["/]' + re.escape(path.name) + '"')
    for script, text in SCRIPTS.items():
        lines = (line for line in text.splitlines() if not line.lstrip().startswith("#"))
        if any(pattern.search(line) for line in lines):
            return script, text
    return None


def test_there_are_references() -> None:
    assert len(JSON_FILES) >= 10


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: p.name)
def test_reference_is_written_by_a_script(path: Path) -> None:
    assert _writer(path) is not None, f"no tests/reference/*.R writes {path.name}"


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: p.name)
def test_reference_records_versions(path: Path) -> None:
    content = json.loads(path.read_text(encoding="utf-8"))
    blocks = content if isinstance(content, list) else [content]
    writer = _writer(path)
    script = writer[1] if writer else ""
    needed = ["R", "survival"] + [name for name, use in PACKAGES.items() if use in script]
    for block in blocks:
        versions = _versions(block)
        missing = [name for name in needed if name not in versions]
        assert not missing, f"{path.name}: versions of {missing} not recorded"
        assert re.search(r"\d+\.\d+", versions["R"]), versions["R"]
