"""tables_from_counts: counts summed over chunks give the tables of all rows at once."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcosurv.counting import tables_from_counts, tabulate_blocks


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 60),
    st.integers(1, 3),
    st.integers(1, 2),
    st.booleans(),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
)
def test_chunked_counts_equal_tabulate_blocks(
    n: int, n_blocks: int, block_size: int, with_entry: bool, n_chunks: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    time = rng.integers(1, 8, n).astype(np.float64)
    event = rng.integers(0, 2, n)
    cell = rng.integers(0, n_blocks * block_size, n).astype(np.intp)
    weights = rng.choice([0.5, 1.0, 2.0], n)
    entry = np.floor(time * rng.uniform(0, 1, n) * 2) / 2 if with_entry else None
    expected = tabulate_blocks(
        time, event, cell=cell, n_cells=n_blocks * block_size, block_size=block_size,
        weights=weights, entry=entry,
    )  # fmt: skip
    # Each chunk reports one record per row (records need not be aggregated).
    chunks = np.array_split(np.arange(n), n_chunks)
    order = np.concatenate(chunks)
    tables = tables_from_counts(
        time[order], cell[order], np.ones(n), weights[order],
        np.where(event[order] > 0, weights[order], 0.0),
        n_cells=n_blocks * block_size, block_size=block_size,
        entry=None if entry is None else entry[order],
        entry_cell=cell[order], entry_weight=weights[order],
    )  # fmt: skip
    assert len(tables) == len(expected)
    for got, want in zip(tables, expected, strict=True):
        np.testing.assert_array_equal(got.times, want.times)
        np.testing.assert_array_equal(got.n_rows, want.n_rows)
        for name in ("n_exit", "n_event", "n_risk"):
            np.testing.assert_allclose(getattr(got, name), getattr(want, name), atol=1e-12)
