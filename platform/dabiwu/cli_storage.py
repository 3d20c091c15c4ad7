"""`dabiwu storage report` and `dabiwu storage gc [--apply]`: what the object store holds, and the retention policy.

Every line a person reads is printed in English and in Chinese. gc is a dry run unless --apply is given; both
are recorded in the audit log (storage.gc_dry_run, storage.gc, storage.expire).
"""

from __future__ import annotations

import json

import typer

# Server-side modules are imported inside the commands: `dabiwu --help` must not pay for them.

storage_app = typer.Typer(help="Storage: bytes by challenge, team and kind; the retention policy (gc).",
                          no_args_is_help=True)


@storage_app.command("report")
def report(
    as_json: bool = typer.Option(False, "--json", help="one JSON document instead of lines"),
    predictions: bool = typer.Option(True, "--predictions/--no-predictions",
                                     help="size the kept predictions too (one object-store call each)"),
) -> None:
    """Bytes by challenge, team and kind (model files, pre-0007 archives, predictions)."""
    from dabiwu.bootstrap import prepare
    from dabiwu.db.session import session_scope
    from dabiwu.model_store.report import KIND_ZH, build, human
    from dabiwu.settings import get_settings
    from dabiwu.storage_access import store_for

    settings = get_settings()
    prepare(settings)
    with session_scope(settings.resolved_database_url) as session:
        result = build(session, store=store_for(settings), with_predictions=predictions).to_dict()
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    for row in result["rows"]:
        print(f"{row['challenge']}  {row['team']}  {row['kind']}: {human(row['bytes'])} ({row['objects']})"
              f" · {KIND_ZH[row['kind']]}：{human(row['bytes'])}（{row['objects']} 个）")
    print(f"model files stored once: {human(result['stored_model_bytes'])} in {result['distinct_files']} distinct files; "
          f"identical files saved {human(result['saved_by_dedup_bytes'])}; {result['expired_submissions']} submissions expired"
          f" · 模型文件去重后占用 {human(result['stored_model_bytes'])}（{result['distinct_files']} 个不同文件），"
          f"相同文件只存一次节省 {human(result['saved_by_dedup_bytes'])}；{result['expired_submissions']} 个提交的模型已过期删除")


@storage_app.command("gc")
def gc(
    apply: bool = typer.Option(False, "--apply", help="really expire and delete (default: a dry run that changes nothing)"),
    as_json: bool = typer.Option(False, "--json", help="one JSON document instead of lines"),
) -> None:
    """Apply the retention policy: expire model files not kept, then delete files nothing names any more."""
    from dabiwu.bootstrap import prepare
    from dabiwu.db.session import session_scope
    from dabiwu.model_store.gc import run
    from dabiwu.model_store.report import human
    from dabiwu.settings import get_settings
    from dabiwu.storage_access import store_for

    settings = get_settings()
    prepare(settings)
    with session_scope(settings.resolved_database_url) as session:
        result = run(session, store=store_for(settings), settings=settings, apply=apply).to_dict()
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    for plan in result["challenges"]:
        when = plan["expires_at"] or ("never" if plan["expire_after_days"] is None else "after finalize")
        when_zh = plan["expires_at"] or ("永不过期" if plan["expire_after_days"] is None else "定榜之后")
        print(f"{plan['slug']}: kept {plan['kept']}, expiring {plan['expiring']}, already expired "
              f"{plan['already_expired']}, not yet due {plan['not_yet_due']} (expiry: {when})"
              f" · 保留 {plan['kept']}，本次过期 {plan['expiring']}，已过期 {plan['already_expired']}，"
              f"未到期 {plan['not_yet_due']}（过期时间：{when_zh}）")
    verb, verb_zh = ("freed", "已释放") if apply else ("would free", "将释放")
    print(f"{verb} {human(result['bytes_freed'])}: {result['expired']} submissions expired, {result['trees']} trees, "
          f"{result['blobs']} files, {result['archives']} old archives"
          f" · {verb_zh} {human(result['bytes_freed'])}：{result['expired']} 个提交过期，{result['trees']} 个模型目录，"
          f"{result['blobs']} 个文件，{result['archives']} 个旧压缩包")
    if not apply:
        print("dry run: nothing was changed; run again with --apply to do it · 试运行：未做任何改动；加 --apply 才会执行")
