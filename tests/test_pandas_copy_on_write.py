"""Loading an extract under pandas copy-on-write (the default from pandas 3).

Under copy-on-write ``Series.to_numpy()`` hands out read-only views; the
validation must not update them in place.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sarcosurv import registry
from sarcosurv.studies import heilig2020


@pytest.mark.skipif(
    not hasattr(pd.options.mode, "copy_on_write"), reason="pandas without the copy-on-write mode"
)
def test_cohort_loads_under_copy_on_write() -> None:
    extract = heilig2020.synthetic_cohort(seed=2020)
    expected = heilig2020.endpoints(
        registry.Cohort.from_frame(extract, eligibility=heilig2020.ELIGIBILITY)
    )
    with pd.option_context("mode.copy_on_write", True):
        cohort = registry.Cohort.from_frame(extract, eligibility=heilig2020.ELIGIBILITY)
        got = heilig2020.endpoints(cohort)
    pd.testing.assert_frame_equal(got, expected)
