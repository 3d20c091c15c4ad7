"""`dabiwu leads run` without the command line: fit a district's table to a model, score it in the
sandbox, rank it.  Every refusal is a LeadsError whose message names the column or the step."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

SUFFIXES = (".csv", ".parquet", ".xlsx")


class LeadsError(ValueError):
    """The input does not fit the model, or the model failed; `log_tail` is the model's stderr."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.log_tail = log_tail


def read_table(path: Path, *, id_column: str | None) -> pd.DataFrame:
    suffix = path.suffix.lower()
    dtype = {id_column: str} if id_column else None
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".xlsx":
        return pd.read_excel(path, dtype=dtype)
    try:
        return pd.read_csv(path, dtype=dtype, encoding="utf-8-sig")
    except UnicodeDecodeError:
        return pd.read_csv(path, dtype=dtype, encoding="gb18030")  # Excel on Chinese Windows


def write_table(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding="utf-8-sig")  # the BOM lets Excel read Chinese


def signature_inputs(model_dir: Path) -> list[dict]:
    """The model's input columns from its MLmodel file (read as YAML: nothing is loaded). The file is a team's, so
    it goes through the same bounded, alias-free reader as at upload (submissions/safe_yaml.py)."""
    from dabiwu.registry_port import UntrustedYamlError, read_untrusted_mlmodel

    try:
        mlmodel = read_untrusted_mlmodel(model_dir) or {}
    except UntrustedYamlError as exc:
        raise LeadsError(f"The model's MLmodel file cannot be read: {exc.detail}") from None
    inputs = (mlmodel.get("signature") or {}).get("inputs")
    if not inputs:
        return []
    columns = json.loads(inputs) if isinstance(inputs, str) else inputs
    return [column for column in columns if column.get("name")]


def fit_to_model(frame: pd.DataFrame, *, model_dir: Path, challenge: dict) -> pd.DataFrame:
    """The input as the model expects it: every signature column present and of its type.

    Without a signature, the challenge's data dictionary (minus the label) is what is required."""
    dictionary = {column["name"]: column for column in challenge.get("columns") or []}
    label = challenge.get("label_column")
    expected = signature_inputs(model_dir) or [
        {"name": name, "type": None} for name in dictionary if name != label
    ]
    missing = [c["name"] for c in expected if c["name"] not in frame.columns and c.get("required", True)]
    if missing:
        described = ", ".join(_described(name, dictionary) for name in missing)
        raise LeadsError(f"The input lacks the column(s) {described} that the model needs: add them "
                         "(the names are those of the challenge's data dictionary).")
    out = frame.drop(columns=[label], errors="ignore").copy()
    for column in expected:
        name = column["name"]
        if name in out.columns and column.get("type"):
            out[name] = _cast(out[name], name=name, kind=column["type"], dictionary=dictionary)
    return out.reset_index(drop=True)


def _described(name: str, dictionary: dict) -> str:
    entry = dictionary.get(name)
    return f"'{name}' ({entry['zh']} / {entry['en']})" if entry else f"'{name}'"


def _cast(values: pd.Series, *, name: str, kind: str, dictionary: dict) -> pd.Series:
    try:
        if kind in ("double", "float"):
            return pd.to_numeric(values, errors="raise").astype("float64" if kind == "double" else "float32")
        if kind in ("long", "integer"):
            numbers = pd.to_numeric(values, errors="raise")
            if numbers.isna().any() or not np.all(np.mod(numbers, 1) == 0):
                raise ValueError("not a whole number")
            return numbers.astype("int64" if kind == "long" else "int32")
        if kind == "boolean":
            if values.dtype == bool:
                return values
            mapped = values.astype(str).str.strip().str.lower().map(
                {"true": True, "false": False, "1": True, "0": False, "是": True, "否": False})
            if mapped.isna().any():
                raise ValueError("not true/false")
            return mapped.astype(bool)
        if kind == "datetime":
            return pd.to_datetime(values, errors="raise")
        if kind == "string":
            return values.where(values.isna(), values.astype(str))
    except (ValueError, TypeError) as exc:
        row, value = _first_bad(values, kind)
        raise LeadsError(
            f"Column {_described(name, dictionary)} must hold {kind} values, but row {row} holds {value!r} "
            f"({exc}). Fix that column and run again."
        ) from None
    return values


def _first_bad(values: pd.Series, kind: str) -> tuple[int, object]:
    for row, value in enumerate(values.tolist(), start=1):
        try:
            if kind in ("double", "float", "long", "integer"):
                number = float(value)
                if kind in ("long", "integer") and (np.isnan(number) or number != int(number)):
                    return row, value
            elif kind == "boolean" and str(value).strip().lower() not in ("true", "false", "1", "0", "是", "否"):
                return row, value
            elif kind == "datetime":
                pd.to_datetime(value)
        except (ValueError, TypeError):
            return row, value
    return 0, None


def score_in_sandbox(features: pd.DataFrame, *, model_dir: Path, challenge: dict, runtime: str | None = None,
                     settings=None) -> pd.DataFrame:  # noqa: ANN001
    """Run the model in the platform's sandbox, with the scoring runtime it was scored with (default: the
    challenge's); the ranked lead list (id, score, rank: 1 = best)."""
    from dabiwu.registry_port import BadOutput, Limits, SandboxError, read_scores, run_in_sandbox

    limits = challenge.get("limits") or {}
    # A district's table can be larger than the contest's test set: never less than ten minutes.
    seconds = max(600, int(limits.get("time_limit_s", 300)))
    with tempfile.TemporaryDirectory(prefix="dabiwu-leads-") as tmp:
        features_path = Path(tmp) / "features.parquet"
        features.to_parquet(features_path, index=False)
        try:
            result = run_in_sandbox(model_dir=Path(model_dir), features_path=features_path, out_dir=Path(tmp) / "out",
                                    limits=Limits(memory_mb=int(limits.get("memory_mb", 4096)), cpu_seconds=seconds,
                                                  wall_seconds=seconds), settings=settings,
                                    runtime=runtime or challenge.get("runtime") or None)
            bounds = {} if settings is None else {"max_columns": settings.predictions_max_columns,
                                                  "max_footer_bytes": settings.predictions_max_footer_kb * 1024}
            scores = read_scores(result.predictions_path, n_rows=len(features), **bounds)
        except SandboxError as exc:
            raise LeadsError(f"The model failed ({exc.kind}): {exc.message}", exc.log_tail) from None
        except BadOutput as exc:
            raise LeadsError(f"The model's output is unusable: {exc}") from None
    return rank(features, scores, id_column=challenge.get("id_column"), key_column=challenge.get("lead_merge_key"))


def rank(features: pd.DataFrame, scores: np.ndarray, *, id_column: str | None,
         key_column: str | None = None) -> pd.DataFrame:
    """The ranked list; with the challenge's `lead_merge_key`, that column too (as `key`: `leads push` sends it, so
    the district's queue merges by id and key)."""
    if id_column and id_column in features.columns:
        ids = features[id_column].astype(str).to_numpy()
    else:
        ids = np.arange(1, len(features) + 1)
    order = np.argsort(-scores, kind="stable")  # ties keep the input order, as the scorer does
    ranked = pd.DataFrame({"id": ids[order], "score": scores[order], "rank": np.arange(1, len(order) + 1)})
    if key_column and key_column in features.columns:
        ranked["key"] = features[key_column].astype(str).to_numpy()[order]
    return ranked
