"""The inputs of the R reference scripts, prepared as they prepared them.

Shared by the reference tests (through ``conftest``) and by the agreement
tables of the documentation (``docs/_scripts/agreement.py``), so that both
compare with R on exactly the same data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TESTS_DIR = Path(__file__).resolve().parent
DATA_DIR = TESTS_DIR / "data"
REFERENCE_DIR = TESTS_DIR / "reference"

#: The log-rank weightings of ``logrank_reference.json``, keyed as R's output is.
LOGRANK_WEIGHTS: dict[str, Any] = {
    "logrank": "logrank",
    "wilcoxon": "wilcoxon",
    "tarone-ware": "tarone-ware",
    "peto": "peto",
    "fh_0_1": ("fleming-harrington", 0, 1),
    "fh_1_1": ("fleming-harrington", 1, 1),
    "fh_0.5_2": ("fleming-harrington", 0.5, 2),
}


def load_dataset(name: str) -> pd.DataFrame:
    """A dataset of R survival exported by ``tests/reference/export_datasets.R``."""
    return pd.read_csv(DATA_DIR / f"{name}.csv")


def load_reference(name: str) -> Any:
    """A JSON file of reference values written by a script in ``tests/reference``."""
    with open(REFERENCE_DIR / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


def lung_km() -> pd.DataFrame:
    """lung with the columns of ``km_reference.R`` and ``logrank_reference.R``."""
    lung = load_dataset("lung")
    lung["status01"] = lung["status"] - 1
    # R's round() rounds halves to even, as numpy does.
    lung["months"] = np.round(lung["time"] / 30.4375)
    position = np.arange(1, len(lung) + 1)
    lung["wint"] = 1 + position % 3
    lung["wfrac"] = 0.5 + (position % 4) * 0.25
    return lung


def veteran_logrank() -> pd.DataFrame:
    """veteran with R's factor level order of celltype, which trend scores follow."""
    veteran = load_dataset("veteran")
    levels = load_reference("logrank_reference")["veteran_celltype"]["logrank"]["groups"]
    veteran["celltype"] = pd.Categorical(veteran["celltype"], categories=levels)
    return veteran


def cox_dataset(name: str) -> pd.DataFrame:
    """A dataset as ``cox_reference.R`` fitted it."""
    data = load_dataset(name)
    if name == "lung":
        data["status"] = data["status"] - 1
        data["w"] = np.resize([1.0, 2.0, 3.0], len(data))
        data["fw"] = np.resize([0.5, 1.25, 2.75], len(data))
    # formulaic reads a dot as attribute access: Python users write ph_ecog.
    return data.rename(columns=lambda c: c.replace(".", "_"))


#: The RMST cases of ``competing_reference.json`` (R ``survival:::survmean``).
RMST_CASES: dict[str, dict[str, Any]] = {
    "lung_all_365": {"data": "lung", "time": "time", "event": "status01"},
    "lung_sex_365": {"data": "lung", "time": "time", "event": "status01", "by": "sex"},
    "lung_sex_730": {"data": "lung", "time": "time", "event": "status01", "by": "sex"},
    "lung_months_sex_24": {"data": "lung", "time": "months", "event": "status01", "by": "sex"},
    "pbc_trt_1800": {"data": "pbc", "time": "time", "event": "dead", "by": "trt"},
    "heart_entry_500": {
        "data": "heart",
        "time": "stop",
        "event": "event",
        "by": "transplant",
        "entry": "start",
    },
}


def lung_exit_age() -> pd.DataFrame:
    """``lung`` with ``status01`` and the exit age of the timefix references (age + time/12)."""
    lung = load_dataset("lung")
    lung["status01"] = lung["status"] - 1
    lung["exit_age"] = lung["age"] + lung["time"] / 12
    return lung
