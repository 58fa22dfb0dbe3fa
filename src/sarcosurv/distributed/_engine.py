"""Map over the partitions of a Dask DataFrame and reduce the results on a tree.

Every estimator of this package is one or a few passes of the same shape: a pure
function of one pandas partition returns a small summary (counts per distinct
time, sums per tie group), the summaries are combined pairwise on a tree of
fan-in :data:`FAN_IN` on the workers, and only the root reaches the client.
The computation runs on the active ``distributed.Client`` when there is one
(Dask picks it up as the default scheduler), on Dask's local scheduler otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .._inputs import is_dask_frame
from ..errors import SarcosurvError

__all__ = ["FAN_IN", "UnsupportedOnDaskError", "is_dask_frame", "map_reduce", "require_dask"]

T = TypeVar("T")

#: Summaries combined per node of the reduction tree.
FAN_IN = 8


class UnsupportedOnDaskError(SarcosurvError, NotImplementedError):
    """A feature that is not available for a Dask DataFrame; the message names it."""

    def __init__(self, feature: str) -> None:
        self.feature = feature
        super().__init__(
            f"{feature} is not available for a Dask DataFrame: compute it in memory on "
            "data.compute() (or a sample of it), or fit without it"
        )


def require_dask() -> Any:
    """The ``dask`` module, or an ImportError naming the optional extra."""
    try:
        import dask
    except ImportError as exc:  # pragma: no cover - the tests run with dask installed
        raise ImportError(
            "Dask DataFrames need the optional extra: pip install 'sarcosurv[dask]'"
        ) from exc
    return dask


def _tree(nodes: list[Any], combine: Callable[..., Any]) -> Any:
    """Combine delayed summaries level by level, :data:`FAN_IN` at a time."""
    dask = require_dask()
    merge = dask.delayed(combine, pure=True)
    while len(nodes) > 1:
        nodes = [merge(*nodes[i : i + FAN_IN]) for i in range(0, len(nodes), FAN_IN)]
    return nodes[0]


def map_reduce(
    data: Any,
    per_partition: Callable[..., T],
    combine: Callable[..., T],
    *args: Any,
) -> T:
    """``combine`` over ``per_partition(partition, *args)`` of every partition, computed.

    ``combine`` takes any number of summaries and returns one; it must be
    associative (the tree groups the partitions in order, so order-sensitive
    results such as exclusion lists keep the partition order).
    """
    dask = require_dask()
    mapped = dask.delayed(per_partition, pure=True)
    # Arguments become one key each, shipped once per worker rather than once per task
    # (the event-time grid of a Cox fit can be large).
    shared = [
        a if isinstance(a, str | int | float | bool | None) else dask.delayed(a, pure=True)
        for a in args
    ]
    parts = [mapped(part, *shared) for part in data.to_delayed()]
    if not parts:
        raise SarcosurvError("the Dask DataFrame has no partitions")
    (result,) = dask.compute(_tree(parts, combine))
    return result  # type: ignore[no-any-return]
