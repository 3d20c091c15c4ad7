"""The web UI's API types are generated from the app's OpenAPI document, and the committed copies are current.

`make api-types` writes frontend/openapi.json (python -m dabiwu.openapi_dump) and frontend/src/api/schema.d.ts
(openapi-typescript).  A schema change without a regeneration would let the UI compile against a stale API, so
this compares both committed files with what the current app generates, byte for byte.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dabiwu.openapi_dump import openapi_document, render
from tests.system_parts import check

REPO_ROOT = Path(__file__).resolve().parents[2]
FRONTEND = REPO_ROOT / "frontend"
OPENAPI = FRONTEND / "openapi.json"
GENERATED = FRONTEND / "src" / "api" / "schema.d.ts"
FIX = "run `make api-types` (then `make frontend`) and commit frontend/openapi.json, frontend/src/api/schema.d.ts and frontend_dist/"


@pytest.fixture(scope="module")
def document() -> dict:
    return openapi_document()


def test_committed_openapi_document_matches_the_app(document):
    assert OPENAPI.is_file(), f"frontend/openapi.json is missing: {FIX}"
    committed = OPENAPI.read_text(encoding="utf-8")
    if committed != render(document):
        ours, theirs = json.loads(committed), document
        paths = sorted(set(ours.get("paths", {})) ^ set(theirs.get("paths", {})))
        schemas = sorted(name for name in set(ours["components"]["schemas"]) | set(theirs["components"]["schemas"])
                         if ours["components"]["schemas"].get(name) != theirs["components"]["schemas"].get(name))
        pytest.fail(f"frontend/openapi.json is not the app's OpenAPI document; {FIX}.\n"
                    f"paths added or removed: {paths[:20]}\nschemas that differ: {schemas[:20]}")


def test_the_dump_is_deterministic(document):
    assert render(openapi_document()) == render(document)


def test_api_schemas_carry_no_untyped_rules(document):
    """The challenge's rules reach the UI typed: no free-form objects where challenge.yaml fixes the shape."""
    challenge = document["components"]["schemas"]["ChallengeOut"]["properties"]
    for name in ("supervision_point", "metric", "phases", "limits", "ranking", "promotion"):
        assert "$ref" in challenge[name], name
    for name in ("columns", "rubric"):
        assert "$ref" in challenge[name]["items"], name
    final = document["paths"]["/api/v1/challenges/{slug}/final-ranking"]["get"]["responses"]["200"]
    assert final["content"]["application/json"]["schema"]["items"] == {"$ref": "#/components/schemas/FinalRow"}


@pytest.mark.timeout(900)
def test_committed_typescript_matches_the_document(tmp_path: Path, document) -> None:
    npm, npx = shutil.which("npm"), shutil.which("npx")
    check("npm", None if npm and npx else "npm is not on PATH, so frontend/src/api/schema.d.ts cannot be checked")
    env = {**os.environ, "CI": "true", "NO_COLOR": "1", "npm_config_audit": "false", "npm_config_fund": "false"}
    if not (FRONTEND / "node_modules" / ".bin" / "openapi-typescript").exists():
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
    source, out = tmp_path / "openapi.json", tmp_path / "schema.d.ts"
    source.write_text(render(document), encoding="utf-8")
    done = subprocess.run([npx, "--no-install", "openapi-typescript", str(source), "--output", str(out)], cwd=FRONTEND,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"openapi-typescript failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert GENERATED.is_file(), f"frontend/src/api/schema.d.ts is missing: {FIX}"
    assert out.read_text(encoding="utf-8") == GENERATED.read_text(encoding="utf-8"), (
        f"frontend/src/api/schema.d.ts is not what the app's OpenAPI document generates; {FIX}")
