"""`dabiwu --help` and the team and district commands import only the client side.

Counted, not timed: the server side (SQLAlchemy, Alembic, argon2, FastAPI, MLflow, pandas) costs ~1 s of imports,
which a team's `dabiwu leaderboard` must not pay.  benchmarks/RESULTS.md has the start-up times.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SERVER_SIDE = ("sqlalchemy", "alembic", "argon2", "fastapi", "mlflow", "pandas", "pyarrow", "dabiwu.auth",
               "dabiwu.db", "dabiwu.bootstrap", "dabiwu.settings", "models_registry")

_PROBE = """
import json, sys
heavy = json.loads(sys.argv[2])
sys.argv = ["dabiwu", *json.loads(sys.argv[1])]
from dabiwu.cli import app
try:
    app()
except SystemExit:
    pass
print("\\nLOADED=" + json.dumps(sorted({m for m in sys.modules for h in heavy if m == h or m.startswith(h + ".")})))
"""


@pytest.mark.parametrize("args", [["--help"], ["leaderboard", "--help"], ["leaderboard", "some-challenge"],
                                  ["status", "abcd1234"], ["pull", "--help"], ["leads", "run", "--help"],
                                  ["leads", "list", "--help"], ["leads", "update", "--help"], ["leads", "push", "--help"],
                                  ["registry", "history", "--help"], ["notifications", "--help"]])
def test_client_commands_do_not_import_the_server_side(args, tmp_path):
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "MLFLOW_DISABLE_TELEMETRY": "true"}
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args), json.dumps(SERVER_SIDE)],
                          capture_output=True, text=True, env=env, timeout=120)
    loaded_line = [line for line in done.stdout.splitlines() if line.startswith("LOADED=")]
    assert loaded_line, done.stdout + done.stderr
    assert json.loads(loaded_line[-1][len("LOADED="):]) == [], f"`dabiwu {' '.join(args)}` imported server modules"


def test_the_probe_sees_server_imports(tmp_path):
    """The check above can fail: an admin command that needs the database does import it."""
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "MLFLOW_DISABLE_TELEMETRY": "true",
           "DABIWU_HOME": str(tmp_path / "var")}
    args = ["users", "create", "--username", "x", "--password", "p", "--role", "nobody"]
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args), json.dumps(SERVER_SIDE)],
                          capture_output=True, text=True, env=env, timeout=300)
    loaded = json.loads([line for line in done.stdout.splitlines() if line.startswith("LOADED=")][-1][7:])
    assert "sqlalchemy" in loaded
