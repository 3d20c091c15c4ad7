"""A pyfunc model whose scores report what it can see: 1.0 where it could import the platform's own
package `dabiwu` (it must not), 0.0 otherwise; shipped with code_paths like jieba_lead_model."""

from __future__ import annotations

import mlflow.pyfunc


class PlatformProbe(mlflow.pyfunc.PythonModel):
    def __init__(self, platform_paths: list[str]) -> None:
        self.platform_paths = platform_paths  # the platform's venv and source folders, as on the host

    def predict(self, context, model_input, params=None):  # noqa: ANN001, ANN201
        import os

        import numpy as np

        try:
            import dabiwu  # noqa: F401

            imported = 1.0
        except ImportError:
            imported = 0.0
        visible = float(any(os.path.exists(p) for p in self.platform_paths))
        return np.column_stack([np.full(len(model_input), imported), np.full(len(model_input), visible)])
