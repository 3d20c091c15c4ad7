"""Pydantic's field errors (a 422) as one sentence in English and one in Chinese.

FastAPI answers a request that fails validation with a list of `{loc, msg, type}`; people read neither the
list nor pydantic's English ("String should have at least 3 characters").  `describe` turns the list into
`detail` / `detail_zh` sentences that name the fields in plain words, and adds `msg_zh` to each item, which
stays in the answer's `errors` list for programs.
"""

from __future__ import annotations

import re
from typing import Any

MAX_NAMED = 5
_SOURCES = ("body", "query", "path", "header", "cookie")
_CHOICES = re.compile(r"^\^\(([\w\-]+(?:\|[\w\-]+)+)\)\$$")

# Field names as people say them; an unknown field is shown by its name.
FIELD_ZH = {
    "username": "用户名", "password": "密码", "role": "角色", "team": "队伍", "district": "区县",
    "display_name": "显示名称", "is_head_judge": "是否首席评委", "name": "名称", "name_zh": "中文名称",
    "name_en": "英文名称", "code": "代码", "expires_in_days": "有效天数", "file": "文件", "description": "说明",
    "reason": "理由", "comment": "评语", "scores": "评分", "team_id": "队伍编号", "is_final": "是否最终提交",
    "page": "页码", "page_size": "每页条数", "split": "榜单", "format": "格式", "status": "状态",
    "challenge": "赛题", "version": "版本", "registered_model": "模型名称", "lead_id": "线索编号",
    "outcome": "核查结果", "note": "备注", "override": "是否提前上架", "token_id": "令牌编号",
    "submission_id": "提交编号", "slug": "赛题代码", "grant_type": "授权类型", "client_id": "客户端编号",
    "rows": "线索行", "run_label": "运行标签", "url": "地址", "events": "事件类型", "active": "是否启用",
}


def _label(loc: list[Any]) -> tuple[str, str]:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if not parts:
        return "the request body", "请求正文"
    path = ".".join(parts)
    top = FIELD_ZH.get(parts[0])
    if top and len(parts) == 1:
        return path, f"{top}（{path}）"
    return path, f"字段 {path}"


def _phrase(error: dict) -> tuple[str, str]:
    kind, ctx, msg = error.get("type", ""), error.get("ctx") or {}, str(error.get("msg", ""))
    n = ctx.get("min_length", ctx.get("max_length"))
    if kind == "missing":
        return "is required", "必须填写"
    if kind == "string_too_short":
        return f"must have at least {n} characters", f"至少需要 {n} 个字符"
    if kind == "string_too_long":
        return f"must have at most {n} characters", f"最多只能有 {n} 个字符"
    if kind == "too_short":
        return f"must have at least {n} items", f"至少需要 {n} 项"
    if kind == "too_long":
        return f"must have at most {n} items", f"最多只能有 {n} 项"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number, e.g. 3", "必须是整数，例如 3"
    if kind in ("float_parsing", "float_type", "finite_number", "decimal_parsing"):
        return "must be a number, e.g. 0.5", "必须是数字，例如 0.5"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false", "必须是 true 或 false"
    if kind == "string_type":
        return "must be text", "必须是文本"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        choices = _CHOICES.match(pattern)
        if choices:
            listed = ", ".join(choices.group(1).split("|"))
            return f"must be one of: {listed}", f"必须是以下之一：{listed}"
        return (f"contains characters that are not allowed (it must match {pattern})",
                f"含有不允许的字符（须符合格式 {pattern}）")
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"must be one of: {expected}", f"必须是以下之一：{expected.replace(' or ', ', ')}"
    for key, en, zh in (("ge", "must be at least", "不能小于"), ("gt", "must be greater than", "必须大于"),
                        ("le", "must be at most", "不能大于"), ("lt", "must be less than", "必须小于")):
        if key in ctx and kind.startswith(("greater", "less")):
            return f"{en} {ctx[key]}", f"{zh} {ctx[key]}"
    if kind == "json_invalid":
        return ("is not valid JSON: check the quotes, commas and brackets",
                "不是有效的 JSON：请检查引号、逗号和括号")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be an object (a JSON mapping of names to values)", "必须是 JSON 对象（名称到取值的映射）"
    if kind in ("list_type", "tuple_type", "set_type"):
        return "must be a list", "必须是列表"
    if kind.startswith(("datetime", "date_", "time_")):
        return ("must be a date and time such as 2026-05-01T08:00:00+08:00",
                "必须是日期时间，例如 2026-05-01T08:00:00+08:00")
    if kind == "extra_forbidden":
        return "is not a field this endpoint takes: remove it", "不是此接口接受的字段，请删除"
    if kind == "uuid_parsing" or kind == "uuid_type":
        return "must be an id like the ones the API returns", "必须是接口返回的那种编号"
    if kind == "value_error" and "email" in msg.lower():
        return "is not a valid email address", "不是有效的电子邮件地址"
    if kind == "url_parsing" or kind == "url_type":
        return "must be a web address such as https://example.org", "必须是网址，例如 https://example.org"
    if kind == "bytes_too_long" or kind == "bytes_too_short":
        return msg.lower(), "长度不符合要求"
    text = msg.removeprefix("Value error, ")
    return f"is not valid ({text})", f"取值无效（{text}）"


def describe(errors: list[dict]) -> tuple[str, str, list[dict]]:
    """(detail, detail_zh, items): two sentences naming at most MAX_NAMED fields, and the items with msg_zh."""
    items, parts_en, parts_zh = [], [], []
    for error in errors:
        field_en, field_zh = _label(list(error.get("loc") or ()))
        en, zh = _phrase(error)
        items.append({"loc": list(error.get("loc") or ()), "msg": error.get("msg", ""), "type": error.get("type", ""),
                      "msg_zh": f"{field_zh}{zh}"})
        if len(parts_en) < MAX_NAMED:
            parts_en.append(f"{field_en} {en}")
            parts_zh.append(f"{field_zh}{zh}")
    more = len(errors) - len(parts_en)
    tail_en = f" (and {more} more)" if more > 0 else ""
    tail_zh = f"（另有 {more} 处）" if more > 0 else ""
    detail = f"The request was not accepted: {'; '.join(parts_en)}{tail_en}. Correct it and send it again."
    detail_zh = f"请求未被接受：{'；'.join(parts_zh)}{tail_zh}。请修改后重新提交。"
    return detail, detail_zh, items
