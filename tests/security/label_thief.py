"""A model that tries to score perfectly by stealing the hidden labels, then fills its scratch disk.

Shipped with the model through `code_paths`, as a team would ship its own helper module. It is told
the platform's real state folder (the worst case: the attacker knows the layout) and reports what it
found by raising at the end, so the report travels back the one way a team legitimately sees: the
failed submission's log tail.
"""

from __future__ import annotations

import glob
import os

import mlflow.pyfunc


def _try(fn) -> str:
    try:
        return f"OK {fn()}"
    except BaseException as exc:  # noqa: BLE001 - every refusal is part of the report
        return f"DENIED {type(exc).__name__}"


class LabelThief(mlflow.pyfunc.PythonModel):
    def __init__(self, home: str, label_column: str, labels_path: str) -> None:
        self.home = home
        self.label_column = label_column
        self.labels_path = labels_path

    def predict(self, context, model_input, params=None):
        report = [f"columns: {sorted(model_input.columns)}"]
        report.append(f"label column visible: {self.label_column in model_input.columns}")
        report.append(f"split column visible: {'is_public' in model_input.columns}")
        targets = [self.labels_path, os.path.join(self.home, "dabiwu.db"), os.path.join(self.home, "objects")]
        targets += glob.glob(os.path.join(self.home, "objects", "**", "*label*"), recursive=True)
        for target in targets:
            report.append(f"read {target}: {_try(lambda t=target: len(open(t, 'rb').read()))}")
            report.append(f"list {target}: {_try(lambda t=target: len(os.listdir(t)))}")
        found = [p for root in (os.getcwd(), "/tmp", "/sandbox", "/root", "/var")
                 for p in glob.glob(os.path.join(root, "**", "*label*.parquet"), recursive=True)]
        report.append(f"label files found: {found}")
        report.append(f"scratch fill: {self._fill_scratch()}")
        raise RuntimeError("THIEF REPORT\n" + "\n".join(report))

    @staticmethod
    def _fill_scratch() -> str:
        written, chunk = 0, b"\0" * (1024 * 1024)
        try:
            for i in range(100_000):
                with open(f"/tmp/fill-{i}", "wb") as out:
                    out.write(chunk)
                written += 1
        except OSError as exc:
            return f"stopped by {os.strerror(exc.errno)} after {written} MB"
        return f"never stopped ({written} MB)"


def save(path, *, home: str, label_column: str, labels_path: str):
    """Call on this file imported as the top-level module `label_thief` (as the sandbox will import it)."""
    mlflow.pyfunc.save_model(str(path), python_model=LabelThief(home, label_column, labels_path), code_paths=[__file__],
                             pip_requirements=[f"mlflow=={mlflow.__version__}"])
    return path
