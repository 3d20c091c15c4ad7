"""Check an extracted MLflow model folder against a challenge WITHOUT running any of its code.

Only text is read: MLmodel (bounded YAML without aliases, safe_yaml.py), requirements.txt, python_env.yaml, and file sizes.
Nothing is unpickled or imported from the model; loader modules are located on disk, not imported.

Decisions (the reasons are the point, so they are written here):

- Runtime. The scoring environment is the challenge's scoring runtime (dabiwu.runtimes), not the
  platform's own venv: its Python version and its installed distributions (read from its
  site-packages metadata, never imported) are what a model is checked against. Without a runtime
  (unit tests) this interpreter stands in.
- Python version. The scoring environment is Python 3.11. Same major.minor: fine.
  Another 3.x: refused when the model is pickled (cloudpickle/pickle, including pyfunc
  PythonModel objects), because pickles made by cloudpickle embed code objects whose layout
  changes between minor versions and then fail to load, or load wrongly; accepted with a warning
  when the payload is data or source only (skops, models-from-code, other flavors' native
  formats). Python 2 or 4: refused.
- Requirements. The sandbox has no network and installs nothing, so each requirement must be met
  by what is installed here. Two tolerances, each recorded as a warning: the mlflow family
  (mlflow, mlflow-skinny, mlflow-tracing) is accepted at any version of the installed major
  (every model pins the mlflow that saved it, and the model format is stable within a major); and
  an exact `==X.Y.Z` pin is accepted when X.Y matches the installed release (patch releases keep
  pickles and APIs). Anything else unmet is refused, naming the installed version.
- Requirements are also read from python_env.yaml's `dependencies` (its `-r requirements.txt` line
  points at the file above; build_dependencies such as pip and setuptools are not needed to score).
  `xgboost-cpu` in the runtime satisfies `xgboost` (the same `import xgboost`).
- Signature, as stock MLflow treats it. The scoring frame (SCORING_FRAME_RULE) holds every column
  of the data dictionary except the label, the id column included, with the dtypes of FRAME_DTYPES.
  A signature may list any subset of those columns: MLflow's pyfunc drops the columns it does not
  list, so the model gets exactly the columns it lists. Refused: a required column the frame does
  not hold (the label, typos), and a declared type MLflow's schema enforcement would refuse for
  the frame's dtype (it will not cast int64 to float64, so `double` for an `int` column fails at
  predict time; refused here, where the team can still fix it). Models with tensor-based, unnamed
  or no signatures are accepted with a warning (they get the whole frame).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import stat
import sys
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from dabiwu.submissions.errors import IntakeError
from dabiwu.submissions.safe_yaml import UntrustedYamlError, load_untrusted_yaml

MAX_MLMODEL_BYTES = 1024 * 1024
MAX_REQUIREMENTS_BYTES = 256 * 1024

# What the scoring frame holds for each data-dictionary type (the scorer builds it this way).
FRAME_DTYPES = {
    "int": "int64",
    "float": "float64",
    "string": "str",
    "category": "str",
    "date": "datetime64[ns]",
    "bool": "bool",
}
# MLflow signature types whose schema enforcement accepts that frame dtype ("any" accepts anything).
COMPATIBLE_SIGNATURE_TYPES = {
    "int": {"long", "any"},
    "float": {"double", "any"},
    "string": {"string", "any"},
    "category": {"string", "any"},
    "date": {"datetime", "any"},
    "bool": {"boolean", "any"},
}
_HOW_TO_DECLARE = {
    "int": "long (keep the column as int64 when inferring the signature)",
    "float": "double",
    "string": "string",
    "category": "string",
    "date": "datetime (parse the dates, e.g. pd.read_csv(..., parse_dates=[...]), or use the Parquet file)",
    "bool": "boolean",
}

MLFLOW_FAMILY = {"mlflow", "mlflow-skinny", "mlflow-tracing"}
PICKLED_FORMATS = {"cloudpickle", "pickle"}
NOTABLE_PACKAGES = ("mlflow", "numpy", "pandas", "scikit-learn", "scipy", "skops", "lightgbm", "xgboost", "catboost",
                    "jieba")
# Written in docs/team.md ("the columns a model receives"); child.py passes the frame as is and MLflow
# drops what a signature does not list, so upload and sandbox apply the same rule.
SCORING_FRAME_RULE = (
    "A model receives every column of the data dictionary except the label, the id column included, in the "
    "dictionary's order; with a column signature, only the columns the signature lists."
)
BUILD_ONLY = {"pip", "setuptools", "wheel"}

_DOTTED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_PY_VERSION = re.compile(r"^\s*(\d+)\.(\d+)")


@dataclass
class ModelInfo:
    flavors: list[str]
    loader_module: str
    serialization_format: str | None
    mlflow_version: str | None
    python_version: str | None
    predict_fn: str | None
    signature: dict[str, Any] | None
    input_columns: list[str]
    size_bytes: int
    requirements: list[str]
    model_uuid: str | None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def validate_model_dir(
    *,
    model_dir: Path,
    columns: list[dict],
    id_column: str,
    label_column: str,
    max_model_mb: int,
    scoring_python: tuple[int, int] | None = None,
    installed: Mapping[str, str] | None = None,
    runtime=None,  # noqa: ANN001 - a built dabiwu.runtimes.Runtime: the environment the model will run in
) -> ModelInfo:
    """Refuse (IntakeError) or describe the model. `scoring_python`/`installed` default to the runtime's
    (or, with no runtime, to this interpreter's)."""
    model_dir = Path(model_dir)
    warnings: list[str] = []
    env_name = f"scoring runtime {runtime.name}" if runtime is not None else "scoring environment"
    if runtime is not None:
        from dabiwu.runtimes import installed_distributions as runtime_distributions

        scoring_python = scoring_python or runtime.python_version
        installed = installed if installed is not None else runtime_distributions(runtime)
    mlmodel = _read_mlmodel(model_dir)
    flavors = mlmodel["flavors"]
    pyfunc = _pyfunc_flavor(flavors)
    size = _check_size(model_dir, max_model_mb)
    _check_referenced_files(model_dir, flavors)
    loader_module = _check_loader_module(model_dir, pyfunc, runtime.site_packages if runtime is not None else None)
    fmt = _serialization_format(flavors, pyfunc)
    python_version = _check_python(model_dir, pyfunc, fmt, scoring_python or sys.version_info[:2], warnings)
    requirements = _check_requirements(
        model_dir, installed if installed is not None else installed_distributions(), warnings, env_name=env_name
    )
    signature, input_columns = _check_signature(mlmodel, columns, id_column, label_column, warnings)
    mlflow_version = mlmodel.get("mlflow_version")
    return ModelInfo(
        flavors=sorted(str(f) for f in flavors),
        loader_module=loader_module,
        serialization_format=fmt,
        mlflow_version=str(mlflow_version) if mlflow_version is not None else None,
        python_version=python_version,
        predict_fn=_str_or_none(pyfunc.get("predict_fn")),
        signature=signature,
        input_columns=input_columns,
        size_bytes=size,
        requirements=requirements,
        model_uuid=_str_or_none(mlmodel.get("model_uuid")),
        warnings=warnings,
    )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# -- MLmodel and flavors --------------------------------------------------------------------


def _read_mlmodel(model_dir: Path) -> dict[str, Any]:
    path = model_dir / "MLmodel"
    if not path.is_file():
        raise IntakeError(
            "missing_mlmodel",
            "The model folder has no MLmodel file. Upload the folder written by mlflow's save_model "
            "(e.g. mlflow.sklearn.save_model(model, 'model')), which contains MLmodel.",
            "模型文件夹中没有 MLmodel 文件。请上传 mlflow 的 save_model 写出的、含有 MLmodel 的文件夹"
            "（例如 mlflow.sklearn.save_model(model, 'model')）。",
        )
    # Bounded before parsing, no anchors or aliases (a "billion laughs" MLmodel): see safe_yaml.py.
    data = load_untrusted_yaml(path, max_bytes=MAX_MLMODEL_BYTES)
    if not isinstance(data, dict) or not isinstance(data.get("flavors"), dict) or not data["flavors"]:
        raise IntakeError(
            "invalid_mlmodel",
            "The MLmodel file has no 'flavors' section. Upload the MLmodel that mlflow's save_model wrote, unedited.",
            "MLmodel 文件中没有 'flavors' 部分。请上传 mlflow 的 save_model 写出的、未经修改的 MLmodel。",
        )
    return data


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _pyfunc_flavor(flavors: dict[str, Any]) -> dict[str, Any]:
    pyfunc = flavors.get("python_function")
    if not isinstance(pyfunc, dict) or not isinstance(pyfunc.get("loader_module"), str):
        found = ", ".join(sorted(str(f) for f in flavors)) or "none"
        raise IntakeError(
            "missing_pyfunc",
            f"The model has no python_function flavor (its flavors: {found}), and the platform scores models "
            "through mlflow.pyfunc. Save it with an MLflow flavor that adds python_function, e.g. "
            "mlflow.sklearn.save_model(model, path) or, for custom code, mlflow.pyfunc.save_model(path, "
            "python_model=MyModel(), code_paths=[...]).",
            f"模型没有 python_function 风格（它的风格：{found}），而平台通过 mlflow.pyfunc 评分。请用会添加 python_function "
            "的 MLflow 风格保存模型，例如 mlflow.sklearn.save_model(model, path)；自定义代码请用 "
            "mlflow.pyfunc.save_model(path, python_model=MyModel(), code_paths=[...])。",
        )
    return pyfunc


def _serialization_format(flavors: dict[str, Any], pyfunc: dict[str, Any]) -> str | None:
    sklearn = flavors.get("sklearn")
    if isinstance(sklearn, dict) and sklearn.get("serialization_format"):
        return str(sklearn["serialization_format"])
    if pyfunc.get("model_code_path") or pyfunc.get("loader_module") == "mlflow.pyfunc.loaders.code_model":
        return "code"
    if isinstance(pyfunc.get("python_model"), str):
        # mlflow.pyfunc.save_model(python_model=<object>) writes it with cloudpickle.
        return "cloudpickle"
    for conf in flavors.values():
        if isinstance(conf, dict):
            for key in ("serialization_format", "model_format", "pickle_module_name"):
                if conf.get(key):
                    return str(conf[key])
    return None


def _check_loader_module(model_dir: Path, pyfunc: dict[str, Any], site_packages: Path | None) -> str:
    name = pyfunc["loader_module"]
    if _DOTTED_NAME.match(name) and (
        _mlflow_module_exists(name, site_packages) or _shipped_module_exists(model_dir, pyfunc, name)
    ):
        return name
    raise IntakeError(
        "unknown_loader_module",
        f"The python_function flavor names loader_module {name!r}, which is neither an MLflow module nor a module "
        "in the model's code folder. Save the model with a stock MLflow flavor, or pass your loader with "
        "mlflow.pyfunc.save_model(..., code_paths=[...]).",
        f"python_function 风格指定的 loader_module {name!r} 既不是 MLflow 的模块，也不在模型的代码文件夹中。"
        "请用标准的 MLflow 风格保存模型，或通过 mlflow.pyfunc.save_model(..., code_paths=[...]) 提供您的加载器。",
    )


def _mlflow_module_exists(name: str, site_packages: Path | None) -> bool:
    # Located on disk through mlflow's package folder (the runtime's, else ours): find_spec on a
    # submodule would import parents.
    parts = name.split(".")
    if parts[0] != "mlflow":
        return False
    if site_packages is not None:
        roots = [str(site_packages / "mlflow")]
    else:
        spec = importlib.util.find_spec("mlflow")
        roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        base = Path(root).joinpath(*parts[1:])
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return True
    return False


def _shipped_module_exists(model_dir: Path, pyfunc: dict[str, Any], name: str) -> bool:
    code = pyfunc.get("code")
    if not isinstance(code, str):
        return False
    base = _inside(model_dir, code)
    if base is None:
        return False
    base = base.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _inside(model_dir: Path, relative: str) -> Path | None:
    """model_dir/relative when it is a plain relative path that stays inside, else None."""
    if not relative or relative.startswith("/") or "\\" in relative or ".." in relative.split("/"):
        return None
    path = model_dir / relative
    real, root = os.path.realpath(path), os.path.realpath(model_dir)
    return path if real == root or real.startswith(root + os.sep) else None


def _check_referenced_files(model_dir: Path, flavors: dict[str, Any]) -> None:
    refs: list[tuple[str, str]] = []
    pyfunc = flavors.get("python_function") or {}
    for key in ("model_path", "data", "code"):
        if isinstance(pyfunc.get(key), str):
            refs.append((f"python_function.{key}", pyfunc[key]))
    if isinstance(pyfunc.get("python_model"), str) and not pyfunc.get("model_code_path"):
        refs.append(("python_function.python_model", pyfunc["python_model"]))
    sklearn = flavors.get("sklearn")
    if isinstance(sklearn, dict) and isinstance(sklearn.get("pickled_model"), str):
        refs.append(("sklearn.pickled_model", sklearn["pickled_model"]))
    for where, relative in refs:
        path = _inside(model_dir, relative)
        if path is None or not path.exists():
            raise IntakeError(
                "missing_model_file",
                f"MLmodel names {relative!r} ({where}), but the model folder has no such file inside it. Pack the "
                "whole folder that mlflow's save_model wrote, without moving or renaming its files.",
                f"MLmodel 指向 {relative!r}（{where}），但模型文件夹中没有这个文件。请打包 mlflow 的 save_model 写出的"
                "整个文件夹，不要移动或重命名其中的文件。",
            )


# -- size -----------------------------------------------------------------------------------


def _check_size(model_dir: Path, max_model_mb: int) -> int:
    total = 0
    for dirpath, _dirnames, filenames in os.walk(model_dir):  # does not follow links
        for name in filenames:
            st = os.lstat(os.path.join(dirpath, name))
            if stat.S_ISREG(st.st_mode):  # a link's target is counted where it lives
                total += st.st_size
    if total > max_model_mb * 1024 * 1024:
        raise IntakeError(
            "model_too_large",
            f"The model folder holds {total / (1024 * 1024):.1f} MB, above this challenge's limit of {max_model_mb} "
            "MB. Remove training data, caches and unused files from the folder, or use a smaller model (fewer or "
            "shallower trees, fewer features).",
            f"模型文件夹共 {total / (1024 * 1024):.1f} MB，超过本赛题 {max_model_mb} MB 的上限。请删除其中的训练数据、"
            "缓存和无用文件，或使用更小的模型（更少或更浅的树、更少的特征）。",
        )
    return total


# -- Python version -------------------------------------------------------------------------


def _check_python(
    model_dir: Path, pyfunc: dict[str, Any], fmt: str | None, scoring: tuple[int, int], warnings: list[str]
) -> str | None:
    declared: list[tuple[str, str]] = []
    if pyfunc.get("python_version") is not None:
        declared.append(("MLmodel", str(pyfunc["python_version"])))
    env_file = model_dir / "python_env.yaml"
    if env_file.is_file() and not env_file.is_symlink():
        try:
            env = load_untrusted_yaml(env_file, max_bytes=MAX_MLMODEL_BYTES)
        except UntrustedYamlError as e:
            env = None
            warnings.append(f"python_env.yaml was ignored: {e.detail}"[:500])
        if isinstance(env, dict) and env.get("python") is not None:
            declared.append(("python_env.yaml", str(env["python"])))
    if not declared:
        warnings.append(
            f"The model does not say which Python saved it; it will run on Python {scoring[0]}.{scoring[1]}."
        )
        return None
    here = f"{scoring[0]}.{scoring[1]}"
    seen: set[str] = set()
    for source, text in declared:
        if text in seen:
            continue
        seen.add(text)
        match = _PY_VERSION.match(text)
        if match is None:
            warnings.append(f"The Python version {text!r} in {source} could not be read; it was ignored.")
            continue
        major, minor = int(match[1]), int(match[2])
        if (major, minor) == scoring:
            continue
        if major != scoring[0] or fmt in PICKLED_FORMATS:
            why = (
                "it is pickled (" + str(fmt) + "), and pickles of Python code do not load reliably across Python "
                "versions"
                if major == scoring[0]
                else "the platform runs Python 3"
            )
            raise IntakeError(
                "python_version_mismatch",
                f"The model was saved with Python {text} ({source}), but the platform scores with Python {here}, "
                f"and {why}. Save the model again under Python {here}"
                + (
                    ", or save a scikit-learn model in the skops format (mlflow.sklearn.save_model's default), "
                    "which does not depend on the Python version."
                    if major == scoring[0]
                    else "."
                ),
                f"模型是用 Python {text} 保存的（{source}），而平台用 Python {here} 评分，"
                + (f"且模型以 pickle 格式（{fmt}）保存，这种格式跨 Python 版本无法可靠加载" if major == scoring[0]
                   else "且平台运行的是 Python 3")
                + f"。请在 Python {here} 下重新保存模型"
                + ("，或把 scikit-learn 模型保存为 skops 格式（mlflow.sklearn.save_model 的默认格式），它与 Python 版本无关。"
                   if major == scoring[0] else "。"),
            )
        warnings.append(
            f"The model was saved with Python {text} ({source}) and will run on Python {here}; its "
            f"{fmt or 'format'} files do not depend on the Python version, but test it under {here} if you can."
        )
    return declared[0][1]


# -- requirements ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _installed_cached() -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata.get("Name") if dist.metadata else None
        if name:
            found.setdefault(canonicalize_name(name), dist.version)
    return tuple(sorted(found.items()))


def installed_distributions() -> dict[str, str]:
    """Canonical name -> version of every distribution in the scoring environment (this interpreter)."""
    return dict(_installed_cached())


def _check_requirements(model_dir: Path, installed: Mapping[str, str], warnings: list[str], *,
                        env_name: str = "scoring environment") -> list[str]:
    path = model_dir / "requirements.txt"
    raw_lines: list[str] = []
    if not path.is_file():
        warnings.append(f"The model has no requirements.txt; it will run with the {env_name}'s packages as they are.")
    elif path.stat().st_size > MAX_REQUIREMENTS_BYTES:
        raise IntakeError(
            "unsatisfiable_requirements",
            f"requirements.txt is larger than {MAX_REQUIREMENTS_BYTES // 1024} KB. List only the packages the model "
            "needs to load and predict (mlflow writes this file for you when it saves the model).",
            f"requirements.txt 超过 {MAX_REQUIREMENTS_BYTES // 1024} KB。请只列出模型加载和预测所需的包"
            "（mlflow 保存模型时会自动写出这个文件）。",
        )
    else:
        raw_lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    raw_lines += _python_env_dependencies(model_dir, warnings)
    installed = {canonicalize_name(k): v for k, v in installed.items()}
    environment = default_environment()
    lines: list[str] = []
    problems: list[str] = []
    for raw in raw_lines:
        # pip-compile style "--hash=..." options and trailing comments are not part of the requirement.
        line = re.split(r"\s+(?:#|--)", raw.strip(), maxsplit=1)[0].strip()
        if not line or line.startswith("#") or line in lines:
            continue
        if line.startswith("-"):
            warnings.append(f"requirements.txt option {line!r} was ignored: the platform installs nothing.")
            continue
        lines.append(line)
        try:
            req = Requirement(line)
        except InvalidRequirement:
            problems.append(f"{line} (not a package requirement the platform can meet: it installs nothing)")
            continue
        if req.marker is not None and not req.marker.evaluate(environment):
            continue
        name = canonicalize_name(req.name)
        version = installed.get(name)
        if version is None:
            problems.append(f"{line} ({req.name} is not in the {env_name})")
            continue
        if req.url:
            warnings.append(f"{line!r} names a URL; the installed {req.name} {version} will be used instead.")
            continue
        try:
            if not req.specifier or req.specifier.contains(version, prereleases=True):
                continue
        except InvalidVersion:
            problems.append(f"{line} (installed: {version}, which cannot be compared)")
            continue
        tolerated = _tolerated(name, req, version)
        if tolerated:
            warnings.append(f"{line!r} is not met exactly: {tolerated}")
        else:
            problems.append(f"{line} (the {env_name} has {req.name} {version})")
    if problems:
        provided = ", ".join(f"{n} {installed[n]}" for n in NOTABLE_PACKAGES if n in installed)
        raise IntakeError(
            "unsatisfiable_requirements",
            f"The model's requirements ask for packages the {env_name} does not have: "
            + "; ".join(problems)
            + ". The sandbox has no network and installs nothing, so train and save the model against the "
            f"{env_name}'s versions ({provided}), or remove lines for packages the model does not need.",
            f"模型的依赖要求的包在{env_name}中没有：" + "；".join(problems)
            + f"。沙箱没有网络，也不安装任何包：请按该评分环境的版本（{provided}）训练并保存模型，或删除模型不需要的包。",
        )
    return lines


def _python_env_dependencies(model_dir: Path, warnings: list[str]) -> list[str]:
    """python_env.yaml's `dependencies` other than `-r file` (that file is requirements.txt, read already);
    its build_dependencies (pip, setuptools, wheel) only install, and nothing is installed here."""
    path = model_dir / "python_env.yaml"
    if not path.is_file() or path.stat().st_size > MAX_MLMODEL_BYTES:
        return []
    try:  # bounded, no aliases (safe_yaml.py), as every YAML file of a model is read
        env = load_untrusted_yaml(path, max_bytes=MAX_MLMODEL_BYTES)
    except UntrustedYamlError:
        return []  # _check_python has said so
    deps = env.get("dependencies") if isinstance(env, dict) else None
    if not isinstance(deps, list):
        return []
    found = []
    for dep in deps:
        if not isinstance(dep, str) or dep.strip().startswith("-r"):
            continue
        if canonicalize_name(re.split(r"[\s<>=!~\[;@]", dep.strip(), maxsplit=1)[0] or "-") in BUILD_ONLY:
            continue
        found.append(dep)
    return found


def _tolerated(name: str, req: Requirement, installed: str) -> str | None:
    try:
        have = Version(installed)
        pinned = [Version(s.version) for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    except InvalidVersion:
        return None
    if name in MLFLOW_FAMILY:
        wanted = [Version(s.version.rstrip(".*")) for s in req.specifier if s.version.rstrip(".*")]
        if wanted and all(w.major == have.major for w in wanted):
            return f"the platform's {req.name} {installed} is used (same major version, same model format)."
        return None
    if len(pinned) == 1 and len(req.specifier) == 1 and pinned[0].release[:2] == have.release[:2]:
        return f"the installed {req.name} {installed} differs only in its patch release and is used."
    return None


# -- signature ------------------------------------------------------------------------------


def _check_signature(
    mlmodel: dict[str, Any], columns: list[dict], id_column: str, label_column: str, warnings: list[str]
) -> tuple[dict[str, Any] | None, list[str]]:
    raw = mlmodel.get("signature")
    if not isinstance(raw, dict) or raw.get("inputs") in (None, "", "null"):
        warnings.append(
            "The model has no input signature, so its columns could not be checked before scoring; save it with "
            "signature=infer_signature(X_train, predictions) to catch mismatches at upload."
        )
        return None, []
    signature = {key: _json_field(raw.get(key), key) for key in ("inputs", "outputs", "params")}
    inputs = signature["inputs"]
    if not isinstance(inputs, list) or not all(isinstance(c, dict) for c in inputs):
        raise _bad_signature("its inputs are not a list of column specs", "其 inputs 不是列说明的列表")
    if any(c.get("type") == "tensor" for c in inputs):
        warnings.append(
            "The model has a tensor-based signature; the platform passes a DataFrame of the feature columns, "
            "which MLflow converts. Column names and types could not be checked."
        )
        return signature, []
    if any("name" not in c for c in inputs):
        warnings.append("The model's signature has unnamed columns, which MLflow matches by position; not checked.")
        return signature, []

    # The scoring frame: every dictionary column but the label (SCORING_FRAME_RULE).
    provided = {c["name"]: c for c in columns if c.get("role") != "label" and c["name"] != label_column}
    declared = {str(c["name"]): c for c in inputs}
    extra = [n for n, c in declared.items() if n not in provided and c.get("required", True)]
    optional_extra = [n for n, c in declared.items() if n not in provided and not c.get("required", True)]
    mismatched = []
    for name, spec in provided.items():
        if name in declared:
            model_type = _type_name(declared[name])
            if model_type not in COMPATIBLE_SIGNATURE_TYPES.get(spec["type"], {model_type}):
                mismatched.append(
                    f"{name!r} is {spec['type']} in the challenge but the model declares {model_type}, where it "
                    f"should declare {_HOW_TO_DECLARE.get(spec['type'], spec['type'])}"
                )
    if optional_extra:
        warnings.append(
            "The model accepts optional column(s) the challenge does not provide, which it will not receive: "
            + ", ".join(repr(n) for n in optional_extra)
            + "."
        )
    unused = [n for n in provided if n not in declared and n != id_column]
    if unused and not extra and not mismatched:
        warnings.append(
            "The model's signature lists " + str(len(declared)) + " of the " + str(len(provided)) + " columns the "
            "scoring frame holds; as in stock MLflow, it receives only those, and these are dropped: "
            + ", ".join(repr(n) for n in unused) + "."
        )
    if extra or mismatched:
        parts, parts_zh = [], []
        if extra:
            parts.append(
                "it requires column(s) the challenge does not give models: "
                + ", ".join(repr(n) + _role_note(n, id_column, label_column) for n in extra)
            )
            parts_zh.append("签名要求赛题不提供给模型的列：" + "、".join(
                repr(n) + ("（编号列，不提供给模型）" if n == id_column else "（标签，即模型要预测的内容）"
                           if n == label_column else "") for n in extra))
        if mismatched:
            parts.append("types differ: " + "; ".join(mismatched))
            parts_zh.append("列类型不一致：" + "；".join(mismatched))
        raise IntakeError(
            "signature_mismatch",
            "The model's signature does not match the challenge's data: "
            + "; ".join(parts)
            + f". {SCORING_FRAME_RULE} Infer the signature from the training columns the model uses, e.g. "
            f"signature=infer_signature(X, model.predict_proba(X)) with X = train.drop(columns=[{label_column!r}]) "
            "or a subset of its columns, and save the model again.",
            "模型的签名与赛题数据不一致：" + "；".join(parts_zh)
            + f"。请按模型使用的训练列推断签名，例如 signature=infer_signature(X, model.predict_proba(X))，其中 "
            f"X = train.drop(columns=[{label_column!r}]) 或其中部分列，然后重新保存模型。",
        )
    return signature, [str(c["name"]) for c in inputs]


def _role_note(name: str, id_column: str, label_column: str) -> str:
    if name == label_column:
        return " (the label, which is what the model predicts)"
    return ""


def _type_name(colspec: dict[str, Any]) -> str:
    t = colspec.get("type")
    return t if isinstance(t, str) else "object"


def _json_field(value: Any, key: str) -> Any:
    if value is None or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as e:
        raise _bad_signature(f"its {key} are not valid JSON", f"其 {key} 不是有效的 JSON") from e


def _bad_signature(why: str, why_zh: str) -> IntakeError:
    return IntakeError(
        "invalid_mlmodel",
        f"The signature in MLmodel cannot be read: {why}. Save the model with "
        "signature=mlflow.models.infer_signature(...) instead of editing MLmodel by hand.",
        f"无法读取 MLmodel 中的签名：{why_zh}。请用 signature=mlflow.models.infer_signature(...) 保存模型，"
        "不要手工修改 MLmodel。",
    )


# -- what is stored -------------------------------------------------------------------------

_SHORT_FIELDS = ("loader_module", "serialization_format", "mlflow_version", "python_version", "predict_fn", "model_uuid")


def bounded_model_info(info: dict[str, Any], *, max_bytes: int) -> dict[str, Any]:
    """`info` cut to what a submission row may hold: every string and list capped, and the signature
    dropped (with a warning) if the whole would still exceed `max_bytes` of JSON.  Everything in it
    comes from the team's MLmodel and requirements.txt, so nothing is stored as it came."""
    out = dict(info)
    for key in _SHORT_FIELDS:
        if isinstance(out.get(key), str):
            out[key] = out[key][:128]
    out["flavors"] = [str(f)[:64] for f in (out.get("flavors") or [])[:32]]
    out["requirements"] = [str(r)[:256] for r in (out.get("requirements") or [])[:200]]
    out["input_columns"] = [str(c)[:128] for c in (out.get("input_columns") or [])[:2000]]
    out["warnings"] = [str(w)[:1000] for w in (out.get("warnings") or [])[:20]]
    if len(json.dumps(out, default=str)) > max_bytes:
        out["signature"] = None
        out["input_columns"] = out["input_columns"][:200]
        out["warnings"] = [*out["warnings"][:19], "The model's signature is too large to keep with the submission; "
                           "it was checked at upload but is not stored."]
    if len(json.dumps(out, default=str)) > max_bytes:
        out["requirements"], out["input_columns"] = out["requirements"][:20], []
    return out


# What a list of submissions shows of model_info: a few short fields; the whole is in GET /submissions/{id}.
LIST_FIELDS = ("flavors", "loader_module", "serialization_format", "mlflow_version", "python_version", "size_bytes")


def model_info_brief(info: dict[str, Any] | None) -> dict[str, Any]:
    info = info or {}
    brief = {key: info[key] for key in LIST_FIELDS if key in info}
    for key, value in brief.items():
        if isinstance(value, str):
            brief[key] = value[:128]
    if isinstance(brief.get("flavors"), list):
        brief["flavors"] = [str(f)[:64] for f in brief["flavors"][:32]]
    elif "flavors" in brief:
        brief["flavors"] = []
    if not isinstance(brief.get("size_bytes", 0), int):
        brief.pop("size_bytes")
    return brief
