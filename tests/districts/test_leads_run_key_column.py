"""`leads run` writes the challenge's lead_merge_key column beside id (as `key`), in rank order, for `leads push`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models_registry.leads import rank


def test_the_ranked_list_carries_the_merge_key_in_rank_order():
    features = pd.DataFrame({"case_id": ["A", "B", "C"], "court": ["枣阳", "襄州", "枣阳"], "f0": [0.1, 0.2, 0.3]})
    ranked = rank(features, np.array([0.2, 0.9, 0.5]), id_column="case_id", key_column="court")
    assert ranked["id"].tolist() == ["B", "C", "A"]
    assert ranked["key"].tolist() == ["襄州", "枣阳", "枣阳"]
    assert "key" not in rank(features, np.array([0.2, 0.9, 0.5]), id_column="case_id").columns
