"""The Executor interface (after Airflow's BaseExecutor).  Jobs are plain data, never ORM rows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    submission_id: str

    def to_dict(self) -> dict:
        return asdict(self)


class Executor(ABC):
    kind: str

    @abstractmethod
    def submit(self, job: JobSpec) -> None:
        """Hand a committed, queued job to the workers."""

    def notify(self) -> None:
        """New work was committed; executors that poll may wake up early."""

    @abstractmethod
    def poll(self) -> dict:
        """Health of the workers: {"workers": n_alive, ...}."""

    @abstractmethod
    def cancel(self, job_id: str) -> None:
        """Stop a job if it has not finished (best effort; the database records the outcome)."""

    @abstractmethod
    def shutdown(self) -> None:
        """Stop the workers and background threads this executor started."""
