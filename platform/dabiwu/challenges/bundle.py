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
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import yaml

from dabiwu.errors import DabiwuError

REQUIRED_FILES = ("challenge.yaml", "generate.py", "baseline.py", "README.md")
SCHEMA_PATH = Path(__file__).with_name("challenge.schema.json")
SCHEMA_NAME = "platform/dabiwu/challenges/challenge.schema.json"
PROBE_ROWS, PROBE_SEED = 50, 0


class BundleError(DabiwuError, ValueError):
    """A bundle the platform cannot use.  `problems` holds one sentence per problem found.

    Over HTTP a 422 `bundle_invalid`; the problems are the organiser's technical English (file paths, schema
    fields), so the Chinese sentence says what happened and quotes them.
    """

    status = 422
    code = "bundle_invalid"

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        text = "\n".join(self.problems)
        super().__init__(text, f"赛题包有问题，无法载入，请改正后重试：\n{text}", extra={"problems": self.problems})


@dataclass(frozen=True)
class Bundle:
    path: Path
    spec: dict[str, Any]
    slug: str
    version: str
    readme: str
    generate: Callable[[int, int], pd.DataFrame] = field(repr=False)

    @property
    def id_column(self) -> str:
        return self.spec["id_column"]

    @property
    def group_column(self) -> str:
        return self.spec["group_column"]

    @property
    def label_column(self) -> str:
        return self.spec["label_column"]

    @property
    def columns(self) -> list[dict[str, Any]]:
        return self.spec["columns"]

    @property
    def feature_columns(self) -> list[str]:
        """What a model is given: every column but the id and the label (the district included)."""
        return [c["name"] for c in self.columns if c["name"] not in (self.id_column, self.label_column)]

    def data_dictionary(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"name": c["name"], "type": c["type"], "role": c.get("role", "feature"), "zh": c["zh"], "en": c["en"]} for c in self.columns]
        )


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
        raise BundleError(f"{path}: the file is not UTF-8 ({exc.reason}). Save it as UTF-8.") from exc
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


def _check_consistency(spec: dict, file: Path) -> None:
    problems = []
    names = [c["name"] for c in spec["columns"]]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{file}: field 'columns': the column '{name}' is listed twice. List each column once.")
    for key, role in (("id_column", "id"), ("group_column", "group"), ("label_column", "label")):
        value = spec[key]
        if value not in names:
            problems.append(f"{file}: field '{key}': '{value}' is not in 'columns'. Add it to 'columns' or name one of: {', '.join(names)}.")
            continue
        index = names.index(value)
        if spec["columns"][index].get("role") != role:
            problems.append(f"{file}: field 'columns[{index}].role': the {key} '{value}' must have role: {role}. Add role: {role} to it.")
        others = [n for n, c in zip(names, spec["columns"]) if c.get("role") == role and n != value]
        if others:
            problems.append(f"{file}: field 'columns': {', '.join(others)} also have role: {role}, but only '{value}' ({key}) may. Remove the role from them.")
    label_index = names.index(spec["label_column"]) if spec["label_column"] in names else None
    if label_index is not None and spec["columns"][label_index]["type"] not in ("int", "bool"):
        problems.append(f"{file}: field 'columns[{label_index}].type': the label must be int (0/1). Set type: int.")
    moments = {k: datetime.fromisoformat(v.replace("Z", "+00:00")) for k, v in spec["phases"].items()}
    if not moments["open"] < moments["close"]:
        problems.append(f"{file}: field 'phases.close': the contest closes before it opens. Make 'close' later than 'open'.")
    elif not moments["open"] <= moments["merger_deadline"] <= moments["close"]:
        problems.append(f"{file}: field 'phases.merger_deadline': it is outside the contest. Put it between 'open' and 'close'.")
    weights = spec["ranking"]["metric_weight"] + spec["ranking"]["rubric_weight"]
    if abs(weights - 1) > 1e-6:
        problems.append(f"{file}: field 'ranking': metric_weight + rubric_weight is {weights:g}. Make them add up to 1.")
    rubric = spec["rubric"]
    total = sum(item["weight"] for item in rubric)
    if abs(total - 1) > 1e-6:
        problems.append(f"{file}: field 'rubric': the weights add up to {total:g}. Make them add up to 1.")
    keys = [item["key"] for item in rubric]
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
        raise BundleError(f"{path}: it defines no function generate(n_rows, seed). Add one that returns a pandas DataFrame.")
    return generate


_TYPE_CHECKS: dict[str, tuple[Callable[[pd.Series], bool], str]] = {
    "int": (lambda s: pd.api.types.is_integer_dtype(s) and not pd.api.types.is_bool_dtype(s), "an integer dtype such as int64, with no missing values"),
    "float": (pd.api.types.is_float_dtype, "a float dtype (float64); missing values are NaN"),
    "bool": (pd.api.types.is_bool_dtype, "bool, with no missing values"),
    "date": (pd.api.types.is_datetime64_any_dtype, "datetime64 (pandas.to_datetime)"),
    "string": (lambda s: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s), "strings (object or str dtype)"),
    "category": (
        lambda s: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s) or isinstance(s.dtype, pd.CategoricalDtype),
        "strings (object or str dtype) or pandas.Categorical",
    ),
}


def _check_generated(generate: Callable, spec: dict, file: Path, yaml_file: Path) -> None:
    try:
        frame = generate(PROBE_ROWS, PROBE_SEED)
        again = generate(PROBE_ROWS, PROBE_SEED)
    except Exception as exc:
        raise BundleError(
            f"{file}: generate({PROBE_ROWS}, {PROBE_SEED}) raised {type(exc).__name__}: {exc}. Call it by hand to see the traceback and fix it."
        ) from exc
    if not isinstance(frame, pd.DataFrame):
        raise BundleError(f"{file}: generate() returned a {type(frame).__name__}, not a pandas DataFrame. Return a DataFrame.")
    problems = []
    if len(frame) != PROBE_ROWS:
        problems.append(f"{file}: generate({PROBE_ROWS}, {PROBE_SEED}) returned {len(frame)} rows. Return exactly n_rows rows.")
    listed = [c["name"] for c in spec["columns"]]
    missing = [c for c in listed if c not in frame.columns]
    extra = [c for c in frame.columns if c not in listed]
    if missing:
        problems.append(f"{yaml_file}: field 'columns' lists {', '.join(missing)}, which generate.py does not produce. Produce them or remove them from 'columns'.")
    if extra:
        problems.append(f"{yaml_file}: field 'columns' does not list {', '.join(map(str, extra))}, which generate.py produces. Add them to 'columns' with type, zh and en.")
    for index, column in enumerate(spec["columns"]):
        name = column["name"]
        if name not in frame.columns:
            continue
        check, wanted = _TYPE_CHECKS[column["type"]]
        if not check(frame[name]):
            problems.append(
                f"{yaml_file}: field 'columns[{index}].type': '{name}' is declared {column['type']} but generate.py makes it "
                f"{frame[name].dtype}. Make generate.py produce {wanted}, or change the declared type."
            )
    id_col, group_col, label_col = spec["id_column"], spec["group_column"], spec["label_column"]
    if id_col in frame.columns and (frame[id_col].isna().any() or frame[id_col].duplicated().any()):
        problems.append(f"{file}: the id column '{id_col}' has missing or repeated values. Give every row its own id.")
    if group_col in frame.columns and frame[group_col].isna().any():
        problems.append(f"{file}: the group column '{group_col}' has missing values. Give every row its district.")
    if label_col in frame.columns and not set(pd.unique(frame[label_col])) <= {0, 1}:
        problems.append(f"{file}: the label column '{label_col}' holds values other than 0 and 1. Make it 0/1.")
    if not problems and not frame.equals(again):
        problems.append(f"{file}: generate({PROBE_ROWS}, {PROBE_SEED}) gave different data on a second call. Draw all randomness from the seed.")
    if problems:
        raise BundleError(problems)


# --- entry point -----------------------------------------------------------------------------


def load_bundle(path: str | Path) -> Bundle:
    """Load and check a bundle folder; raises BundleError with every problem it finds."""
    root = Path(path)
    if not root.is_dir():
        raise BundleError(f"{root}: no such bundle folder. Pass the folder that holds challenge.yaml, e.g. challenges/medical-insurance-recovery.")
    absent = [name for name in REQUIRED_FILES if not (root / name).is_file()]
    if absent:
        raise BundleError(f"{root}: the bundle lacks {', '.join(absent)}. A bundle needs {', '.join(REQUIRED_FILES)}; copy them from another bundle.")
    yaml_file = root / "challenge.yaml"
    spec = _read_yaml(yaml_file)
    _check_schema(spec, yaml_file)
    _check_consistency(spec, yaml_file)
    generate = _load_generate(root / "generate.py")
    _check_generated(generate, spec, root / "generate.py", yaml_file)
    return Bundle(
        path=root,
        spec=spec,
        slug=spec["slug"],
        version=spec["version"],
        readme=(root / "README.md").read_text(encoding="utf-8"),
        generate=generate,
    )
