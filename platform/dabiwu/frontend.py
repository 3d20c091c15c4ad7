"""Serve frontend_dist/ at `/` with an SPA fallback; /api and /mlflow never fall back."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

REPO_ROOT = Path(__file__).resolve().parents[2]
DIST = REPO_ROOT / "frontend_dist"
RESERVED = ("api/", "mlflow/", "healthz", "readyz", "metrics")


def mount_frontend(app: FastAPI, dist: Path = DIST) -> None:
    dist = dist.resolve()

    @app.get("/{path:path}", include_in_schema=False)
    def frontend(path: str) -> FileResponse:
        if path.startswith(RESERVED) or path in ("api", "mlflow"):
            raise HTTPException(404)
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist):
            return FileResponse(candidate)
        index = dist / "index.html"
        if not index.is_file():
            raise HTTPException(404, "The web UI is not built: run `make frontend`.")
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
