"""District commands: `dabiwu pull` and `dabiwu leads run`.

Both fetch models with the stock MLflow client, in a child process whose environment carries
MLFLOW_TRACKING_URI=<server>/mlflow and MLFLOW_TRACKING_TOKEN=<the stored token> (so this process's
environment is left alone), then verify the folder's checksum (models_registry.pulls.folder_sha256)
against the version's `model_sha256` tag.  `leads run` runs the model in the same sandbox the
platform scores with: a promoted model is still a team's code.

What these commands use of models_registry (the checksum, the download child, the `leads run` steps) is handed
in by cli.py as `DistrictTools`, loaded only when a command runs: `dabiwu --help` stays light, and the platform
imports models_registry only where the app and the CLI mount it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import typer

from dabiwu.cli_client import client, console, fail_on_error, load_credentials
from dabiwu.cli_leads import register_lead_queue_commands

TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx")
CACHE_MAX_FILES = 5000
CACHE_MAX_BYTES = 4096 * 1024 * 1024
REF_HELP = "NAME (its champion), NAME@champion or NAME/VERSION; NAME is the challenge slug"


@dataclass(frozen=True)
class DistrictTools:
    """The registry's district side, as the commands use it (models_registry.pulls and models_registry.leads)."""

    folder_sha256: Callable[[Path], str]  # the checksum a version's `model_sha256` tag holds
    pulls_module: str  # `python -m <this> URI OUT` downloads with the stock MLflow client
    read_table: Callable[..., Any]  # a district's .csv / .parquet / .xlsx as a frame
    fit_to_model: Callable[..., Any]  # the frame as the model's signature expects it
    score_in_sandbox: Callable[..., Any]  # the ranked lead list, scored in the sandbox
    write_table: Callable[..., None]
    leads_error: type[Exception]  # a refusal of `leads run`: its sentence, and `log_tail`


def register_registry_commands(app: typer.Typer, *, tools: Callable[[], DistrictTools]) -> None:
    """`tools` loads the registry's district side when a command runs (not at `--help`)."""
    leads = typer.Typer(help="Run a listed model on your own data; review its leads.", no_args_is_help=True)
    app.add_typer(leads, name="leads")
    register_lead_queue_commands(leads)

    @app.command()
    def pull(
        ref: str = typer.Argument(..., help=REF_HELP),
        out: Path = typer.Option(..., "--out", help="an empty or new folder for the model"),
    ) -> None:
        """Download a listed model with the stock MLflow client and verify its sha256."""
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            console.print(f"[red]{out} is not an empty folder: choose a new folder for the model.[/red]")
            raise typer.Exit(2)
        district = tools()
        result = fetch_model(model_uri(ref), out, pulls_module=district.pulls_module)
        checksum = verify(Path(result["path"]), result["tags"].get("model_sha256"), checksum=district.folder_sha256)
        remember(Path(result["path"]), name=result["name"], version=result["version"])
        console.print(f"pulled {result['name']} version {result['version']} ({result['tags'].get('team', '?')}) "
                      f"into {result['path']}")
        runtime = result["tags"].get("runtime")
        if runtime:
            print(f"scoring runtime {runtime} (run it with the same: dabiwu runtimes build {runtime})")
        print(f"sha256 {checksum} verified")

    @leads.command("run")
    def run_leads(
        ref: str = typer.Argument(..., help=REF_HELP),
        input_path: Path = typer.Option(..., "--input", exists=True, dir_okay=False, help=".csv, .parquet or .xlsx"),
        out: Path = typer.Option(..., "--out", help="the ranked lead list to write: .csv, .xlsx or .parquet"),
        cache: bool = typer.Option(True, "--cache/--no-cache", help="reuse a verified earlier download"),
    ) -> None:
        """Score local records with a listed model (in the sandbox) and write a ranked lead list."""
        district = tools()
        for path, option in ((input_path, "--input"), (out, "--out")):
            if path.suffix.lower() not in TABLE_SUFFIXES:
                console.print(f"[red]{option} {path.name}: use a .csv, .parquet or .xlsx file.[/red]")
                raise typer.Exit(2)
        with client() as http:
            version = resolve_version(http, ref)
            refuse_delisted_for_districts(http, version)
            challenge = fail_on_error(http.get(f"/challenges/{version['registered_model']}"))
        model_dir = cached_model(version, use_cache=cache, tools=district)
        try:
            frame = district.read_table(input_path, id_column=challenge.get("id_column") or None)
            features = district.fit_to_model(frame, model_dir=model_dir, challenge=challenge)
            from dabiwu.settings import get_settings

            runtime = version.get("runtime") or challenge.get("runtime") or None
            console.print(f"scoring runtime: {runtime or 'the default'}", markup=False, highlight=False)
            # the CLI is the edge that reads the environment; the sandbox gets these settings, not a global
            ranked = district.score_in_sandbox(features, model_dir=model_dir, challenge=challenge, runtime=runtime,
                                               settings=get_settings())
        except district.leads_error as exc:
            console.print(f"[red]{exc}[/red]")
            if exc.log_tail:
                console.print(exc.log_tail, markup=False, highlight=False)
            raise typer.Exit(1) from None
        # Every lead names the exact model that made it (history: GET /registry/models/NAME/history), and the
        # same columns go back with the outcomes (`model_version`, `model_sha256`), where the digest is checked.
        ranked["model"] = version["registered_model"]
        ranked["model_version"] = int(version["version"])
        ranked["model_sha256"] = version["model_sha256"]
        district.write_table(ranked, out)
        console.print(f"{len(ranked)} records scored with {version['registered_model']} version "
                      f"{version['version']}; ranked lead list written to {out}")
        print(f"model {version['registered_model']} version {version['version']} sha256 {version['model_sha256']} "
              "(in the lead list's model_version and model_sha256 columns)")


def model_uri(ref: str) -> str:
    return f"models:/{ref}" if ("@" in ref or "/" in ref) else f"models:/{ref}@champion"


def fetch_model(uri: str, out: Path, *, pulls_module: str) -> dict:
    creds = load_credentials()
    env = {**os.environ, "MLFLOW_TRACKING_URI": creds["url"].rstrip("/") + "/mlflow",
           "MLFLOW_TRACKING_TOKEN": creds["token"], "MLFLOW_DISABLE_TELEMETRY": "true"}
    done = subprocess.run(  # noqa: S603 - our own module in our own interpreter
        [sys.executable, "-m", pulls_module, uri, str(out)],
        env=env, capture_output=True, text=True, timeout=3600,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    if done.returncode != 0 or "error" in result:
        console.print(f"[red]Could not pull {uri}: {result.get('error')}[/red]")
        raise typer.Exit(1)
    return result


def verify(path: Path, expected: str | None, *, checksum: Callable[[Path], str]) -> str:
    if not expected:
        console.print(f"[red]The registry gives no model_sha256 for this version, so {path} cannot be verified; "
                      "ask the platform operator.[/red]")
        raise typer.Exit(1)
    actual = checksum(path)
    if actual != expected:
        console.print(f"[red]Checksum mismatch: the registry says {expected}, the download has {actual}. "
                      f"The files in {path} are not what was promoted: delete them and pull again.[/red]")
        raise typer.Exit(1)
    return actual


def resolve_version(http, ref: str) -> dict:
    """The registry's record of NAME[@champion] or NAME/VERSION (`champion` is the registry's alias)."""
    name, version = ref, None
    if "@" in ref:
        name, alias = ref.split("@", 1)
        if alias != "champion":
            console.print(f"[red]Unknown alias {alias!r}: the registry's alias is 'champion'; or give NAME/VERSION.[/red]")
            raise typer.Exit(2)
    elif "/" in ref:
        name, number = ref.split("/", 1)
        if not number.isdigit():
            console.print(f"[red]{number!r} is not a version number: use NAME/3.[/red]")
            raise typer.Exit(2)
        version = int(number)
    if version is None:
        models = fail_on_error(http.get("/registry/models"))
        match = next((m for m in models if m["registered_model"] == name), None)
        if match is None or match["champion_version"] is None:
            console.print(f"[red]{name} has no champion: no model is listed for it yet.[/red]")
            raise typer.Exit(1)
        version = match["champion_version"]
    return fail_on_error(http.get(f"/registry/models/{name}/versions/{version}"))


def refuse_delisted_for_districts(http, version: dict) -> None:
    """A delisted version is not run for a district, not even from a copy cached before it was delisted
    (the registry no longer serves it to districts either); judges and admins may still run it."""
    if version.get("listed", True):
        return
    role = fail_on_error(http.get("/auth/me")).get("role")
    if role in ("judge", "admin"):
        return
    name, number = version["registered_model"], version["version"]
    console.print(f"[red]{name} version {number} was delisted: it is no longer served to districts. "
                  f"Use the champion (`dabiwu leads run {name}`) or another listed version.[/red]")
    console.print(f"[red]{name} 第 {number} 版已下架，不再向区县院提供。请使用 champion"
                  f"（`dabiwu leads run {name}`）或其他已上架版本。[/red]")
    raise typer.Exit(1)


def cache_dir(name: str, version: int) -> Path:
    """~/.cache/dabiwu/models/<server>/<name>/<version>: verified folders, re-verified before each use."""
    server = urlsplit(load_credentials()["url"]).netloc.replace(":", "_")
    return Path(os.path.expanduser("~/.cache/dabiwu/models")) / server / name / str(version)


def remember(path: Path, *, name: str, version: int) -> None:
    """Keep a copy of a verified pull, so that `leads run` need not download it again."""
    target = cache_dir(name, version)
    if target.exists():
        return
    from dabiwu.submissions.tree_copy import TreeCopyRefused, copy_model_tree

    target.parent.mkdir(parents=True, exist_ok=True)
    try:  # regular files only, bounded: a downloaded folder is still a team's files
        copy_model_tree(path, target, max_files=CACHE_MAX_FILES, max_bytes=CACHE_MAX_BYTES, skip_names=frozenset())
    except TreeCopyRefused as exc:
        shutil.rmtree(target, ignore_errors=True)
        console.print(f"[yellow]Not cached: {exc.detail} / {exc.detail_zh}[/yellow]")


def cached_model(version: dict, *, use_cache: bool, tools: DistrictTools) -> Path:
    """The verified model folder of `version`, from the cache or pulled now."""
    target = cache_dir(version["registered_model"], version["version"])
    if use_cache and target.is_dir() and tools.folder_sha256(target) == version["model_sha256"]:
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    result = fetch_model(f"models:/{version['registered_model']}/{version['version']}", target,
                         pulls_module=tools.pulls_module)
    verify(Path(result["path"]), result["tags"].get("model_sha256"), checksum=tools.folder_sha256)
    return target
