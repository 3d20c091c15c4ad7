"""`dabiwu serve` and `dabiwu worker`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:  # imported inside the commands: `dabiwu --help` must not pay for the server side
    from dabiwu.settings import Settings

console = Console()
REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_CHALLENGES = REPO_ROOT / "challenges"

# asyncio's event loop, not uvloop: libuv (uvloop's core) accepts one new connection per loop iteration, so
# under load clients that connect wait in line for the busy loop; 50 new connections to a busy server waited
# up to 1.2 s for their first answer (benchmarks/RESULTS.md, the board's p99). asyncio accepts every pending
# connection at once, and answered as many requests per second here. httptools still parses HTTP.
HTTP_LOOP = "asyncio"
# uvicorn believes X-Forwarded-For from loopback unless told otherwise (FORWARDED_ALLOW_IPS), which let anyone on the
# machine pick the address the sign-in throttle counts. Every uvicorn.run below passes proxy_headers=False; the app
# believes the header only from DABIWU_TRUSTED_PROXIES (app.py).


def _settings_with(**overrides) -> Settings:
    from dabiwu.settings import Settings, get_settings

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
        web_workers: int | None = typer.Option(
            None, "--web-workers", min=1, help="HTTP server processes (DABIWU_WEB_WORKERS, default 1)"
        ),
    ) -> None:
        """Migrate, (optionally) seed the demo, and serve the API, the registry and the web UI."""
        import uvicorn

        from dabiwu.app import create_app
        from dabiwu.bootstrap import prepare
        from dabiwu.http_protocol import NoDelayHttpToolsProtocol
        from dabiwu.leaderboards.service import warm_boards

        from dabiwu.startup import StartupSteps, require_sandbox

        settings = _settings_with(host=host, port=port, mode="demo" if demo else None, web_workers=web_workers)
        if demo and settings.log_file is None:
            # The demo's console shows progress lines and problems; the full JSON log goes to a file.
            settings = _settings_with(host=host, port=port, mode="demo", web_workers=web_workers,
                                      log_file=settings.home_dir / "logs" / "dabiwu.log")
        steps = StartupSteps(console)
        # With Celery the executor is the broker client and the reaper, not workers: the api always needs it.
        start_workers = workers or settings.executor == "celery"
        if start_workers and settings.executor == "local":
            with steps.step("checking the sandbox / 检查沙箱"):
                require_sandbox(settings, console, demo=demo)
        with steps.step(f"preparing {settings.home_dir} (migrations) / 准备数据目录"):
            prepare(settings)
        _warn_if_runtime_missing(settings)
        if demo:
            from dabiwu.demo import seed_demo

            with steps.step("loading the bundled challenges and demo accounts / 加载赛题与演示账号"):
                accounts = seed_demo(settings, challenges_root=BUNDLED_CHALLENGES)
            _print_accounts(settings, accounts)
        if settings.web_workers > 1:
            if settings.executor == "celery":
                console.print("[red]--web-workers above 1 works with the local executor only for now: with Celery "
                              "each HTTP process would need its own broker client. Use one web worker.[/red]")
                raise typer.Exit(2)
            _serve_processes(settings, start_workers=start_workers, demo=demo and workers, steps=steps)
            return
        app_instance = create_app(settings, start_workers=start_workers, deliver_webhooks=True)
        warm_boards(settings.resolved_database_url)
        if demo and workers:
            from dabiwu.demo_submissions import start_demo_activity
            from models_registry.promotion import promote_and_commit

            start_demo_activity(settings, challenges_root=BUNDLED_CHALLENGES, promote=promote_and_commit,
                                report=steps.reporter())
        freeze_startup_objects()
        steps.say(f"serving at http://{settings.host}:{settings.port}/ (Ctrl+C stops) / 服务已启动")
        uvicorn.run(app_instance, host=settings.host, port=settings.port, log_config=None, access_log=False,
                    loop=HTTP_LOOP, http=NoDelayHttpToolsProtocol, proxy_headers=False)

    @app.command()
    def worker(
        concurrency: int = typer.Option(1, help="jobs this worker runs at once"),
    ) -> None:
        """A Celery scoring worker (DABIWU_EXECUTOR=celery, DABIWU_BROKER_URL)."""
        from dabiwu.bootstrap import prepare
        from dabiwu.executors.celery_worker import run_worker
        from dabiwu.settings import get_settings

        settings = get_settings()
        prepare(settings)
        run_worker(settings, concurrency=concurrency)


def _warn_if_runtime_missing(settings: Settings) -> None:
    """Uploads and scoring need the default scoring runtime; say so now rather than at the first upload."""
    from dabiwu.runtimes import get_runtime

    try:
        runtime = get_runtime(None, settings)
    except Exception as exc:  # noqa: BLE001 - an unknown default is reported the same way
        console.print(f"[yellow]{exc}[/yellow]")
        return
    if not runtime.built:
        console.print(f"[yellow]The scoring runtime {runtime.name} is not built on this machine: uploads will answer "
                      f"503 until it is. Build it once with `dabiwu runtimes build {runtime.name}` (or `make run`)."
                      "[/yellow]")


def _serve_processes(settings: Settings, *, start_workers: bool, demo: bool, steps=None) -> None:
    """Several uvicorn processes share the port; the scoring workers, the reaper and the demo
    activity run once, here in the parent, never once per HTTP process.

    Each HTTP process keeps its own caches (boards, tokens), login throttle and /metrics: a board is
    checked once per DABIWU_BOARD_CACHE_SECONDS by each process, and a revoked token is refused by
    every process within DABIWU_TOKEN_CACHE_SECONDS.
    """
    import os

    import uvicorn

    from dabiwu.http_protocol import NoDelayHttpToolsProtocol

    executor = None
    if start_workers:
        from dabiwu.executors.factory import start_executor

        executor = start_executor(settings)
    from dabiwu.db.session import get_sessionmaker
    from dabiwu.notifications.dispatcher import WebhookDispatcher

    # One dispatcher, here in the parent (claims make a second one harmless, but one is enough).
    dispatcher = WebhookDispatcher(get_sessionmaker(settings.resolved_database_url), settings).start()
    if demo:
        from dabiwu.demo_submissions import start_demo_activity
        from models_registry.promotion import promote_and_commit

        start_demo_activity(settings, challenges_root=BUNDLED_CHALLENGES, promote=promote_and_commit,
                            report=steps.reporter() if steps is not None else None)
    # The HTTP processes are spawned: they read their settings from the environment, so hand them
    # what the command line changed.
    os.environ.update({"DABIWU_HOST": settings.host, "DABIWU_PORT": str(settings.port), "DABIWU_MODE": settings.mode})
    if settings.log_file is not None:
        os.environ["DABIWU_LOG_FILE"] = str(settings.log_file)
    try:
        uvicorn.run("dabiwu.cli_server:web_process_app", factory=True, workers=settings.web_workers, loop=HTTP_LOOP,
                    http=NoDelayHttpToolsProtocol, host=settings.host, port=settings.port, log_config=None,
                    access_log=False, proxy_headers=False)
    finally:
        dispatcher.stop()
        if executor is not None:
            executor.shutdown()


def web_process_app():
    """The app of one HTTP process of `dabiwu serve --web-workers N` (N > 1)."""
    from dabiwu.app import create_app
    from dabiwu.leaderboards.service import warm_boards
    from dabiwu.settings import get_settings

    settings = get_settings()
    warm_boards(settings.resolved_database_url)  # each process has its own board cache
    # The local executor needs nothing from the HTTP processes: the database is its queue.
    app = create_app(settings, start_workers=False)
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Keep what start-up made (FastAPI, SQLAlchemy, MLflow's server: a few hundred thousand objects)
    out of the garbage collector's full passes: they live as long as the process, and walking them
    all stalled every request in flight for tens of milliseconds (the board's p99, benchmarks/RESULTS.md)."""
    import gc

    gc.collect()
    gc.freeze()


def _print_accounts(settings: Settings, accounts: list[tuple[str, str, str]]) -> None:
    console.print(f"\n[bold]dabiwu 大比武[/bold] demo at http://{settings.host}:{settings.port}/")
    console.print("demo accounts (username / password / role):")
    for username, password, role in accounts:
        console.print(f"  {username:<14} {password:<18} {role}")
    console.print("")
