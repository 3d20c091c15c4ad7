"""Checks of the whole generated lead sets, before anything is stored or published.

`load_bundle` only probes generate.py on a few rows; these checks run on the full train and test sets
the platform is about to store.  Every check adds `Problem`s (an English and a Chinese sentence naming
the column, how many rows and one example row) and never stops at the first: the organiser sees every
problem of a bundle in one run.  None of them raises on odd data: a generator's output is untrusted
input here, and a traceback is not an answer.

Cost: a few vectorised passes per column (isna, isin, dtype inference on object columns only), well
under a second at the bundles' everyday sizes (benchmarks/bench_generate.py measures it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from dabiwu.challenges.rules import ChallengeRules, ColumnRule

# An id order that predicts the label this much better than chance (ROC AUC distance from 0.5), and at
# this many standard errors, is a leak; a random id order lands within a few standard errors of 0.5.
ID_ORDER_AUC_MARGIN, ID_ORDER_Z = 0.05, 6.0


@dataclass(frozen=True)
class Problem:
    en: str
    zh: str


def _short(value: Any) -> str:
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Rows:
    """Names a row of one generated set the way the organiser can find it again."""

    def __init__(self, frame: pd.DataFrame, *, call: str, id_column: str) -> None:
        self.frame, self.call = frame, call
        ids = frame[id_column] if id_column in frame.columns and frame.columns.tolist().count(id_column) == 1 else None
        self.ids = ids

    def at(self, position: int) -> tuple[str, str]:
        ident = ""
        if self.ids is not None:
            value = self.ids.iloc[position]
            if not pd.isna(value):
                ident = f", {self.ids.name} {_short(value)}"
        return (f"row {position} of {self.call}{ident}", f"{self.call} 的第 {position} 行（从 0 数起{ident.replace(', ', '，')}）")

    def first(self, mask: np.ndarray) -> tuple[str, str]:
        return self.at(int(np.flatnonzero(mask)[0]))


# --- one set -----------------------------------------------------------------------------------


def check_frame(frame: Any, *, rules: ChallengeRules, n_rows: int, call: str, yaml_file: str, generate_file: str) -> list[Problem]:
    """Shape, columns, types, nulls and labels of one generated set (`call` names it, e.g. generate(20000, 1))."""
    if not isinstance(frame, pd.DataFrame):
        kind = type(frame).__name__
        return [Problem(f"{generate_file}: {call} returned a {kind}, not a pandas DataFrame. Return a DataFrame.",
                        f"{generate_file}：{call} 返回的是 {kind}，不是 pandas DataFrame。请返回 DataFrame。")]
    problems: list[Problem] = []
    if len(frame) != n_rows:
        problems.append(Problem(f"{generate_file}: {call} returned {len(frame)} rows. Return exactly n_rows rows.",
                                f"{generate_file}：{call} 返回了 {len(frame)} 行。请恰好返回 n_rows 行。"))
    problems += _check_columns(frame, rules=rules, yaml_file=yaml_file, generate_file=generate_file)
    rows = _Rows(frame, call=call, id_column=rules.id_column)
    for index, column in enumerate(rules.columns):
        name = column.name
        if name not in frame.columns or frame.columns.tolist().count(name) != 1:
            continue
        try:
            problems += _check_column(frame[name], column=column, index=index, rules=rules, rows=rows, yaml_file=yaml_file)
        except Exception as exc:  # noqa: BLE001 - data this odd is a problem to report, not a crash
            detail = f"{type(exc).__name__}: {str(exc)[:200]}"
            problems.append(Problem(
                f"{yaml_file}: field 'columns[{index}]': the values of '{name}' cannot be checked ({detail}). Make "
                f"generate.py produce {_WANTED[column.type][0]}.",
                f"{yaml_file}：字段 'columns[{index}]'：无法检查 '{name}' 的取值（{detail}）。请让 generate.py 生成"
                f"{_WANTED[column.type][1]}。"))
    return problems


def _check_columns(frame: pd.DataFrame, *, rules: ChallengeRules, yaml_file: str, generate_file: str) -> list[Problem]:
    listed = rules.column_names
    made = [str(c) for c in frame.columns]
    problems = []
    doubled = sorted({c for c in made if made.count(c) > 1})
    if doubled:
        names = ", ".join(doubled)
        problems.append(Problem(f"{generate_file}: the frame has the column(s) {names} more than once. Make each column once.",
                                f"{generate_file}：数据中列 {names} 出现了不止一次。每列只应出现一次。"))
    missing = [c for c in listed if c not in made]
    extra = [c for c in made if c not in listed]
    if missing:
        names = ", ".join(missing)
        problems.append(Problem(
            f"{yaml_file}: field 'columns' lists {names}, which generate.py does not produce. Produce them or remove them from 'columns'.",
            f"{yaml_file}：字段 'columns' 列出了 {names}，但 generate.py 没有生成。请生成这些列，或从 'columns' 中删除。"))
    if extra:
        names = ", ".join(extra)
        problems.append(Problem(
            f"{yaml_file}: field 'columns' does not list {names}, which generate.py produces. Add them to 'columns' with type, zh and en.",
            f"{yaml_file}：generate.py 生成了 {names}，但字段 'columns' 没有列出。请在 'columns' 中加上它们（含 type、zh、en）。"))
    if not missing and not extra and not doubled and made != listed:
        first = next(i for i, (a, b) in enumerate(zip(made, listed)) if a != b)
        problems.append(Problem(
            f"{yaml_file}: field 'columns': generate.py produces the columns in another order (column {first} is "
            f"'{made[first]}', the dictionary says '{listed[first]}'). Return frame[{listed!r}] or reorder 'columns'.",
            f"{yaml_file}：字段 'columns'：generate.py 生成的列顺序与数据字典不同（第 {first} 列是 '{made[first]}'，"
            f"数据字典是 '{listed[first]}'）。请按数据字典的顺序返回各列，或调整 'columns' 的顺序。"))
    return problems


def _value_types(series: pd.Series) -> pd.Series:
    """How many of the non-missing values are of each Python type (object columns only)."""
    present = series[series.notna()]
    return present.map(lambda v: type(v).__name__).value_counts()


_WANTED = {
    "int": ("an integer dtype such as int64, with no missing values", "整数类型（如 int64），且不能有缺失值"),
    "float": ("a float dtype (float64); missing values are NaN", "浮点类型（float64），缺失值用 NaN"),
    "bool": ("bool, with no missing values", "bool 类型，且不能有缺失值"),
    "date": ("datetime64 (pandas.to_datetime)", "datetime64 类型（pandas.to_datetime）"),
    "string": ("strings (object or str dtype)", "字符串（object 或 str 类型）"),
    "category": ("strings (object or str dtype) or pandas.Categorical", "字符串（object 或 str 类型）或 pandas.Categorical"),
}


def _dtype_ok(series: pd.Series, kind: str) -> bool:
    api = pd.api.types
    if kind == "int":
        return api.is_integer_dtype(series) and not api.is_bool_dtype(series)
    if kind == "float":
        return api.is_float_dtype(series)
    if kind == "bool":
        return api.is_bool_dtype(series)
    if kind == "date":
        return api.is_datetime64_any_dtype(series)
    if isinstance(series.dtype, pd.CategoricalDtype):
        return kind == "category"
    return api.is_string_dtype(series) or api.is_object_dtype(series)


def _check_column(series: pd.Series, *, column: ColumnRule, index: int, rules: ChallengeRules, rows: _Rows,
                  yaml_file: str) -> list[Problem]:
    name, kind = column.name, column.type
    field, field_zh = f"{yaml_file}: field 'columns[{index}]'", f"{yaml_file}：字段 'columns[{index}]'"
    typed, typed_zh = f"{yaml_file}: field 'columns[{index}].type'", f"{yaml_file}：字段 'columns[{index}].type'"
    problems = []
    missing = series.isna().to_numpy()
    n_missing = int(missing.sum())
    if n_missing and not rules.nullable(column):
        where, where_zh = rows.first(missing)
        if name in rules.key_columns:
            fix, fix_zh = "Every row needs one.", "每一行都必须有值。"
        elif kind in ("int", "bool"):
            fix = (f"Fill them in generate.py, or declare '{name}' type: float with nullable: true "
                   f"(an {kind} column cannot hold missing values; pandas turns it into float or object).")
            fix_zh = (f"请在 generate.py 中补齐，或把 '{name}' 声明为 type: float 并加 nullable: true"
                      f"（{kind} 列不能有缺失值，pandas 会把它变成 float 或 object）。")
        else:
            fix = f"Fill them in generate.py, or add nullable: true to '{name}' in 'columns'."
            fix_zh = f"请在 generate.py 中补齐，或在 'columns' 中给 '{name}' 加上 nullable: true。"
        problems.append(Problem(
            f"{field}: '{name}' has {n_missing} missing value(s) (e.g. {where}), but the dictionary does not allow "
            f"missing values there. {fix}",
            f"{field_zh}：'{name}' 有 {n_missing} 个缺失值（例如{where_zh}），但数据字典不允许该列缺失。{fix_zh}"))
    if pd.api.types.is_object_dtype(series) and not missing.all():
        counts = _value_types(series)
        wanted_python = {"string": {"str"}, "category": {"str"}}.get(kind, set())
        if len(counts) > 1 or (wanted_python and set(counts.index) - wanted_python):
            odd = [t for t in counts.index if t not in wanted_python] or list(counts.index[1:])
            odd_mask = (series.notna() & series.map(lambda v: type(v).__name__).isin(odd)).to_numpy()
            where, where_zh = rows.first(odd_mask)
            example = _short(series.iloc[int(np.flatnonzero(odd_mask)[0])])
            mix = ", ".join(f"{n} {t}" for t, n in counts.items())
            problems.append(Problem(
                f"{typed}: '{name}' is declared {kind} but holds values of mixed Python types ({mix}; e.g. {where}: "
                f"{example}). Make generate.py produce {_WANTED[kind][0]}, e.g. with .astype(...).",
                f"{typed_zh}：'{name}' 声明为 {kind}，但其中的值类型混杂（{mix}；例如{where_zh}：{example}）。"
                f"请让 generate.py 生成{_WANTED[kind][1]}，例如用 .astype(...) 转换。"))
            return problems
    # An int or bool column with missing values turns float or object: the missing values already say why.
    explained = bool(problems) and kind in ("int", "bool")
    if not explained and not _dtype_ok(series, kind):
        because, because_zh = "", ""
        if kind == "int" and pd.api.types.is_float_dtype(series) and n_missing:
            because = f" because of its {n_missing} missing value(s)"
            because_zh = f"（因为有 {n_missing} 个缺失值）"
        problems.append(Problem(
            f"{typed}: '{name}' is declared {kind} but generate.py makes it {series.dtype}{because}. "
            f"Make generate.py produce {_WANTED[kind][0]}, or change the declared type.",
            f"{typed_zh}：'{name}' 声明为 {kind}，但 generate.py 生成的是 {series.dtype}{because_zh}。"
            f"请让 generate.py 生成{_WANTED[kind][1]}，或修改声明的类型。"))
    if name == rules.label_column and not problems:
        problems += _check_label(series, rows=rows, field=field, field_zh=field_zh)
    return problems


def _check_label(series: pd.Series, *, rows: _Rows, field: str, field_zh: str) -> list[Problem]:
    values = series.to_numpy()
    if values.dtype == bool:
        return []
    other = ~np.isin(values, (0, 1))
    n_other = int(other.sum())
    if not n_other:
        return []
    where, where_zh = rows.first(other)
    kinds = ", ".join(_short(v) for v in pd.unique(values[other])[:5])
    return [Problem(
        f"{field}: the label '{series.name}' has {n_other} value(s) other than 0 and 1 ({kinds}; e.g. {where}). "
        "A label is exactly 0 (not a lead) or 1 (a verified lead): map the other values in generate.py.",
        f"{field_zh}：标签 '{series.name}' 有 {n_other} 个既不是 0 也不是 1 的值（{kinds}；例如{where_zh}）。"
        "标签只能是 0（非线索）或 1（经核实的线索）：请在 generate.py 中转换其他取值。")]


# --- train and test together -------------------------------------------------------------------


def check_ids(train: pd.DataFrame, test: pd.DataFrame, *, rules: ChallengeRules, train_call: str, test_call: str,
              generate_file: str) -> list[Problem]:
    """Ids unique across train and test, drawn at random (not numbered in order), their order blind to the label."""
    id_col, label_col = rules.id_column, rules.label_column
    problems: list[Problem] = []
    train_ids, test_ids = train[id_col].reset_index(drop=True), test[id_col].reset_index(drop=True)
    both = pd.concat([train_ids, test_ids], ignore_index=True)
    repeated = both.duplicated(keep=False).to_numpy() & both.notna().to_numpy()
    if repeated.any():
        n_train = len(train_ids)
        n_values = int(both[repeated].nunique())
        value = both[repeated].iloc[0]
        places = np.flatnonzero((both == value).to_numpy())
        named = [f"row {p} of {train_call}" if p < n_train else f"row {p - n_train} of {test_call}" for p in places[:2]]
        named_zh = [f"{train_call} 的第 {p} 行" if p < n_train else f"{test_call} 的第 {p - n_train} 行" for p in places[:2]]
        across = int(len(set(train_ids.dropna()) & set(test_ids.dropna())))
        problems.append(Problem(
            f"{generate_file}: the id column '{id_col}' repeats {n_values} id(s) across the train and test sets "
            f"({across} of them appear in both; e.g. {_short(value)} in {' and '.join(named)}). Give every row of both "
            "sets its own id: draw ids at random from a large space (e.g. 48 random bits as hex) and redraw clashes.",
            f"{generate_file}：id 列 '{id_col}' 在训练集和测试集中共有 {n_values} 个重复的编号（其中 {across} 个同时出现在两个集合中；"
            f"例如 {_short(value)} 出现在{'和'.join(named_zh)}）。请让两个集合的每一行都有自己的编号：从足够大的空间中随机抽取"
            "（如 48 位随机数的十六进制），重复的重新抽取。"))
    for name, ids, call in (("train", train_ids, train_call), ("test", test_ids, test_call), ("train + test", both, None)):
        gap = _sequential_gap(ids.dropna())
        if gap is not None:
            what = call or f"{train_call} and {test_call} together"
            problems.append(Problem(
                f"{generate_file}: the ids of '{id_col}' in {what} look sequential (their numbers, sorted, are a median "
                f"{gap:g} apart): numbered ids let anyone line train and test up and read a row's position off its id. "
                "Draw ids at random from a large space (e.g. 48 random bits as hex).",
                f"{generate_file}：{call or f'{train_call} 与 {test_call} 合起来'}中 '{id_col}' 的编号看起来是顺序编号"
                f"（排序后相邻编号的中位间隔为 {gap:g}）：顺序编号会让人对齐训练集与测试集，并从编号读出行的位置。"
                "请从足够大的空间中随机抽取编号（如 48 位随机数的十六进制）。"))
            break
    for name, frame, call in (("train", train, train_call), ("test", test, test_call)):
        auc = _id_order_auc(frame, id_col=id_col, label_col=label_col)
        if auc is not None:
            problems.append(Problem(
                f"{generate_file}: in {call}, sorting the rows by '{id_col}' ranks the leads (ROC AUC {auc:.3f} against "
                f"'{label_col}', where random ids give 0.5): the id carries label information. Draw ids at random, after "
                "the labels, independently of them.",
                f"{generate_file}：在 {call} 中，按 '{id_col}' 排序就能排出线索（对 '{label_col}' 的 ROC AUC 为 {auc:.3f}，"
                "随机编号应为 0.5）：编号泄露了标签信息。请在生成标签之后、独立于标签随机抽取编号。"))
    return problems


_ID_NUMBER = r"^(?P<prefix>.*?)(?P<digits>[0-9]{1,15})$"


def _numbers_of(ids: pd.Series) -> np.ndarray | None:
    """The numeric part of each id: an int column, or ids that are one fixed prefix and up to 15 decimal digits."""
    if len(ids) < 3:
        return None
    if pd.api.types.is_integer_dtype(ids):
        return ids.to_numpy(dtype=np.float64)
    text = pa.array(ids.astype(str).to_numpy(dtype=object), type=pa.large_string())
    sample = text.slice(0, 200)  # random ids (hex, words) fail here, at once
    for part in (sample, text):
        parts = pc.extract_regex(part, _ID_NUMBER)
        if parts.null_count or len(pc.unique(parts.field("prefix"))) != 1:
            return None
    return pc.cast(parts.field("digits"), pa.int64()).to_numpy(zero_copy_only=False).astype(np.float64)


def _sequential_gap(ids: pd.Series) -> float | None:
    """The median gap between sorted id numbers when it is tiny (<= 2): ids numbered in order."""
    numbers = _numbers_of(ids)
    if numbers is None:
        return None
    gaps = np.diff(np.sort(numbers))
    median = float(np.median(gaps)) if gaps.size else math.inf
    return median if median <= 2 else None


def _id_order_auc(frame: pd.DataFrame, *, id_col: str, label_col: str) -> float | None:
    """ROC AUC of 'rank the rows by id' against the label, when it is far from chance."""
    y = frame[label_col].to_numpy()
    positives, n = int((y == 1).sum()), len(y)
    negatives = n - positives
    if not positives or not negatives:
        return None
    ids = frame[id_col]
    order = (ids if pd.api.types.is_string_dtype(ids) or pd.api.types.is_numeric_dtype(ids) else ids.astype(str)).argsort()
    ranks = np.empty(n, dtype=np.float64)
    ranks[order.to_numpy()] = np.arange(1, n + 1)  # ids are unique (checked), so no ties to average
    auc = (ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    se = math.sqrt((n + 1) / (12 * positives * negatives))
    return float(auc) if abs(auc - 0.5) > max(ID_ORDER_AUC_MARGIN, ID_ORDER_Z * se) else None


def check_positives(*, train_labels: np.ndarray, test_labels: np.ndarray, is_public: np.ndarray, yaml_file: str,
                    primary: str) -> list[Problem]:
    """At least one lead and one non-lead in train and in each test split the metric is computed on."""
    problems = []
    parts = (("the train set", "训练集", train_labels, "data.train_rows"),
             ("the public test split", "公开测试部分", test_labels[is_public], "data.test_rows"),
             ("the private test split", "私有测试部分", test_labels[~is_public], "data.test_rows"))
    for name, name_zh, labels, field in parts:
        positives = int((labels == 1).sum())
        if positives == 0 or positives == len(labels):
            what, what_zh = ("no lead (label 1)", "没有线索（标签 1）") if positives == 0 else ("only leads", "全是线索")
            problems.append(Problem(
                f"{yaml_file}: field '{field}': {name} ({len(labels)} rows) has {what}, so {primary} cannot be computed "
                f"on it. Raise {field}, or make generate.py produce both labels in every district.",
                f"{yaml_file}：字段 '{field}'：{name_zh}（{len(labels)} 行）{what_zh}，无法计算 {primary}。"
                f"请增大 {field}，或让 generate.py 在各区县都生成两种标签。"))
    return problems
