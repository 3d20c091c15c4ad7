"""What `dabiwu serve` prints while it starts: one line per step with its time, and a clear stop when the
demo could not score (README.md shows a normal first run)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from dabiwu.settings import Settings


class StartupSteps:
    """`with steps("loading challenges / 加载赛题"):` prints the step, then how long it took."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.monotonic()

    @contextmanager
    def step(self, text: str) -> Iterator[None]:
        began = time.monotonic()
        self.console.print(f"[bold cyan]dabiwu[/bold cyan] {text} …", soft_wrap=True)
        yield
        self.console.print(f"[bold cyan]dabiwu[/bold cyan] {text}: done in {time.monotonic() - began:.1f} s",
                           soft_wrap=True)

    def say(self, text: str) -> None:
        self.console.print(f"[bold cyan]dabiwu[/bold cyan] {text} (+{time.monotonic() - self.started:.0f} s)",
                           soft_wrap=True)

    def reporter(self) -> Callable[[str], None]:
        return self.say


def require_sandbox(settings: Settings, console: Console, *, demo: bool) -> str | None:
    """The sandbox kind this machine runs.  Without one the demo is not served (every demo submission would fail),
    and other modes serve with a loud warning (readiness, the admin queue page and its banner say why)."""
    from dabiwu.readiness import INSTALL_HINT, sandbox_kind

    kind, why = sandbox_kind(settings)
    if kind is not None:
        return kind
    console.print(f"[red]No sandbox can run submitted models on this machine: {why}[/red]")
    console.print("[red]本机无法启动沙箱，提交的模型无法评分。[/red]")
    console.print(f"Install bubblewrap, then start again (请安装 bubblewrap 后重新启动):\n  {INSTALL_HINT}")
    if demo:
        console.print("The demo is not served without a sandbox: its models could not be scored. "
                      "(演示模式需要沙箱，未启动服务。)")
        raise typer.Exit(3)
    console.print("[yellow]Serving anyway: uploads are taken and queued, and scored once a sandbox works "
                  "(/readyz says so).[/yellow]")
    return None
