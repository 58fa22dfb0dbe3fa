"""Shared fixtures: R's public datasets and the R reference values, both as files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from reference_inputs import DATA_DIR, REFERENCE_DIR, TESTS_DIR, load_dataset, load_reference

__all__ = ["DATA_DIR", "REFERENCE_DIR", "TESTS_DIR", "load_dataset", "load_reference"]


@pytest.fixture
def r_dataset() -> Callable[[str], pd.DataFrame]:
    return load_dataset


@pytest.fixture
def r_reference() -> Callable[[str], Any]:
    return load_reference
