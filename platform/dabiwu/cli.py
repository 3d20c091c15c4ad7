"""The `dabiwu` command line: server, workers, administration, and the team and district client."""

from __future__ import annotations

import typer

from dabiwu.cli_admin import challenges_app, users_app
from dabiwu.cli_client import register_client_commands
from dabiwu.cli_history import register_history_commands
from dabiwu.cli_registry import DistrictTools, register_registry_commands
from dabiwu.cli_runtimes import runtimes_app
from dabiwu.cli_server import register_server_commands
from dabiwu.cli_storage import storage_app


def district_tools() -> DistrictTools:
    """The registry's district side, imported when `pull` or `leads run` runs (`--help` stays light). The platform
    imports models_registry only here, in cli_server.py and in app.py, where it is mounted."""
    from models_registry import leads, pulls

    return DistrictTools(folder_sha256=pulls.folder_sha256, pulls_module=pulls.__name__, read_table=leads.read_table,
                         fit_to_model=leads.fit_to_model, score_in_sandbox=leads.score_in_sandbox,
                         write_table=leads.write_table, leads_error=leads.LeadsError)


app = typer.Typer(help="dabiwu 大比武: legal supervision model contests and registry.", no_args_is_help=True)
app.add_typer(challenges_app, name="challenges")
app.add_typer(users_app, name="users")
app.add_typer(runtimes_app, name="runtimes")
app.add_typer(storage_app, name="storage")
register_server_commands(app)
register_client_commands(app)
register_registry_commands(app, tools=district_tools)
register_history_commands(app)

if __name__ == "__main__":
    app()
