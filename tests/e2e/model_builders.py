"""Real MLflow models for pipeline tests, saved by stock mlflow with their code in code_paths."""

from __future__ import annotations

import tarfile
import textwrap
from pathlib import Path

SLEEPY_SOURCE = textwrap.dedent(
    '''
    import time

    import mlflow.pyfunc
    import numpy as np


    class SleepyModel(mlflow.pyfunc.PythonModel):
        """Predicts a constant after sleeping: long enough to kill its worker mid-job."""

        def __init__(self, seconds):
            self.seconds = seconds

        def predict(self, context, model_input, params=None):
            time.sleep(self.seconds)
            return np.linspace(0.0, 1.0, len(model_input))
    '''
)


def save_sleepy_model(root: Path, *, seconds: float) -> Path:
    """A pyfunc PythonModel whose class ships in code_paths, as a team would package custom logic."""
    import importlib.util
    import sys

    import mlflow.pyfunc

    root.mkdir(parents=True, exist_ok=True)
    source = root / "sleepy_model.py"
    source.write_text(SLEEPY_SOURCE)
    spec = importlib.util.spec_from_file_location("sleepy_model", source)
    module = importlib.util.module_from_spec(spec)
    sys.modules["sleepy_model"] = module
    spec.loader.exec_module(module)
    model_dir = root / "model"
    mlflow.pyfunc.save_model(str(model_dir), python_model=module.SleepyModel(seconds), code_paths=[str(source)])
    return model_dir


def tar_model(model_dir: Path, archive: Path) -> Path:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(model_dir, arcname=".")
    return archive
