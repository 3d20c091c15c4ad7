"""Every action the platform writes to the audit log reads as a sentence in the UI, in Chinese and in English.

The actions come from the code that records them (every `record(..., action=...)` call, read with `ast`), the
sentences from the UI's message files, so a new audited action without its two sentences fails here instead of
showing its raw key on the audit page."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*(ROOT / "platform" / "dabiwu").rglob("*.py"), *(ROOT / "models_registry").rglob("*.py")]


def _constants(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    raise AssertionError(f"an audited action must be a string literal (or a choice of them), not {ast.dump(node)}")


def recorded_actions() -> dict[str, str]:
    """action -> where it is recorded."""
    found: dict[str, str] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = getattr(node, "func", None) and getattr(node.func, "id", getattr(node.func, "attr", None))
            if not (isinstance(node, ast.Call) and name in ("record", "record_audit")):
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    for action in _constants(keyword.value):
                        found[action] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def sentences(locale: str) -> set[str]:
    text = (ROOT / "frontend" / "src" / "i18n" / f"{locale}.ts").read_text(encoding="utf-8")
    block = text[text.index("\n    audit: {\n"):]
    block = block[:block.index("\n    },")]
    return set(re.findall(r'^\s+"([a-z_]+\.[a-z_]+)":', block, flags=re.M))


def test_every_audited_action_has_a_sentence_in_both_languages():
    actions = recorded_actions()
    assert len(actions) >= 20, actions  # the walk finds the platform's audit calls
    for locale in ("zh", "en"):
        missing = {action: where for action, where in actions.items() if action not in sentences(locale)}
        assert not missing, f"audit actions without a sentence in frontend/src/i18n/{locale}.ts: {missing}"


def test_no_sentence_is_left_for_an_action_nothing_records():
    actions = recorded_actions()
    for locale in ("zh", "en"):
        assert sentences(locale) <= set(actions), sentences(locale) - set(actions)
