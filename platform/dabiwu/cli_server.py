"""`dabiwu serve` and `dabiwu worker`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from dabiwu.bootstrap import prepare
from dabiwu.settings import Settings, get_settings

console = Console()
REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_CHALLENGES = REPO_ROOT / "challenges"


def _settings_with(**overrides) -> Settings:
    base = get_settings()
    values = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**{**base.model_dump(), **values}) if values else base


def register_server_commands(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str | None = typer.Option(None, help="bind address (DABIWU_HOST)"),
        port: int | None = typer.Option(None, help="port (DABIWU_PORT)"),
        demo: bool = typer.Option(False, "--demo/--no-demo", help="load bundled challenges and seed demo accounts"),
        workers: bool = typer.Option(True, "--workers/--no-workers", help="start local scoring workers"),
    ) -> None:
        """Migrate, (optionally) seed the demo, and serve the API, the registry and the web UI."""
        import uvicorn

        from dabiwu.app import create_app

        settings = _settings_with(host=host, port=port, mode="demo" if demo else None)
        prepare(settings)
        if demo:
            from dabiwu.demo import seed_demo

            accounts = seed_demo(settings, challenges_root=BUNDLED_CHALLENGES)
            _print_accounts(settings, accounts)
        # With Celery the executor is the broker client and the reaper, not workers: the api always needs it.
        app_instance = create_app(settings, start_workers=workers or settings.executor == "celery")
        if demo and workers:
            from dabiwu.demo_submissions import start_demo_activity

            start_demo_activity(settings, challenges_root=BUNDLED_CHALLENGES)
        uvicorn.run(app_instance, host=settings.host, port=settings.port, log_config=None, access_log=False)

    @app.command()
    def worker(
        concurrency: int = typer.Option(1, help="jobs this worker runs at once"),
    ) -> None:
        """A Celery scoring worker (DABIWU_EXECUTOR=celery, DABIWU_BROKER_URL)."""
        from dabiwu.executors.celery_worker import run_worker

        settings = get_settings()
        prepare(settings)
        run_worker(settings, concurrency=concurrency)


def _print_accounts(settings: Settings, accounts: list[tuple[str, str, str]]) -> None:
    console.print(f"\n[bold]dabiwu 大比武[/bold] demo at http://{settings.host}:{settings.port}/")
    console.print("demo accounts (username / password / role):")
    for username, password, role in accounts:
        console.print(f"  {username:<14} {password:<18} {role}")
    console.print("")
