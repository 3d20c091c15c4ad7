"""Across processes: a real `dabiwu serve`, the stock MLflow client, and the district CLI.

The promoted model is seeded in-process (a scored submission, promoted through the API), then the
server is started in a subprocess on a free port over the same state folder, and everything else
talks to it over HTTP from other processes, as districts do.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

from registry_world import FEATURES, SLUG, lead_frame

# Only stock mlflow here: this is what a district's own Python does.
STOCK_CLIENT = textwrap.dedent("""
    import json, os, sys
    import mlflow, pandas as pd
    from mlflow import MlflowClient

    tokens = json.loads(sys.argv[1])
    leads = pd.read_csv(sys.argv[2], dtype={"case_id": str})
    out = {}

    os.environ.pop("MLFLOW_TRACKING_TOKEN", None)
    try:
        mlflow.pyfunc.load_model("models:/%(slug)s@champion")
        out["anonymous"] = "loaded"
    except Exception as exc:
        out["anonymous"] = str(exc)

    os.environ["MLFLOW_TRACKING_TOKEN"] = tokens["team"]
    try:
        MlflowClient().create_experiment("x")
        out["team_write"] = "created"
    except Exception as exc:
        out["team_write"] = str(exc)

    os.environ["MLFLOW_TRACKING_TOKEN"] = tokens["district"]
    model = mlflow.pyfunc.load_model("models:/%(slug)s@champion")
    out["predictions"] = model.predict(leads[%(features)r])[:, 1].tolist()
    print("RESULT " + json.dumps(out))
""") % {"slug": SLUG, "features": list(FEATURES)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def token_of(headers: dict) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def served(registry_client, world, tmp_path):
    """The promoted world, served by `dabiwu serve` in a subprocess; yields its base URL."""
    world.finalize()
    submission = world.submit("Team A", world.finder())
    promoted = registry_client.post(f"/api/v1/submissions/{submission}/promote", headers=world.headers["judge"],
                                    json={"reason": "best private score"})
    assert promoted.status_code == 200, promoted.text
    port = free_port()
    settings = world.settings
    env = {
        **os.environ,
        "DABIWU_HOME": str(settings.home_dir),
        "DABIWU_DATABASE_URL": settings.resolved_database_url,
        "DABIWU_STORAGE_URL": settings.resolved_storage_url,
        "DABIWU_MODE": "dev",
        "DABIWU_LOG_JSON": "false",
        "DABIWU_SANDBOX": "auto",
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "dabiwu.cli", "serve", "--no-workers", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not start in 180 s"
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_districts_pull_and_run_the_champion_with_stock_mlflow_and_the_cli(served, world, tmp_path):
    leads = lead_frame(30, seed=11).drop(columns=["is_lead"])
    leads_csv = tmp_path / "leads.csv"
    leads.to_csv(leads_csv, index=False)
    tokens = {"district": token_of(world.headers["district"]), "team": token_of(world.team("Team A"))}

    # 1. The stock client, in its own process: no token, a team's write, a district's load and predict.
    client_env = {**os.environ, "MLFLOW_TRACKING_URI": f"{served}/mlflow", "MLFLOW_DISABLE_TELEMETRY": "true"}
    done = subprocess.run([sys.executable, "-c", STOCK_CLIENT, json.dumps(tokens), str(leads_csv)],
                          env=client_env, capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert "UNAUTHENTICATED" in result["anonymous"] or "401" in result["anonymous"], result["anonymous"]
    assert "PERMISSION_DENIED" in result["team_write"] or "403" in result["team_write"], result["team_write"]
    stock_scores = dict(zip(leads["case_id"], result["predictions"]))
    assert len(stock_scores) == 30

    # 2. The district CLI: `dabiwu login` stores the token; here we write what it would store.
    home = tmp_path / "district-home"
    (home / ".config" / "dabiwu").mkdir(parents=True)
    (home / ".config" / "dabiwu" / "credentials.json").write_text(
        json.dumps({"url": served, "username": "zaoyang1", "token": tokens["district"]}))
    cli_env = {**os.environ, "HOME": str(home), "DABIWU_HOME": str(home / "var"), "MLFLOW_DISABLE_TELEMETRY": "true"}
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN"):
        cli_env.pop(name, None)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dabiwu.cli", *args], env=cli_env, capture_output=True,
                              text=True, timeout=300)

    pulled = cli("pull", SLUG, "--out", str(tmp_path / "pulled"))
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    detail = httpx.get(f"{served}/api/v1/registry/models/{SLUG}/versions/1",
                       headers=world.headers["district"]).json()
    assert f"sha256 {detail['model_sha256']} verified" in pulled.stdout
    assert f"scoring runtime {detail['runtime']}" in pulled.stdout  # the district runs it with the same
    assert (tmp_path / "pulled" / "MLmodel").is_file()

    ranked_path = tmp_path / "ranked.xlsx"
    ran = cli("leads", "run", f"{SLUG}@champion", "--input", str(leads_csv), "--out", str(ranked_path))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"scoring runtime: {detail['runtime']}" in ran.stdout
    ranked = pd.read_excel(ranked_path, dtype={"id": str})
    assert ranked["rank"].tolist() == list(range(1, 31))
    assert ranked["score"].is_monotonic_decreasing
    for lead_id, score in zip(ranked["id"], ranked["score"]):  # the sandbox ran the same model
        assert score == pytest.approx(stock_scores[lead_id], abs=1e-9)
    # Every lead names the exact model that made it, and the digest goes back with the outcomes and is checked.
    assert set(ranked["model_version"]) == {1} and set(ranked["model_sha256"]) == {detail["model_sha256"]}
    assert f"sha256 {detail['model_sha256']}" in ran.stdout
    back = [{"lead_id": str(ranked["id"][0]), "version": 1, "outcome": "confirmed",
             "model_sha256": ranked["model_sha256"][0]}]
    reported = httpx.post(f"{served}/api/v1/registry/{SLUG}/outcomes", headers=world.headers["district"], json=back)
    assert reported.status_code == 200 and reported.json()["inserted"] == 1, reported.text
    forged = httpx.post(f"{served}/api/v1/registry/{SLUG}/outcomes", headers=world.headers["district"],
                        json=[{**back[0], "model_sha256": "0" * 64}])
    assert forged.status_code == 422 and forged.json()["column"] == "model_sha256", forged.text

    # The downloads count as adoption: the stock client's load and the CLI's pull (`leads run` used
    # the verified copy the pull left in the cache).
    entry = next(m for m in httpx.get(f"{served}/api/v1/registry/models", headers=world.headers["judge"]).json()
                 if m["slug"] == SLUG)["listed"][0]
    assert entry["adoption"]["districts"] == ["zaoyang"] and entry["adoption"]["pulls"] == 2

    # The ranked list goes into the district's review queue; a lead is listed and moved from the CLI (issue #20).
    pushed = cli("leads", "push", str(ranked_path), "--model", f"{SLUG}/1", "--top", "10")
    assert pushed.returncode == 0 and "10 new leads" in pushed.stdout, pushed.stdout + pushed.stderr
    listed = cli("leads", "list", "--state", "new")
    assert listed.returncode == 0 and "10 leads (Beijing time)" in listed.stdout, listed.stdout + listed.stderr
    top = httpx.get(f"{served}/api/v1/leads", headers=world.headers["district"]).json()[0]
    assert top["entity_id"] == str(ranked["id"][0]) and top["versions"] == [1]
    moved = cli("leads", "update", top["id"], "--state", "verifying")
    assert moved.returncode == 0 and "核查中 (verifying)" in moved.stdout and "new → verifying" in moved.stdout, \
        moved.stdout + moved.stderr
    skipped = cli("leads", "update", top["id"], "--state", "rectified")
    assert skipped.returncode == 1 and "409" in skipped.stdout, skipped.stdout + skipped.stderr

    # 3. Once delisted, version 1 is not run for a district by number, not even from the verified copy
    #    the pull left in the cache, and it cannot be pulled again (issue #14, item 10).
    delisted = httpx.post(f"{served}/api/v1/registry/{SLUG}/versions/1/delist", headers=world.headers["admin"],
                          json={"reason": "a flaw was found"})
    assert delisted.status_code == 200, delisted.text
    ran = cli("leads", "run", f"{SLUG}/1", "--input", str(leads_csv), "--out", str(tmp_path / "again.csv"))
    assert ran.returncode != 0 and "delisted" in ran.stdout, ran.stdout + ran.stderr
    assert not (tmp_path / "again.csv").exists()
    pulled_again = cli("pull", f"{SLUG}/1", "--out", str(tmp_path / "pulled-again"))
    assert pulled_again.returncode != 0 and "RESOURCE_DOES_NOT_EXIST" in pulled_again.stdout, pulled_again.stdout

    # 4. The district that pulled it was told, and the history names who delisted it and why (Beijing time).
    told = cli("notifications", "--unread")
    assert told.returncode == 0 and "已下架" in told.stdout and "a flaw was found" in told.stdout, told.stdout
    history = cli("registry", "history", SLUG)
    assert history.returncode == 0, history.stdout + history.stderr
    assert "delisted (下架) v1 by admin1 — a flaw was found" in history.stdout, history.stdout
    assert "alias_moved (冠军变更) champion: v1 -> v-" in history.stdout
    back_then = cli("registry", "history", SLUG, "--at", "2099-01-01")
    assert "no version was the champion" in back_then.stdout, back_then.stdout
    promoted_at = httpx.get(f"{served}/api/v1/registry/models/{SLUG}/history", params={"kind": "alias_moved"},
                            headers=world.headers["district"]).json()[-1]["at"]  # the first move: to version 1
    from dabiwu.timefmt import to_beijing

    when = to_beijing(promoted_at).isoformat()
    then = cli("registry", "history", SLUG, "--at", when)
    assert "the champion was version 1" in then.stdout and detail["model_sha256"] in then.stdout, then.stdout
    assert to_beijing(promoted_at).strftime("%Y-%m-%d %H:%M:%S") in then.stdout
