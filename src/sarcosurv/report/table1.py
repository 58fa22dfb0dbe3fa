"""Deprecated module path: Table 1 is :func:`sarcosurv.report.table1` (the function).

``sarcosurv.report.table1.table1`` and ``sarcosurv.report.table1.Characteristic``
keep working until sarcosurv 0.3, with a ``DeprecationWarning``; they live in
:mod:`sarcosurv.report.characteristics`. The package ``sarcosurv.report`` binds
the name ``table1`` to the function, so ``ss.report.table1(data, columns)`` calls it.
"""

from __future__ import annotations

from typing import Any

from .. import _deprecation

_NEW = "sarcosurv.report.characteristics"
_moved = _deprecation.moved_attributes(
    __name__,
    {
        "Characteristic": f"{_NEW}:Characteristic",
        "table1": f"{_NEW}:table1",
        "HEILIG2020_TABLE1": "sarcosurv.studies.heilig2020.tables:TABLE1",
    },
)


def __getattr__(name: str) -> Any:
    return _moved(name)
