"""Serve frontend_dist/ at `/` with an SPA fallback; /api and /mlflow never fall back."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request

from dabiwu.errors import DabiwuError, no_such_endpoint
from fastapi.responses import FileResponse

REPO_ROOT = Path(__file__).resolve().parents[2]
DIST = REPO_ROOT / "frontend_dist"
RESERVED = ("api/", "mlflow/", "healthz", "readyz", "metrics")


def mount_frontend(app: FastAPI, dist: Path = DIST) -> None:
    dist = dist.resolve()

    @app.get("/{path:path}", include_in_schema=False)
    def frontend(path: str, request: Request) -> FileResponse:
        if path.startswith(RESERVED) or path in ("api", "mlflow"):
            raise no_such_endpoint(request.method, request.url.path)
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist):
            return FileResponse(candidate)
        index = dist / "index.html"
        if not index.is_file():
            raise DabiwuError("The web UI is not built: run `make frontend`.", "网页界面尚未构建：请运行 `make frontend`。",
                              code="ui_not_built", status=404)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
