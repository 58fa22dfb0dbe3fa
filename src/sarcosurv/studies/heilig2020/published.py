"""The published aggregates of Heilig et al., ESMO Open 2020 (shipped as package data)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["published"]


def published() -> dict[str, Any]:
    """Table 1-3 and the outcome numbers as published (percentages in percent, times in months)."""
    text = resources.files(__package__).joinpath("published.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
