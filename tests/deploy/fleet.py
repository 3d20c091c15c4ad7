"""Real `dabiwu` processes for deployment tests: each with its own DABIWU_HOME, logging to a file.

Every process of the compose topology (api, workers, one-shot CLI jobs) runs here as a subprocess
with only DABIWU_* and AWS_* variables to go on, as a container would.  Nothing is shared between
them but PostgreSQL, Redis and the S3 server, so a step that quietly relies on a local file fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

DABIWU = str(Path(sys.executable).with_name("dabiwu"))
REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], T], *, timeout: float, what: str, every: float = 0.3,
             explain: Callable[[], str] = lambda: "") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{explain()}")


@dataclass
class Fleet:
    """The processes of one test; `stop_all` ends every one it started, by pid, never by name."""

    root: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def home(self, name: str) -> Path:
        home = self.root / name
        home.mkdir(parents=True, exist_ok=True)
        return home

    def _env(self, name: str) -> dict[str, str]:
        return {**self.env, "DABIWU_HOME": str(self.home(name))}

    def log_path(self, name: str) -> Path:
        return self.root / f"{name}.log"

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = self.log_path(name).open("ab")
        process = subprocess.Popen(
            [DABIWU, *args], env=self._env(name), cwd=REPO, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        self.processes[name] = process
        return process

    def run(self, name: str, *args: str, timeout: float = 180) -> str:
        """A one-shot command (like compose's `run --rm`); its output, or an assertion with it."""
        done = subprocess.run(
            [DABIWU, *args], env=self._env(name), cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=timeout,
        )
        assert done.returncode == 0, f"`dabiwu {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def python(self, name: str, script: Path, timeout: float = 120) -> subprocess.CompletedProcess:
        """A Python script of the image (like a container's health check), with this fleet's settings."""
        return subprocess.run([sys.executable, str(script)], env=self._env(name), cwd=REPO, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)

    def run_all(self, commands: dict[str, list[str]], timeout: float = 180) -> None:
        """Several one-shot commands at once (they share nothing but the services)."""
        started = {}
        for name, args in commands.items():
            log = self.log_path(name).open("wb")
            started[name] = subprocess.Popen([DABIWU, *args], env=self._env(name), cwd=REPO, stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT)
            log.close()
        for name, process in started.items():
            code = process.wait(timeout=timeout)
            assert code == 0, f"`dabiwu {' '.join(commands[name])}` failed ({code}):\n{self.tail(name)}"

    def kill9(self, name: str) -> None:
        process = self.processes[name]
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.log_path(name)
        if not path.exists():
            return f"(no log for {name})"
        text = path.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {name} (last {len(text)} lines) ---\n" + "\n".join(text)

    def tails(self) -> str:
        return "\n".join(self.tail(name) for name in self.processes)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_ready(base: str, process: subprocess.Popen, *, timeout: float, explain: Callable[[], str]) -> None:
    """Until /readyz says the database and the object store answer (what compose's health check asks)."""

    def ready() -> bool:
        assert process.poll() is None, f"the server exited during start-up\n{explain()}"
        try:
            return httpx.get(f"{base}/readyz", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(ready, timeout=timeout, what=f"{base}/readyz", every=0.5, explain=explain)
