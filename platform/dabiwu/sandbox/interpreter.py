"""The Python the model runs under: a scoring runtime's venv (or, for probes, this process's), shown read-only."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Interpreter:
    executable: Path  # the venv's python, as the child is started (same path inside the sandbox)
    prefix: Path  # the venv (sys.prefix)
    base_prefix: Path  # the Python installation the venv points at (sys.base_prefix)
    real_executable: Path  # what `executable` resolves to; must lie under a folder the sandbox shows

    @property
    def roots(self) -> tuple[Path, ...]:
        """Folders to show read-only, outermost first, without one nested in another."""
        kept: list[Path] = []
        for path in sorted({self.base_prefix, self.prefix}, key=lambda p: len(p.parts)):
            if not any(path == k or k in path.parents for k in kept):
                kept.append(path)
        return tuple(kept)


@lru_cache
def current_interpreter() -> Interpreter:
    prefix = Path(sys.prefix).resolve()
    base = Path(sys.base_prefix).resolve()
    executable = prefix / "bin" / "python"
    if not executable.exists():
        executable = Path(sys.executable)
    return Interpreter(executable=executable, prefix=prefix, base_prefix=base, real_executable=executable.resolve())


def runtime_interpreter(runtime) -> Interpreter:  # noqa: ANN001 - a dabiwu.runtimes.Runtime
    """The Python of a built scoring runtime: its venv and the Python installation it was made from.
    The platform's own venv (and so the `dabiwu` package) is then not shown to the model at all."""
    executable = runtime.python
    return Interpreter(executable=executable, prefix=runtime.path.resolve(), base_prefix=runtime.base_prefix.resolve(),
                       real_executable=executable.resolve())
