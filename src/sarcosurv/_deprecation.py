"""Deprecation shims: names that moved keep working for one release, with a warning.

The new home of a moved name is resolved by :func:`importlib.import_module` when
the old name is first used, so a lower layer (``registry``, ``report``) holds no
import statement of a higher one (``studies``): the layer contract and the
cycle check see no edge, and the shims go away in 0.3 without touching either.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "REMOVAL",
    "STUDY_DEFAULT",
    "StudyDefault",
    "moved",
    "moved_attributes",
    "moved_module",
    "study_default",
]

#: The release that removes every shim.
REMOVAL = "0.3"


def moved(old: str, target: str, *, stacklevel: int = 3) -> Any:
    """The object at ``target`` (``"package.module:name"``), warning that ``old`` moved there."""
    module_name, _, name = target.partition(":")
    warnings.warn(
        f"{old} moved to {module_name}.{name}; the old name is removed in sarcosurv {REMOVAL}",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    return getattr(importlib.import_module(module_name), name)


def moved_attributes(
    module: str, targets: Mapping[str, str], *, stacklevel: int = 4
) -> Callable[[str], Any]:
    """A module ``__getattr__`` (PEP 562) serving the moved names of ``module``.

    ``targets`` maps each old attribute name to ``"new.module:new_name"``. The
    default ``stacklevel`` suits a module ``__getattr__`` that calls the
    returned function; assigned as the module's ``__getattr__`` itself, pass 3.
    """

    def __getattr__(name: str) -> Any:
        if name in targets:
            return moved(f"{module}.{name}", targets[name], stacklevel=stacklevel)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


def moved_module(module: str, new: str, *names: str, **renamed: str) -> Callable[[str], Any]:
    """The ``__getattr__`` of a module whose names moved to module ``new``.

    ``names`` kept their name; ``renamed`` maps an old name to its new one.
    Assign the result as the shim's ``__getattr__``.
    """
    targets = {name: f"{new}:{name}" for name in names}
    targets.update({old: f"{new}:{name}" for old, name in renamed.items()})
    return moved_attributes(module, targets, stacklevel=3)


class StudyDefault:
    """Marks a parameter left out whose old default was one study's choice (see below)."""

    def __repr__(self) -> str:
        return "<study default, deprecated>"


#: The sentinel default of such parameters.
STUDY_DEFAULT = StudyDefault()


def study_default(function: str, parameter: str, target: str) -> Any:
    """The old default of ``function``'s ``parameter``, now at ``target``, with a warning.

    Until 0.1 some generic functions defaulted to the first study's
    choices (its Table 1 rows, its Table 2 factors); from 0.3 the parameter
    is required.
    """
    module_name, _, name = target.partition(":")
    warnings.warn(
        f"{function}() without {parameter}= uses {module_name}.{name}; pass it explicitly: "
        f"{parameter}= becomes required in sarcosurv {REMOVAL}",
        DeprecationWarning,
        stacklevel=3,
    )
    return getattr(importlib.import_module(module_name), name)
