"""A pyfunc model that segments the judgment excerpt with jieba (shipped with code_paths).

The class lives in this file, not in the test module, so that cloudpickle stores a reference to
`jieba_lead_model.JiebaLeadModel`, which the sandbox imports from the model's code folder.
"""

from __future__ import annotations

import mlflow.pyfunc

KEYWORDS = ("医保", "统筹", "基金", "追偿", "垫付", "交通事故", "报警")


def keyword_hits(text) -> int:  # noqa: ANN001
    import jieba

    if not isinstance(text, str):
        return 0
    return sum(1 for token in jieba.lcut(text) if token in KEYWORDS)


class JiebaLeadModel(mlflow.pyfunc.PythonModel):
    def __init__(self, weight: float) -> None:
        self.weight = weight

    def load_context(self, context) -> None:  # noqa: ANN001
        import jieba

        jieba.setLogLevel(60)  # quiet: the dictionary load message is not an error
        jieba.initialize()

    def predict(self, context, model_input, params=None):  # noqa: ANN001, ANN201
        import numpy as np

        hits = np.array([keyword_hits(t) for t in model_input["judgment_excerpt"]], dtype="float64")
        amount = model_input["medical_total"].fillna(0.0).to_numpy(dtype="float64")
        return hits * self.weight + amount / 1e6
