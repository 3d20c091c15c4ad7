"""Print the app's OpenAPI document (what /api/v1/openapi.json answers) without a running server.

`make api-types` feeds it to openapi-typescript, which writes frontend/src/api/schema.d.ts: the web UI's API types
come from the server's own pydantic schemas, never by hand.  The output is deterministic (sorted keys, a throwaway
state folder, dev settings), so the generated file changes only when an API schema does;
tests/frontend/test_api_types.py fails when the committed file lags behind.

    python -m dabiwu.openapi_dump > frontend/openapi.json
"""

from __future__ import annotations

import json
import sys
import tempfile


def openapi_document() -> dict:
    """The document of an app built with default settings in a temporary state folder (nothing is served)."""
    from dabiwu.app import create_app
    from dabiwu.settings import Settings

    with tempfile.TemporaryDirectory(prefix="dabiwu-openapi-") as home:
        settings = Settings(_env_file=None, home=home, mode="dev", database_url=f"sqlite:///{home}/openapi.db")
        return create_app(settings).openapi()


def render(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    sys.stdout.write(render(openapi_document()))


if __name__ == "__main__":
    main()
