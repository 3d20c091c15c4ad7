"""What a sandboxed run may use, and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 4096  # RLIMIT_AS of the model process
    cpu_seconds: int = 300  # RLIMIT_CPU (SIGXCPU, then SIGKILL two seconds later)
    wall_seconds: int = 300  # enforced by the supervisor, which kills the whole sandbox
    max_processes: int = 64  # RLIMIT_NPROC, counted for the sandbox's own uid (threads count too)
    max_output_mb: int = 256  # predictions stream, each scratch file (RLIMIT_FSIZE), each scratch tmpfs
    chunk_rows: int = 100_000  # rows per predict call

    def __post_init__(self) -> None:
        for name in ("memory_mb", "cpu_seconds", "wall_seconds", "max_processes", "max_output_mb", "chunk_rows"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"Limits.{name} must be a positive integer, got {getattr(self, name)!r}.")


@dataclass(frozen=True)
class SandboxResult:
    predictions_path: Path  # Parquet written by the supervisor from the child's stream, in out_dir
    kind: str  # "bwrap" | "unshare" | "none"
    runtime_s: float  # wall clock of the whole sandboxed run, start of the sandbox to its end
    peak_mem_mb: float  # peak RSS of the model process, measured by the kernel (wait4), not reported by it
    log_tail: str  # last 50 lines of the model's stderr
    prestarted: bool = False  # served by a sandbox started before the job (prewarm), imports already paid
    mode: str = "fresh"  # "fresh" | "prestarted" | "fork" (a child forked from a pre-imported zygote)
