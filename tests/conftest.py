"""Shared fixtures: R's public datasets and the R reference values, both as files."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from hypothesis import settings

from reference_inputs import DATA_DIR, REFERENCE_DIR, TESTS_DIR, load_dataset, load_reference

__all__ = ["DATA_DIR", "REFERENCE_DIR", "TESTS_DIR", "load_dataset", "load_reference"]

# The nox ``tests`` session (and so CI) draws the same hypothesis examples on every run,
# so that a red build is reproducible; run pytest directly (or HYPOTHESIS_PROFILE=explore)
# to search new examples.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "explore"))


@pytest.fixture
def r_dataset() -> Callable[[str], pd.DataFrame]:
    return load_dataset


@pytest.fixture
def r_reference() -> Callable[[str], Any]:
    return load_reference
