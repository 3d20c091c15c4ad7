"""`dabiwu challenges …`: check (dry run), load, publish, withdraw and rescore challenge bundles.

They work directly on the state folder (no server needed), like the other administration commands.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
# Server-side modules (SQLAlchemy, Alembic) are imported inside the commands: `dabiwu --help` must not pay for them.

console = Console()
challenges_app = typer.Typer(help="Challenge bundles.", no_args_is_help=True)


def _print_problems(problems: list[str], problems_zh: list[str]) -> None:
    console.print(f"[red]The bundle has {len(problems)} problem(s); nothing was loaded. 挑战包有 {len(problems)} 个问题，未加载任何数据。[/red]")
    for number, (en, zh) in enumerate(zip(problems, problems_zh), start=1):
        console.print(f"{number}. {en}", markup=False, highlight=False)
        console.print(f"   {zh}", markup=False, highlight=False)


def _print_summary(summary: dict) -> None:
    from rich.table import Table

    console.print(f"[bold]{summary['slug']}[/bold] {summary['version']}: every check passed; nothing was stored. "
                  "所有检查均通过，未保存任何数据。")
    table = Table("set", "rows", "leads (label 1)", "rate")
    for name in ("train", "test", "public", "private"):
        part = summary[name]
        table.add_row(name, str(part["rows"]), str(part["positives"]), f"{part['rate']:.3f}")
    console.print(table)
    districts = Table("district", "train leads", "public leads", "private leads", "private rows")
    for name, part in summary["districts"].items():
        districts.add_row(name, str(part["train"]["positives"]), str(part["public"]["positives"]),
                          str(part["private"]["positives"]), str(part["private"]["rows"]))
    console.print(districts)
    baseline = summary.get("baseline")
    if baseline and baseline.get("error"):
        console.print(f"baseline: {baseline['error']}", markup=False)
    elif baseline:
        console.print(
            f"baseline.py: {baseline['metric']} {baseline['private']} on the private split (base rate "
            f"{baseline['base_rate']}); headroom to 1.0: {baseline['headroom']}; listing gate min_primary "
            f"{baseline['min_primary']} ({'above' if baseline['gate_margin'] > 0 else 'NOT above'} the baseline by "
            f"{baseline['gate_margin']:+.4f})", markup=False)
    for en, zh in zip(summary.get("warnings", []), summary.get("warnings_zh", [])):
        console.print(f"[yellow]warning:[/yellow] {en}", highlight=False)
        console.print(f"   {zh}", markup=False, highlight=False)


def _dry_run(path: Path, *, baseline: bool) -> None:
    from dabiwu.challenges.dryrun import check_bundle

    report = check_bundle(path, baseline=baseline)
    if not report.ok:
        _print_problems(report.problems, report.problems_zh)
        raise typer.Exit(2)
    _print_summary(report.summary)


@challenges_app.command("check")
def check(
    path: Path = typer.Argument(..., help="a bundle folder holding challenge.yaml"),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="train baseline.py and report its headroom"),
) -> None:
    """Dry run: every check a load runs, and a summary of the data; stores and publishes nothing.

    Exit 0 when the bundle is sound; 2 with one sentence per problem otherwise."""
    _dry_run(path, baseline=baseline)


@challenges_app.command("load")
def load(
    path: Path = typer.Argument(..., help="a bundle folder holding challenge.yaml"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check only (as `dabiwu challenges check`); store nothing"),
    draft: bool = typer.Option(False, "--draft", help="a new challenge stays hidden from teams until published"),
) -> None:
    """Load a challenge bundle (idempotent; a new bundle version adds a dataset version)."""
    from dabiwu.bootstrap import prepare
    from dabiwu.db.session import session_scope
    from dabiwu.settings import get_settings

    if dry_run:
        _dry_run(path, baseline=True)
        return
    from dabiwu.challenges.bundle import BundleError
    from dabiwu.challenges.service import load_challenge
    from dabiwu.storage_access import store_for

    settings = get_settings()
    prepare(settings)
    try:
        with session_scope(settings.resolved_database_url) as session:
            result = load_challenge(session, store=store_for(settings), path=path, draft=draft)
            slug, created, status = result.challenge.slug, result.created, result.challenge.status
            rows = (result.dataset.train_rows, result.dataset.test_rows)
    except BundleError as exc:
        _print_problems(exc.problems, exc.problems_zh)
        raise typer.Exit(2) from exc
    if created:
        console.print(f"loaded [bold]{slug}[/bold] ({status}): {rows[0]} train rows, {rows[1]} hidden test rows")
        if status == "draft":
            console.print(f"teams do not see it until `dabiwu challenges publish {slug}`")
    else:
        console.print(f"{slug}: this bundle version is already loaded; nothing to do")


def _move(slug: str, *, to: str, reason: str = "") -> None:
    from dabiwu.bootstrap import prepare
    from dabiwu.db.session import session_scope
    from dabiwu.settings import get_settings
    from dabiwu.challenges.lifecycle import move
    from dabiwu.challenges.service import get_challenge
    from dabiwu.errors import DabiwuError

    settings = get_settings()
    prepare(settings)
    try:
        with session_scope(settings.resolved_database_url) as session:
            challenge = get_challenge(session, slug=slug)
            if challenge is None:
                console.print(f"[red]No challenge '{slug}'. 没有赛题 '{slug}'。[/red]")
                raise typer.Exit(2)
            result = move(session, challenge=challenge, to=to, actor=None, reason=reason)
    except DabiwuError as exc:
        console.print(f"[red]{exc.detail}\n{exc.detail_zh}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"{slug}: {result.status}" + ("" if result.changed else " (unchanged)"))


@challenges_app.command("publish")
def publish(slug: str = typer.Argument(..., help="challenge slug")) -> None:
    """Show a draft or withdrawn challenge to everyone (audited)."""
    _move(slug, to="published")


@challenges_app.command("withdraw")
def withdraw(
    slug: str = typer.Argument(..., help="challenge slug"),
    reason: str = typer.Option(..., "--reason", help="why; kept in the audit log"),
) -> None:
    """Hide a challenge from teams and districts; submissions and scores are kept (audited)."""
    _move(slug, to="withdrawn", reason=reason)


@challenges_app.command("rescore")
def rescore(
    slug: str = typer.Argument(..., help="challenge slug"),
    current_dataset: bool = typer.Option(
        False, "--current-dataset",
        help="run every submission again on the challenge's current dataset version (after reloading a fixed bundle)"),
) -> None:
    """Rescore a challenge's submissions (from stored predictions; with --current-dataset, by queueing new runs)."""
    from sqlalchemy import select
    from dabiwu.bootstrap import prepare
    from dabiwu.db.session import session_scope
    from dabiwu.settings import get_settings
    from collections import Counter

    from dabiwu.challenges.service import get_challenge
    from dabiwu.db.models import Submission
    from dabiwu.scoring.rescore import rescore_submission
    from dabiwu.storage_access import store_for

    settings = get_settings()
    prepare(settings)
    outcomes: Counter[str] = Counter()
    with session_scope(settings.resolved_database_url) as session:
        challenge = get_challenge(session, slug=slug)
        if challenge is None:
            console.print(f"[red]No challenge '{slug}'. 没有赛题 '{slug}'。[/red]")
            raise typer.Exit(2)
        store = store_for(settings)
        for submission in session.scalars(select(Submission).where(Submission.challenge_id == challenge.id)).all():
            outcomes[rescore_submission(session, store=store, submission=submission, actor=None,
                                        to_current_dataset=current_dataset)] += 1
    console.print(f"{slug}: " + (", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())) or "no submissions"))
