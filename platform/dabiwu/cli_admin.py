"""Administration commands that work directly on the state folder (no server needed)."""

from __future__ import annotations


import typer
from rich.console import Console

from dabiwu.cli_challenges import challenges_app  # noqa: F401 - mounted by dabiwu.cli

# Server-side modules (SQLAlchemy, Alembic, argon2) are imported inside each command: `dabiwu --help` and the
# team and district commands must not pay for them (tests/e2e/test_cli_imports.py).

console = Console()
users_app = typer.Typer(help="Users and roles.", no_args_is_help=True)


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
