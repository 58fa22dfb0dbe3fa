"""Gray's test when the pooled incidence reaches 1 (every patient has an event of the cause)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss


@pytest.mark.filterwarnings("ignore::sarcosurv.errors.SarcosurvWarning")
def test_no_censoring_and_one_group_exhausted_gives_cmprsk_value() -> None:
    # cmprsk 2.2.11: cuminc(c(1,3,1,2,2,1), rep(1, 6), c(1,1,0,1,1,0))$Tests
    # -> stat 2.5, pv 0.1138463, df 1 (found by a hypothesis property: this was NaN
    # and a LinAlgError before).
    data = pd.DataFrame({"t": [1, 3, 1, 2, 2, 1.0], "e": [1] * 6, "g": [1, 1, 0, 1, 1, 0]})
    result = ss.gray_test(data, "t", "e", by="g")
    np.testing.assert_allclose(result.statistic.to_numpy(), [2.5], rtol=1e-12)
    np.testing.assert_allclose(result.p_value.to_numpy(), [0.1138463], rtol=1e-6)
