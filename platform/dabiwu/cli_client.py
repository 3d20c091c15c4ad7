"""Client commands for teams and districts: they talk to a dabiwu server over HTTP."""

from __future__ import annotations

import json
import os
import socket
import tarfile
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:  # httpx and rich.progress are imported where used: `dabiwu --help` must start fast
    import httpx
    from rich.progress import Progress

from dabiwu.timefmt import to_beijing

console = Console()
TERMINAL = ("scored", "failed", "rejected")
BOARD_PAGE_SIZE = 100
BOARD_ALL_PAGE_SIZE = 2000  # the server's largest page


def credentials_path() -> Path:
    return Path(os.path.expanduser("~/.config/dabiwu/credentials.json"))


def load_credentials() -> dict:
    path = credentials_path()
    if not path.is_file():
        console.print("[red]Not signed in: run `dabiwu login --url URL --username NAME` first.[/red]")
        raise typer.Exit(2)
    return json.loads(path.read_text())


def client() -> httpx.Client:
    import httpx

    creds = load_credentials()
    return httpx.Client(
        base_url=creds["url"].rstrip("/") + "/api/v1",
        headers={"Authorization": f"Bearer {creds['token']}"},
        timeout=httpx.Timeout(60.0, connect=10.0),
    )


def fail_on_error(response: httpx.Response) -> dict | list:
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail")
        except ValueError:
            detail = response.text
        console.print(f"[red]{response.status_code}: {detail}[/red]")
        raise typer.Exit(1)
    return response.json()


def register_client_commands(app: typer.Typer) -> None:
    @app.command()
    def login(
        url: str = typer.Option(..., help="the server, e.g. http://127.0.0.1:8000"),
        username: str = typer.Option(...),
        password: str = typer.Option(..., prompt=True, hide_input=True),
    ) -> None:
        """Sign in and store a long-lived, revocable API token for the other commands."""
        base = url.rstrip("/") + "/api/v1"
        import httpx

        with httpx.Client(timeout=30) as http:
            session_token = fail_on_error(http.post(f"{base}/auth/token", data={"username": username, "password": password}))
            headers = {"Authorization": f"Bearer {session_token['access_token']}"}
            created = fail_on_error(
                http.post(f"{base}/auth/api-tokens", json={"name": f"cli@{socket.gethostname()}"}, headers=headers)
            )
        path = credentials_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"url": url, "username": username, "token": created["token"]}))
        path.chmod(0o600)
        console.print(f"signed in as [bold]{username}[/bold]; token stored in {path}")

    @app.command()
    def submit(
        slug: str = typer.Argument(..., help="challenge slug"),
        model: str = typer.Argument(..., help="an MLflow model folder, an archive, or a runs:/ or models:/ URI"),
        description: str = typer.Option("", help="a note shown with the submission"),
        wait: bool = typer.Option(True, "--wait/--no-wait", help="follow the status until it is final"),
    ) -> None:
        """Upload a model (with a progress bar) and print the submission id."""
        with tempfile.TemporaryDirectory(prefix="dabiwu-submit-") as tmp:
            archive = pack_model(model, Path(tmp))
            with client() as http:
                result = upload_with_progress(http, slug=slug, archive=archive, description=description)
                console.print(f"submission [bold]{result['id']}[/bold] {result['status']}; "
                              f"{result['submissions_left_today']} left today")
                print(result["id"])
                if wait:
                    follow(http, result["id"])

    @app.command()
    def leaderboard(
        slug: str = typer.Argument(..., help="challenge slug"),
        private: bool = typer.Option(False, "--private", help="the private board (judges; everyone after finalize)"),
        show_all: bool = typer.Option(False, "--all", help="every row, not only the first page (top 100)"),
    ) -> None:
        """Print a challenge's board as a table (the top 100; --all for every row)."""
        split = "private" if private else "public"
        rows, total = [], 0
        with client() as http:
            page, page_size = 1, (BOARD_ALL_PAGE_SIZE if show_all else BOARD_PAGE_SIZE)
            while True:
                answer = http.get(f"/challenges/{slug}/leaderboard",
                                  params={"split": split, "page": page, "page_size": page_size})
                chunk = fail_on_error(answer)
                total = int(answer.headers.get("X-Total-Count", len(chunk)))
                rows.extend(chunk)
                if not show_all or not chunk or len(rows) >= total:
                    break
                page += 1
        print_board(rows, title=f"{slug} · {split}")
        if rows:
            more = "" if len(rows) >= total else " (--all for every row)"
            console.print(f"showing {len(rows)} of {total}{more}")

    @app.command()
    def status(submission_id: str = typer.Argument(..., help="the id, or its first 8+ characters as the web UI shows")) -> None:
        """Show a submission's status, scores and error (times in Beijing time)."""
        wanted = submission_id.strip().lower()
        with client() as http:
            if len(wanted) < 32:
                found = fail_on_error(http.get("/submissions", params={"id_prefix": wanted, "page_size": 5}))
                if not found:
                    console.print(f"[red]No submission of yours starts with '{wanted}'. Check the id (the web UI shows "
                                  f"its first 8 characters) / 没有以 '{wanted}' 开头的提交，请核对编号。[/red]")
                    raise typer.Exit(1)
                if len(found) > 1:
                    console.print(f"[red]'{wanted}' matches {len(found)} submissions; give more characters / "
                                  f"'{wanted}' 对应多个提交，请多输入几位：[/red]")
                    for row in found:
                        console.print(f"  {row['id']}  {beijing(row.get('created_at'))}  {row.get('status')}")
                    raise typer.Exit(1)
                wanted = found[0]["id"]
            show_submission(fail_on_error(http.get(f"/submissions/{wanted}")))


def pack_model(model: str, workdir: Path) -> Path:
    if model.startswith(("runs:/", "models:/")):
        import mlflow

        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=model, dst_path=str(workdir / "fetched")))
        source = local
    else:
        source = Path(model)
    if source.is_file():
        return source
    if not (source / "MLmodel").is_file():
        console.print(f"[red]{source} has no MLmodel file: point at the folder mlflow saved the model into.[/red]")
        raise typer.Exit(2)
    archive = workdir / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for item in sorted(source.rglob("*")):
            if "__pycache__" in item.parts:
                continue
            tar.add(item, arcname=str(item.relative_to(source)), recursive=False)
    return archive


class _ProgressReader:
    def __init__(self, handle, progress: Progress, task) -> None:
        self.handle, self.progress, self.task = handle, progress, task

    def read(self, size: int = -1) -> bytes:
        block = self.handle.read(size)
        self.progress.update(self.task, advance=len(block))
        return block


def upload_with_progress(http: httpx.Client, *, slug: str, archive: Path, description: str) -> dict:
    size = archive.stat().st_size
    import httpx
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    columns = (*Progress.get_default_columns()[:1], BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=console, transient=False) as progress, archive.open("rb") as handle:
        task = progress.add_task("uploading", total=size)
        reader = _ProgressReader(handle, progress, task)
        response = http.post(
            f"/challenges/{slug}/submissions",
            files={"file": (archive.name, reader, "application/octet-stream")},
            data={"description": description},
            timeout=httpx.Timeout(600.0, connect=10.0),
        )
    return fail_on_error(response)


def follow(http: httpx.Client, submission_id: str) -> None:
    last = None
    while True:
        body = fail_on_error(http.get(f"/submissions/{submission_id}"))
        if body["status"] != last:
            extra = f" (queue position {body['queue_position']})" if body.get("queue_position") else ""
            console.print(f"status: {body['status']}{extra}")
            last = body["status"]
        if body["status"] in TERMINAL:
            show_submission(body)
            if body["status"] != "scored":
                raise typer.Exit(1)
            return
        time.sleep(2)


def print_board(rows: list[dict], *, title: str) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in ("rank", "team", "score", "95% CI", "tied", "submissions", "last submission (Beijing)"):
        table.add_column(column)
    for row in rows:
        ci = f"{row['ci_low']:.4f}–{row['ci_high']:.4f}" if row.get("ci_low") is not None else ""
        table.add_row(str(row["rank"]), row["team"], f"{row['score']:.4f}", ci, "≈" if row.get("tied_with_leader") else "",
                      str(row.get("submissions", "")), beijing(row.get("last_submission_at")))
    if not rows:
        console.print("No scored submissions yet.")
        return
    console.print(table)


def beijing(value) -> str:
    """An API time (UTC, ISO 8601) as Beijing time, like the web UI: `2026-12-04 06:11:31`."""
    if not value:
        return ""
    return to_beijing(value).strftime("%Y-%m-%d %H:%M:%S")


def show_submission(body: dict) -> None:
    console.print(f"[bold]{body['id']}[/bold] {body['challenge']} · {body['team']} · {body['status']}")
    for label, key in (("submitted", "created_at"), ("scored", "scored_at")):
        if body.get(key):
            console.print(f"{label}: {beijing(body[key])} (Beijing time)")
    if body.get("public_score") is not None:
        console.print(f"public score: {body['public_score']:.4f}")
    if body.get("private_score") is not None:
        console.print(f"private score: {body['private_score']:.4f}")
    if body.get("error"):
        console.print(f"[red]{body.get('error_kind') or 'error'}: {body['error']}[/red]")
    if body.get("log_tail"):
        console.print(body["log_tail"], markup=False, highlight=False)
