"""Administration commands that work directly on the state folder (no server needed)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

# Server-side modules (SQLAlchemy, Alembic, argon2) are imported inside each command: `dabiwu --help` and the
# team and district commands must not pay for them (tests/e2e/test_cli_imports.py).

console = Console()
challenges_app = typer.Typer(help="Challenge bundles.", no_args_is_help=True)
users_app = typer.Typer(help="Users and roles.", no_args_is_help=True)


@challenges_app.command("load")
def load(path: Path = typer.Argument(..., help="a bundle folder holding challenge.yaml")) -> None:
    """Load a challenge bundle (idempotent; a new bundle version adds a dataset version)."""
    from dabiwu.bootstrap import prepare
    from dabiwu.challenges.bundle import BundleError
    from dabiwu.challenges.service import load_challenge
    from dabiwu.db.session import session_scope
    from dabiwu.settings import get_settings
    from dabiwu.storage_access import store_for

    settings = get_settings()
    prepare(settings)
    try:
        with session_scope(settings.resolved_database_url) as session:
            result = load_challenge(session, store=store_for(settings), path=path)
            slug, created = result.challenge.slug, result.created
            rows = (result.dataset.train_rows, result.dataset.test_rows)
    except BundleError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if created:
        console.print(f"loaded [bold]{slug}[/bold]: {rows[0]} train rows, {rows[1]} hidden test rows")
    else:
        console.print(f"{slug}: this bundle version is already loaded; nothing to do")


@users_app.command("create")
def users_create(
    username: str = typer.Option(...),
    password: str = typer.Option(..., prompt=True, hide_input=True),
    role: str = typer.Option(..., help="admin | judge | team | district"),
    team: str | None = typer.Option(None, help="team name (created if new); for role team"),
    district: str | None = typer.Option(None, help="district code or name; for role district"),
    head_judge: bool = typer.Option(False, "--head-judge", help="for role judge: may finalize challenges"),
) -> None:
    """Create a user."""
    from dabiwu.auth.service import AccountError, create_user
    from dabiwu.bootstrap import prepare
    from dabiwu.db.session import session_scope
    from dabiwu.settings import get_settings

    settings = get_settings()
    prepare(settings)
    try:
        with session_scope(settings.resolved_database_url) as session:
            user = create_user(session, username=username, password=password, role=role, team=team, district=district,
                               is_head_judge=head_judge)
            console.print(f"created {user.role} [bold]{user.username}[/bold] (id {user.id})")
    except AccountError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
