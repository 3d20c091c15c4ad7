"""YAML from a team's model folder (MLmodel, python_env.yaml, conda.yaml), read without trusting it.

`yaml.safe_load` refuses Python objects but still expands aliases: a 704-byte MLmodel whose anchors
refer to anchors ("billion laughs") became 125 MB of JSON in a submission row. Here the bytes are
bounded before they are parsed, and the parser refuses any anchor or alias (files written by
mlflow's save_model hold none) and bounds nesting depth and the number of nodes, so the parsed value
is never larger than a small multiple of the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent

from dabiwu.submissions.errors import BilingualIntakeError

MAX_YAML_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000


class UntrustedYamlError(BilingualIntakeError):
    """A team's YAML file was refused (code `invalid_mlmodel` for MLmodel, `invalid_yaml` otherwise)."""


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases and stops past MAX_DEPTH / MAX_NODES."""

    def __init__(self, stream, *, name: str) -> None:
        super().__init__(stream)
        self._name = name
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, AliasEvent) or (
            isinstance(event, (ScalarEvent, CollectionStartEvent)) and event.anchor is not None
        ):
            raise _refusal(
                self._name,
                "uses YAML anchors or aliases (& or *), which the platform does not accept",
                "使用了 YAML 锚点或别名（& 或 *），平台不接受",
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _refusal(self._name, f"has more than {MAX_NODES} values", f"包含超过 {MAX_NODES} 个值")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _refusal(self._name, f"is nested more than {MAX_DEPTH} levels deep", f"嵌套超过 {MAX_DEPTH} 层")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _code(name: str) -> str:
    return "invalid_mlmodel" if name == "MLmodel" else "invalid_yaml"


def _refusal(name: str, why_en: str, why_zh: str) -> UntrustedYamlError:
    return UntrustedYamlError(
        _code(name),
        f"The model's {name} file {why_en}. Upload the {name} that mlflow's save_model wrote, unedited.",
        f"模型的 {name} 文件{why_zh}。请上传 mlflow 的 save_model 生成的原始 {name} 文件，不要手工修改。",
    )


def load_untrusted_yaml(path: Path, *, max_bytes: int = MAX_YAML_BYTES) -> Any:
    """The YAML value in `path`, read only up to `max_bytes`; UntrustedYamlError if it is refused.

    A file that is not valid YAML or not UTF-8 is refused too (same error type, its own sentence)."""
    path = Path(path)
    name = path.name
    with open(path, "rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _refusal(
            name, f"is larger than {max_bytes // 1024} KB, which no MLflow model needs", f"超过 {max_bytes // 1024} KB，任何 MLflow 模型都不需要这么大"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _refusal(name, "is not UTF-8 text", "不是 UTF-8 文本") from e
    loader = _BoundedLoader(text, name=name)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise _refusal(name, f"is not valid YAML ({first})", f"不是有效的 YAML（{first}）") from e
    except RecursionError as e:  # deep flow collections recurse in the parser, before compose_node
        raise _refusal(name, "is nested too deeply", "嵌套过深") from e
    finally:
        loader.dispose()
