"""Shared fixtures: R's public datasets and the R reference values, both as files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

TESTS_DIR = Path(__file__).resolve().parent
DATA_DIR = TESTS_DIR / "data"
REFERENCE_DIR = TESTS_DIR / "reference"


def load_dataset(name: str) -> pd.DataFrame:
    """A dataset of R survival exported by ``tests/reference/export_datasets.R``."""
    return pd.read_csv(DATA_DIR / f"{name}.csv")


def load_reference(name: str) -> Any:
    """A JSON file of reference values written by a script in ``tests/reference``."""
    with open(REFERENCE_DIR / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture
def r_dataset() -> Callable[[str], pd.DataFrame]:
    return load_dataset


@pytest.fixture
def r_reference() -> Callable[[str], Any]:
    return load_reference
