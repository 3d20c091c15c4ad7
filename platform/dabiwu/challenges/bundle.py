"""Challenge bundles: a folder with challenge.yaml, generate.py, baseline.py and README.md.

`load_bundle` checks everything a bundle promises before the platform trusts it: the YAML parses,
the spec fits challenge.schema.json and is consistent with itself, and generate.py really produces
the columns the data dictionary lists, with the declared types, deterministically.  Each problem is
reported as a sentence naming the file, the field and the fix.

The challenges folder is not a Python package: generate.py is loaded by its file path.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import yaml

from dabiwu.challenges.rules import ChallengeRules, RulesInvalid, parse_rules
from dabiwu.challenges.validation import Problem, check_frame
from dabiwu.errors import DabiwuError

REQUIRED_FILES = ("challenge.yaml", "generate.py", "baseline.py", "README.md")
SCHEMA_PATH = Path(__file__).with_name("challenge.schema.json")
SCHEMA_NAME = "platform/dabiwu/challenges/challenge.schema.json"
PROBE_ROWS, PROBE_SEED = 50, 0


class BundleError(DabiwuError, ValueError):
    """A bundle the platform cannot use.  `problems` holds one sentence per problem found, `problems_zh`
    the same in Chinese.  Answered as 422 `bundle_invalid` with both lists."""

    status = 422
    code = "bundle_invalid"

    def __init__(self, problems: "str | list[str] | list[Problem]", problems_zh: list[str] | None = None):
        items = [problems] if isinstance(problems, (str, Problem)) else list(problems)
        self.problems = [p.en if isinstance(p, Problem) else p for p in items]
        if problems_zh is None:
            problems_zh = [p.zh if isinstance(p, Problem) else _zh_fallback(p) for p in items]
        self.problems_zh = list(problems_zh)
        super().__init__("\n".join(self.problems), "\n".join(self.problems_zh),
                         extra={"problems": self.problems, "problems_zh": self.problems_zh})

    def __str__(self) -> str:
        return "\n".join(self.problems)

    def relative_to(self, folder: Path) -> "BundleError":
        """The same problems without the server's own path (the browser needs the bundle folder only)."""
        prefix = str(folder) + "/"
        return BundleError([p.replace(prefix, "") for p in self.problems], [p.replace(prefix, "") for p in self.problems_zh])


def _zh_fallback(sentence: str) -> str:
    """The schema checker's sentences quote field names and values; their Chinese keeps the English detail."""
    return f"挑战包有误，请按以下说明修改：{sentence}"


@dataclass(frozen=True)
class Bundle:
    path: Path
    # challenge.yaml as written: what is stored (Challenge.spec).  Code reads `rules`, its typed twin.
    spec: dict[str, Any]
    rules: ChallengeRules
    readme: str
    generate: Callable[[int, int], pd.DataFrame] = field(repr=False)

    @property
    def slug(self) -> str:
        return self.rules.slug

    @property
    def version(self) -> str:
        return self.rules.version

    @property
    def id_column(self) -> str:
        return self.rules.id_column

    @property
    def group_column(self) -> str:
        return self.rules.group_column

    @property
    def label_column(self) -> str:
        return self.rules.label_column

    @property
    def feature_columns(self) -> list[str]:
        """What a model is given: every column but the id and the label (the district included)."""
        return self.rules.feature_columns

    def data_dictionary(self) -> pd.DataFrame:
        return pd.DataFrame([{"name": c.name, "type": c.type, "role": c.role, "zh": c.zh, "en": c.en} for c in self.rules.columns])


# --- YAML ------------------------------------------------------------------------------------


class _SpecLoader(yaml.SafeLoader):
    """Safe YAML that keeps date-times as the strings written (the spec is stored as JSON) and
    refuses duplicate keys, which plain YAML silently resolves to the last one."""


_SpecLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mapping_without_duplicates(loader: _SpecLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key '{key}' appears twice in one mapping", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_SpecLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SpecLoader)  # noqa: S506 - a SafeLoader
    except UnicodeDecodeError as exc:
        raise BundleError(Problem(f"{path}: the file is not UTF-8 ({exc.reason}). Save it as UTF-8.",
                                  f"{path}：文件不是 UTF-8 编码（{exc.reason}）。请以 UTF-8 保存。")) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = getattr(exc, "problem", None) or str(exc)
        raise BundleError(
            f"{path}: {where}: the YAML does not parse ({problem}). Fix the syntax there: check the "
            "indentation, a missing ':' or an unquoted value that contains ': ' or '#'."
        ) from exc


# --- schema ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _field(path: list) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


_JSON_TYPES = {"string": "text", "integer": "whole number", "number": "number", "object": "mapping", "array": "list", "boolean": "true/false"}


def _type_name(value: Any) -> str:
    names = {str: "text", bool: "true/false", int: "whole number", float: "number", dict: "mapping", list: "list", type(None): "empty value"}
    return names.get(type(value), type(value).__name__)


def _schema_problem(error: jsonschema.ValidationError, file: Path) -> str:
    path, kind, schema, value = list(error.absolute_path), error.validator, error.schema, error.instance
    hint = schema.get("description")
    if kind == "required":
        missing = next(k for k in error.validator_value if k not in value)
        where = f" under '{_field(path)}'" if path else ""
        wanted = error.schema.get("properties", {}).get(missing, {})
        about = wanted.get("description") or _validator().schema["$defs"].get(wanted.get("$ref", "").split("/")[-1], {}).get("description")
        return f"{file}: field '{_field(path + [missing])}' is missing. Add it{where}" + (f": {about}." if about else ".")
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(k for k in value if k not in allowed)
        return (
            f"{file}: field '{_field(path + [extra[0]])}' is not a known field. Remove it or fix its spelling; "
            f"the fields allowed here are: {', '.join(allowed)}."
        )
    if kind == "enum":
        options = ", ".join(repr(o) for o in error.validator_value)
        return f"{file}: field '{_field(path)}': {value!r} is not one of [{options}]. Use one of {options}."
    if kind == "type":
        expected = error.validator_value if isinstance(error.validator_value, str) else error.validator_value[0]
        name = _JSON_TYPES.get(expected, expected)
        return f"{file}: field '{_field(path)}': {value!r} is a {_type_name(value)}, not a {name}. Write a {name} here."
    if kind == "pattern":
        return f"{file}: field '{_field(path)}': {value!r} is not in the right form. Write {hint or 'a value matching ' + error.validator_value}."
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "uniqueItems"):
        return f"{file}: field '{_field(path)}': {error.message}. Change the value so that it fits" + (f" ({hint})." if hint else ".")
    return f"{file}: field '{_field(path)}': {error.message}. See {SCHEMA_NAME} for what the field takes."


def _check_schema(spec: Any, file: Path) -> None:
    if not isinstance(spec, dict):
        raise BundleError(f"{file}: the file holds a {_type_name(spec)}, not a mapping of fields. Start from another bundle's challenge.yaml.")
    errors = sorted(_validator().iter_errors(spec), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        raise BundleError([_schema_problem(e, file) for e in errors])


def _check_consistency(rules: ChallengeRules, file: Path) -> None:
    """What the schema cannot say: the key columns exist with their roles, the dates are in order, weights add up."""
    problems = []
    columns = rules.columns
    names = rules.column_names
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{file}: field 'columns': the column '{name}' is listed twice. List each column once.")
    for key, role in (("id_column", "id"), ("group_column", "group"), ("label_column", "label")):
        value = getattr(rules, key)
        if value not in names:
            problems.append(f"{file}: field '{key}': '{value}' is not in 'columns'. Add it to 'columns' or name one of: {', '.join(names)}.")
            continue
        index = names.index(value)
        if columns[index].role != role:
            problems.append(f"{file}: field 'columns[{index}].role': the {key} '{value}' must have role: {role}. Add role: {role} to it.")
        others = [c.name for c in columns if c.role == role and c.name != value]
        if others:
            problems.append(f"{file}: field 'columns': {', '.join(others)} also have role: {role}, but only '{value}' ({key}) may. Remove the role from them.")
    for index, column in enumerate(columns):
        if not column.nullable:
            continue
        if column.name in rules.key_columns:
            role = column.role if column.role != "feature" else "key"
            problems.append(f"{file}: field 'columns[{index}].nullable': the {role} column '{column.name}' "
                            "may never have missing values. Remove nullable: true.")
        elif column.type in ("int", "bool"):
            problems.append(f"{file}: field 'columns[{index}].nullable': an {column.type} column cannot hold missing values "
                            f"(pandas turns it into float or object). Declare '{column.name}' type: float, or fill the gaps and remove nullable: true.")
    label_index = names.index(rules.label_column) if rules.label_column in names else None
    if label_index is not None and columns[label_index].type not in ("int", "bool"):
        problems.append(f"{file}: field 'columns[{label_index}].type': the label must be int (0/1). Set type: int.")
    phases = rules.phases
    if not phases.open_at < phases.close_at:
        problems.append(f"{file}: field 'phases.close': the contest closes before it opens. Make 'close' later than 'open'.")
    elif not phases.open_at <= phases.merger_deadline_at <= phases.close_at:
        problems.append(f"{file}: field 'phases.merger_deadline': it is outside the contest. Put it between 'open' and 'close'.")
    weights = rules.ranking.metric_weight + rules.ranking.rubric_weight
    if abs(weights - 1) > 1e-6:
        problems.append(f"{file}: field 'ranking': metric_weight + rubric_weight is {weights:g}. Make them add up to 1.")
    total = sum(item.weight for item in rules.rubric)
    if abs(total - 1) > 1e-6:
        problems.append(f"{file}: field 'rubric': the weights add up to {total:g}. Make them add up to 1.")
    keys = [item.key for item in rules.rubric]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(f"{file}: field 'rubric': the key '{key}' is listed twice. Give each criterion its own key.")
    if problems:
        raise BundleError(problems)


# --- generator -------------------------------------------------------------------------------


def _load_generate(path: Path) -> Callable[[int, int], pd.DataFrame]:
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"dabiwu_bundle_{digest}_generate"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise BundleError(f"{path}: Python cannot load this file. Make it a plain .py module.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look a module up by name
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise BundleError(
            f"{path}: importing it failed with {type(exc).__name__}: {exc}. Run `python {path}` to see the traceback and fix it."
        ) from exc
    generate = getattr(module, "generate", None)
    if not callable(generate):
        raise BundleError(Problem(f"{path}: it defines no function generate(n_rows, seed). Add one that returns a pandas DataFrame.",
                                 f"{path}：其中没有 generate(n_rows, seed) 函数。请添加一个返回 pandas DataFrame 的函数。"))
    return generate


def call_generate(generate: Callable, n_rows: int, seed: int, *, file: Path) -> tuple[Any, list[Problem]]:
    """generate(n_rows, seed), with a failure turned into a sentence (never a traceback)."""
    try:
        return generate(n_rows, seed), []
    except MemoryError:
        return None, [Problem(
            f"{file}: generate({n_rows}, {seed}) ran out of memory. Generate the rows in chunks, use smaller dtypes "
            "(float32, category), or lower data.train_rows / data.test_rows.",
            f"{file}：generate({n_rows}, {seed}) 内存不足。请分块生成、使用更小的数据类型（float32、category），"
            "或减小 data.train_rows / data.test_rows。")]
    except Exception as exc:  # noqa: BLE001 - the organiser's code: any failure is a problem to report
        detail = f"{type(exc).__name__}: {str(exc)[:300].rstrip('.')}"
        return None, [Problem(
            f"{file}: generate({n_rows}, {seed}) raised {detail}. Call it by hand with these arguments to see the "
            "traceback and fix it.",
            f"{file}：generate({n_rows}, {seed}) 抛出了 {detail}。请用这两个参数手动调用它，查看报错并修正。")]


def _check_generated(generate: Callable, rules: ChallengeRules, file: Path, yaml_file: Path) -> None:
    """A quick probe on a few rows (the full sets are checked by `dataset.prepare_data` before loading)."""
    frame, problems = call_generate(generate, PROBE_ROWS, PROBE_SEED, file=file)
    if frame is None:
        raise BundleError(problems)
    call = f"generate({PROBE_ROWS}, {PROBE_SEED})"
    problems = check_frame(frame, rules=rules, n_rows=PROBE_ROWS, call=call, yaml_file=str(yaml_file), generate_file=str(file))
    if problems:
        raise BundleError(problems)
    again, problems = call_generate(generate, PROBE_ROWS, PROBE_SEED, file=file)
    if problems or not frame.equals(again):
        raise BundleError(Problem(
            f"{file}: {call} gave different data on a second call. Draw all randomness from the seed.",
            f"{file}：{call} 第二次调用得到的数据不同。所有随机性都应来自 seed 参数。"))


# --- entry point -----------------------------------------------------------------------------


def load_bundle(path: str | Path) -> Bundle:
    """Load and check a bundle folder; raises BundleError with every problem it finds."""
    root = Path(path)
    if not root.is_dir():
        raise BundleError(Problem(
            f"{root}: no such bundle folder. Pass the folder that holds challenge.yaml, e.g. challenges/medical-insurance-recovery.",
            f"{root}：没有这个挑战包文件夹。请给出包含 challenge.yaml 的文件夹，例如 challenges/medical-insurance-recovery。"))
    absent = [name for name in REQUIRED_FILES if not (root / name).is_file()]
    if absent:
        raise BundleError(Problem(
            f"{root}: the bundle lacks {', '.join(absent)}. A bundle needs {', '.join(REQUIRED_FILES)}; copy them from another bundle.",
            f"{root}：挑战包缺少 {'、'.join(absent)}。一个挑战包需要 {'、'.join(REQUIRED_FILES)}；可从其他挑战包复制。"))
    yaml_file = root / "challenge.yaml"
    spec = _read_yaml(yaml_file)
    _check_schema(spec, yaml_file)
    rules = read_rules(spec, yaml_file)
    _check_consistency(rules, yaml_file)
    generate = _load_generate(root / "generate.py")
    _check_generated(generate, rules, root / "generate.py", yaml_file)
    return Bundle(path=root, spec=spec, rules=rules, readme=(root / "README.md").read_text(encoding="utf-8"),
                  generate=generate)


def read_rules(spec: dict, file: Path) -> ChallengeRules:
    """The schema-checked spec, typed.  The schema and the model agree, so this only fails if they drift apart;
    then the loader still answers a BundleError naming the field, as for any other problem."""
    try:
        return parse_rules(spec, source=str(file))
    except RulesInvalid as exc:
        raise BundleError(exc.problems, exc.problems_zh) from exc
