"""The `dabiwu` command line: server, workers, administration, and the team and district client."""

from __future__ import annotations

import typer

from dabiwu.cli_admin import challenges_app, users_app
from dabiwu.cli_client import register_client_commands
from dabiwu.cli_history import register_history_commands
from dabiwu.cli_registry import register_registry_commands
from dabiwu.cli_runtimes import runtimes_app
from dabiwu.cli_server import register_server_commands

app = typer.Typer(help="dabiwu 大比武: legal supervision model contests and registry.", no_args_is_help=True)
app.add_typer(challenges_app, name="challenges")
app.add_typer(users_app, name="users")
app.add_typer(runtimes_app, name="runtimes")
register_server_commands(app)
register_client_commands(app)
register_registry_commands(app)
register_history_commands(app)

if __name__ == "__main__":
    app()
