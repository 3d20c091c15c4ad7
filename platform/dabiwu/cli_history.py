"""`dabiwu registry history SLUG [--at DATE]` and `dabiwu notifications`: client commands (no server imports).

Times are shown in Beijing time, like the rest of the CLI; `--at 2026-03-15` means the end of that day in
Beijing (the server reads a date that way too)."""

from __future__ import annotations

import typer

from dabiwu.cli_client import client, fail_on_error
from dabiwu.timefmt import to_beijing

KIND_ZH = {"promoted": "上架", "delisted": "下架", "alias_moved": "冠军变更", "gates_passed": "门槛通过",
           "gates_refused": "门槛未通过"}


def _when(value: str | None) -> str:
    return to_beijing(value).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _line(event: dict) -> str:
    kind = event["kind"]
    what = f"{kind} ({KIND_ZH.get(kind, kind)})"
    if kind == "alias_moved":
        what += f" {event['alias']}: v{event['previous_version'] or '-'} -> v{event['version'] or '-'}"
    elif event.get("version") is not None:
        what += f" v{event['version']}"
    if kind == "gates_refused":
        what += f" submission {str((event.get('detail') or {}).get('submission_id', ''))[:8]}"
    by = f" by {event['actor']}"
    reason = f" — {event['reason']}" if event.get("reason") and kind != "gates_refused" else ""
    return f"{_when(event['at'])}  {what}{by}{reason}"


def _lineage(event: dict) -> list[str]:
    return [
        f"  submission      {event.get('submission_id') or '-'} (team {event.get('team') or '-'})",
        f"  dataset version {event.get('dataset_version') or '-'} sha256 {event.get('dataset_sha256') or '-'}",
        f"  scorer version  {event.get('scorer_version') or '-'}",
        f"  runtime         {event.get('runtime') or '-'}",
        f"  model sha256    {event.get('model_sha256') or '-'}",
    ]


def register_history_commands(app: typer.Typer) -> None:
    registry = typer.Typer(help="The shared registry's records.", no_args_is_help=True)
    app.add_typer(registry, name="registry")

    @registry.command("history")
    def history(
        slug: str = typer.Argument(..., help="the registered model (the challenge slug)"),
        at: str = typer.Option(None, "--at", help="a date (its end, Beijing time) or an ISO time: who was champion "
                                                   "then, and the history up to then"),
        limit: int = typer.Option(50, "--limit", min=1, max=500, help="events to show, newest first"),
    ) -> None:
        """Alias moves, promotions, delistings and gate results of a model, newest first (Beijing time)."""
        params = {"page_size": limit, **({"at": at} if at else {})}
        with client() as http:
            if at:
                champion = fail_on_error(http.get(f"/registry/models/{slug}/champion", params={"at": at}))
                when = _when(champion["at"])
                if champion["version"] is None:
                    print(f"{slug}: no version was the champion at {when} (Beijing) / 该时刻无冠军版本")
                else:
                    print(f"{slug}: at {when} (Beijing) the champion was version {champion['version']}, "
                          f"since {_when(champion['since'])} / 该时刻冠军为第 {champion['version']} 版")
                    print("\n".join(_lineage(champion["event"])))
                print("")
            answer = http.get(f"/registry/models/{slug}/history", params=params)
            events = fail_on_error(answer)
        total = answer.headers.get("X-Total-Count", str(len(events)))
        print(f"history of {slug} ({len(events)} of {total} events, newest first, Beijing time):")
        for event in events:
            print(_line(event))

    @app.command("notifications")
    def notifications(
        unread: bool = typer.Option(False, "--unread", help="only unread ones"),
        read_all: bool = typer.Option(False, "--read-all", help="mark them all read after listing"),
        limit: int = typer.Option(20, "--limit", min=1, max=500),
    ) -> None:
        """Your notifications, newest first (Beijing time)."""
        with client() as http:
            answer = http.get("/notifications", params={"unread": unread, "page_size": limit})
            rows = fail_on_error(answer)
            print(f"{answer.headers.get('X-Unread-Count', '?')} unread / 未读")
            for row in rows:
                mark = " " if row["read_at"] else "*"
                print(f"{mark} {_when(row['created_at'])}  {row['title_zh']}")
                print(f"  {'':19}  {row['title']}")
            if read_all:
                done = fail_on_error(http.post("/notifications/read-all"))
                print(f"marked {done['changed']} read / 已标记为已读")
