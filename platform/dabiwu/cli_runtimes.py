"""`dabiwu runtimes build NAME` and `dabiwu runtimes list`: the environments submitted models run in."""

from __future__ import annotations

import typer
from rich.console import Console

# Server-side modules are imported inside the commands: `dabiwu --help` must not pay for them.

console = Console()
runtimes_app = typer.Typer(help="Scoring runtimes: the pinned environments models are scored in.",
                           no_args_is_help=True)


@runtimes_app.command("build")
def build(name: str = typer.Argument(None, help="the runtime's name (default: DABIWU_DEFAULT_RUNTIME)")) -> None:
    """Build a runtime from its lock file (once per machine and lock; later calls return at once)."""
    from dabiwu.errors import DabiwuError
    from dabiwu.runtimes.build import ensure_built
    from dabiwu.settings import get_settings

    settings = get_settings()
    try:
        runtime = ensure_built(name, settings, progress=lambda line: print(line, flush=True))
    except DabiwuError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from exc
    manifest = runtime.manifest()
    console.print(f"runtime {runtime.name} ready at {runtime.path} (Python {manifest['python_version']}, "
                  f"{manifest['size_bytes'] / 1e6:.0f} MB, built in {manifest['build_seconds']:.0f} s)")


@runtimes_app.command("list")
def list_runtimes() -> None:
    """The runtimes this install knows, and whether each is built here."""
    from dabiwu.runtimes import available_runtimes, get_runtime
    from dabiwu.settings import get_settings

    settings = get_settings()
    for name in available_runtimes(settings):
        runtime = get_runtime(name, settings)
        mark = " (default)" if name == settings.default_runtime else ""
        console.print(f"{name}{mark}: {'built at ' + str(runtime.path) if runtime.built else 'not built'}")
