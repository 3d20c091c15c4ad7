"""District commands for the lead review queue: `dabiwu leads push | list | update`.

Client side only (HTTP): nothing of the server is imported, and times are shown in Beijing time."""

from __future__ import annotations

from pathlib import Path

import typer

from dabiwu.cli_client import client, console, fail_on_error
from dabiwu.timefmt import to_beijing

PUSH_CHUNK = 5000  # the server's largest push (dabiwu.districts.schemas.MAX_PUSH_ROWS)
STATES = ("new", "verifying", "case_opened", "no_case", "supervision_document", "rectified")
STATE_ZH = {"new": "线索", "verifying": "核查中", "case_opened": "立案", "no_case": "不立案",
            "supervision_document": "监督文书", "rectified": "整改完毕"}


def read_ranked_list(path: Path):
    """The list `leads run` wrote (.csv, .xlsx or .parquet), ids as text.  Read here, not with models_registry's
    reader: the platform imports the registry only where the CLI mounts it (cli.py), and this is a plain table."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".xlsx":
        return pd.read_excel(path, dtype={"id": str, "key": str})
    if suffix != ".csv":
        console.print(f"[red]{path.name}: push a .csv, .xlsx or .parquet list, as `dabiwu leads run` writes.[/red]")
        raise typer.Exit(2)
    try:
        return pd.read_csv(path, dtype={"id": str, "key": str}, encoding="utf-8-sig")
    except UnicodeDecodeError:
        return pd.read_csv(path, dtype={"id": str, "key": str}, encoding="gb18030")  # Excel on Chinese Windows


def register_lead_queue_commands(leads: typer.Typer) -> None:
    @leads.command("push")
    def push(
        ranked: Path = typer.Argument(..., exists=True, dir_okay=False, help="the list `dabiwu leads run` wrote"),
        model: str = typer.Option(..., "--model", help="NAME/VERSION that produced the list, e.g. drunk-driving/3"),
        top: int = typer.Option(100, "--top", min=1, help="push the N best-ranked rows (your review capacity)"),
        run_label: str = typer.Option("", "--run-label", help="names this run (default: the file's name)"),
    ) -> None:
        """Put the top of a ranked lead list into your district's review queue (one lead per entity)."""
        name, _, number = model.partition("/")
        if not number.isdigit():
            console.print(f"[red]--model {model}: give NAME/VERSION, e.g. {name or 'drunk-driving'}/3.[/red]")
            raise typer.Exit(2)
        frame = read_ranked_list(ranked)
        missing = [column for column in ("id", "score") if column not in frame.columns]
        if missing:
            console.print(f"[red]{ranked.name} has no column {', '.join(missing)}: push the list "
                          "`dabiwu leads run` wrote (columns id, score, rank).[/red]")
            raise typer.Exit(2)
        frame = frame.sort_values("score", ascending=False, kind="stable").head(top)
        rows = [{"id": str(row["id"]), "score": float(row["score"]),
                 "rank": int(row["rank"]) if "rank" in frame.columns else None,
                 **({"key": str(row["key"])} if "key" in frame.columns else {})}
                for row in frame.to_dict("records")]
        totals = {"received": 0, "new_leads": 0, "merged": 0, "already_pushed": 0}
        with client() as http:
            for start in range(0, len(rows), PUSH_CHUNK):
                answer = fail_on_error(http.post("/leads/push", json={
                    "challenge": name, "version": int(number), "run_label": run_label or ranked.stem,
                    "rows": rows[start:start + PUSH_CHUNK]}))
                for key in totals:
                    totals[key] += answer[key]
        console.print(f"{totals['received']} rows pushed: {totals['new_leads']} new leads, {totals['merged']} "
                      f"joined leads already in the queue, {totals['already_pushed']} were pushed before.")
        console.print(f"已推送 {totals['received']} 行：新线索 {totals['new_leads']} 条，并入已有线索 "
                      f"{totals['merged']} 条，此前已推送 {totals['already_pushed']} 条。")

    @leads.command("list")
    def list_leads(
        state: str = typer.Option("", "--state", help=f"one of {', '.join(STATES)} (or several, comma-separated)"),
        assignee: str = typer.Option("", "--assignee", help="me, none or a user id"),
        challenge: str = typer.Option("", "--challenge"),
        version: int = typer.Option(0, "--version", help="leads flagged by this model version"),
        sort: str = typer.Option("-score", "--sort", help="-score, score, -updated or updated"),
        page: int = typer.Option(1, "--page", min=1),
        page_size: int = typer.Option(50, "--page-size", min=1, max=500),
    ) -> None:
        """Your district's leads, best score first."""
        params = {key: value for key, value in (("state", state), ("assignee", assignee), ("challenge", challenge),
                                                 ("version", version or None), ("sort", sort), ("page", page),
                                                 ("page_size", page_size)) if value}
        with client() as http:
            answer = http.get("/leads", params=params)
            leads = fail_on_error(answer)
        from rich.table import Table

        table = Table(title=f"{answer.headers.get('X-Total-Count', len(leads))} leads (Beijing time)")
        for column in ("id", "challenge", "entity", "score", "state", "assignee", "versions", "changed"):
            table.add_column(column)
        for lead in leads:
            table.add_row(lead["id"], lead["challenge"], lead["merge_key"], f"{lead['best_score']:.4f}",
                          f"{STATE_ZH[lead['state']]} {lead['state']}", lead["assignee"] or "-",
                          ",".join(map(str, lead["versions"])),
                          to_beijing(lead["state_changed_at"]).strftime("%Y-%m-%d %H:%M"))
        console.print(table)

    @leads.command("update")
    def update(
        lead_id: str = typer.Argument(..., help="the lead's id (from `dabiwu leads list`)"),
        state: str = typer.Option("", "--state", help=f"the next state: {', '.join(STATES)}"),
        reason: str = typer.Option("", "--reason", help="required for no_case (不立案理由)"),
        assignee: int = typer.Option(0, "--assignee", help="assign to this user id of your district"),
    ) -> None:
        """Move a lead to its next state (and/or assign it); each move is kept in its history."""
        if not state and not assignee:
            console.print("[red]Give --state and/or --assignee.[/red]")
            raise typer.Exit(2)
        with client() as http:
            if assignee:
                fail_on_error(http.post(f"/leads/{lead_id}/assign", json={"assignee_id": assignee}))
            if state:
                fail_on_error(http.post(f"/leads/{lead_id}/transition",
                                        json={"state": state, "reason": reason or None}))
            lead = fail_on_error(http.get(f"/leads/{lead_id}"))
        console.print(f"{lead['merge_key']}: {STATE_ZH[lead['state']]} ({lead['state']}), "
                      f"assignee {lead['assignee'] or '-'}")
        for event in lead["history"]:
            when = to_beijing(event["at"]).strftime("%Y-%m-%d %H:%M")
            move = (f"{event['from_state']} → {event['to_state']}" if event["kind"] == "state"
                    else f"assigned to {event['assignee'] or '-'}")
            console.print(f"  {when}  {event['actor'] or '-'}  {move}  {event['note']}", markup=False,
                          highlight=False)
