"""Turn what a model's `predict` returned into one float64 lead score per feature row, or refuse it.

The table comes from untrusted code (the sandbox child writes it), so nothing in it is taken on
faith: its shape, types and values are checked, and every refusal says which rule was broken and
how to fix the model.  Accepted forms (CONTRACT.md, "Models"):

- one column (a 1-D array or Series; the child names it e.g. "score" or "0"): taken as is;
- any table with a column named `score`: that column is taken, the others are ignored;
- two columns (a probability array, columns "0" and "1"): the second one, P(lead), is taken.

Rows are matched to the features by position: the child predicts on the features file in its
order, so row i of the predictions is the score of row i of the features.  An index or id column
in the output is not used for alignment.

Booleans are refused, not cast to 0/1: a True/False output nearly always means the team called
`predict` where it meant `predict_proba`, and a two-level score makes AP and top-k meaningless.
A team that really wants 0/1 scores can return them as numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


class BadOutput(ValueError):
    """The model's predictions break a rule of the output contract.

    `rule` is a stable code (empty, wrong_length, not_numeric, not_finite, ambiguous_columns, unreadable) for
    programs; `str(error)` is the English message for the team; `message_zh` the Chinese one.
    """

    def __init__(self, rule: str, message_en: str, message_zh: str):
        super().__init__(f"{message_en} [rule: {rule}]")
        self.rule = rule
        self.message_en = message_en
        self.message_zh = message_zh

    def __reduce__(self):  # survive pickling (e.g. a Celery result) with all three fields
        return (type(self), (self.rule, self.message_en, self.message_zh))


_CONTRACT_EN = (
    "predict() must return one score per row: a 1-D array, a DataFrame with a 'score' column, "
    "or a 2-column predict_proba array"
)
_CONTRACT_ZH = "predict() 须对每行返回一个分数：一维数组、含 'score' 列的 DataFrame，或两列的 predict_proba 概率数组"


def normalise_predictions(table: pa.Table | pd.DataFrame, *, n_rows: int) -> np.ndarray:
    """The lead scores in `table` as a float64 array of length `n_rows`, or BadOutput.

    A pandas Series or a 1-D/2-D numpy array (predict's raw return) is accepted too, as the
    one-column or the "0", "1", ... table it would be written as.
    """
    name, column = _pick_column(_as_table(table), n_rows=n_rows)
    if len(column) != n_rows:
        raise BadOutput(
            "wrong_length",
            f"The predictions have {len(column)} rows but the test features have {n_rows}. "
            f"{_CONTRACT_EN}, in the input's order; do not drop, filter, deduplicate or add rows.",
            f"预测结果有 {len(column)} 行，而测试特征有 {n_rows} 行。{_CONTRACT_ZH}，且顺序与输入一致；不要删除、筛选、去重或增加行。",
        )
    scores = _as_float64(name, column)
    bad = ~np.isfinite(scores)
    if bad.any():
        first = int(np.argmax(bad))
        raise BadOutput(
            "not_finite",
            f"{int(bad.sum())} of {n_rows} scores in column '{_short(name)}' are missing, NaN or infinite "
            f"(the first at row {first}). Every row needs a finite number: impute missing features "
            "inside the model (e.g. a SimpleImputer in the pipeline) and clip extreme values.",
            f"列 '{_short(name)}' 中有 {int(bad.sum())}/{n_rows} 个分数为空、NaN 或无穷大（第一个在第 {first} 行）。"
            "每一行都需要一个有限数值：请在模型内部填补缺失特征（如在管道中加入 SimpleImputer）并截断极端值。",
        )
    return scores


def _short(name: str) -> str:
    """A column name as quoted back to the team: the model chose it, so it is cut (and NUL-free)."""
    name = name.replace("\x00", "")
    return name if len(name) <= 40 else name[:40] + "..."


def read_scores(path, *, n_rows: int, max_columns: int = 256, max_footer_bytes: int = 1024 * 1024) -> np.ndarray:
    """The lead scores in the predictions Parquet the sandbox wrote, or BadOutput.

    Every byte of that file is the model's, so whatever goes wrong reading or judging it is the
    model's fault (the team's error, charged, not retried): a footer that lies (read_predictions checks it before
    any data is read), a body that does not decode behind a valid footer, a type no cast handles, anything. Only a
    fault of this machine stays ours: running out of memory, and an I/O error the kernel reports (an errno;
    pyarrow's own decoding errors carry none).
    """
    try:
        return read_predictions(path, n_rows=n_rows, max_columns=max_columns, max_footer_bytes=max_footer_bytes)
    except (BadOutput, MemoryError):
        raise
    except OSError as exc:
        if exc.errno is not None:
            raise
        raise _unreadable(type(exc).__name__) from exc
    except Exception as exc:  # noqa: BLE001 - see the docstring: the input is entirely the model's
        raise _unreadable(type(exc).__name__) from exc


def _as_table(value) -> pa.Table | pd.DataFrame:
    if isinstance(value, (pa.Table, pd.DataFrame)):
        return value
    if isinstance(value, pd.Series):
        return value.to_frame(name="score" if value.name is None else value.name)
    if isinstance(value, np.ndarray) and value.ndim in (1, 2):
        return pd.DataFrame(value.reshape(value.shape[0], -1) if value.ndim == 2 else {"score": value})
    raise TypeError(f"normalise_predictions takes a pyarrow Table or a pandas DataFrame, not {type(value).__name__}.")


def _pick_column(table: pa.Table | pd.DataFrame, *, n_rows: int) -> tuple[str, pa.ChunkedArray | pd.Series]:
    if isinstance(table, pa.Table):
        names = [str(name) for name in table.column_names]
        columns = [table.column(i) for i in range(table.num_columns)]
        rows = table.num_rows
    else:
        names = [str(name) for name in table.columns]
        columns = [table.iloc[:, i] for i in range(table.shape[1])]
        rows = table.shape[0]
    if not columns or (rows == 0 and n_rows > 0):
        raise BadOutput(
            "empty",
            f"The model returned no predictions ({len(columns)} columns, {rows} rows). {_CONTRACT_EN}.",
            f"模型没有返回任何预测（{len(columns)} 列，{rows} 行）。{_CONTRACT_ZH}。",
        )
    index = _choose_index(names)
    return names[index], columns[index]


def _choose_index(names: list[str]) -> int:
    """Which column holds the score, from the names alone (so a file's footer is enough)."""
    if "score" in names:
        if names.count("score") > 1:
            raise BadOutput(
                "ambiguous_columns",
                "The predictions have more than one column named 'score'. Return exactly one 'score' column.",
                "预测结果中有多个名为 'score' 的列。请只返回一个 'score' 列。",
            )
        return names.index("score")
    if len(names) == 1:
        return 0
    if len(names) == 2:
        return 1  # predict_proba: column 1 is P(lead)
    columns = names
    shown = ", ".join(repr(_short(name)) for name in names[:8]) + (", ..." if len(names) > 8 else "")
    raise BadOutput(
        "ambiguous_columns",
        f"The predictions have {len(columns)} columns ({shown}) and none is named 'score', so the "
        "lead score cannot be told apart. Name the score column 'score', or return only the score.",
        f"预测结果有 {len(columns)} 列（{shown}），且没有名为 'score' 的列，无法确定哪一列是线索分数。"
        "请将分数列命名为 'score'，或只返回分数。",
    )


def _as_float64(name: str, column: pa.ChunkedArray | pd.Series) -> np.ndarray:
    if isinstance(column, pd.Series):
        return _series_as_float64(name, column)
    kind = column.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        # nulls become NaN and are reported as not_finite. An unchecked cast: an int64 beyond 2**53 is a
        # valid (if odd) score and loses only digits a ranking never needs; the checked cast raised on it,
        # and the worker booked that as a platform fault (issue #14, item 8).
        return np.asarray(pc.cast(column, pa.float64(), safe=False).to_numpy(zero_copy_only=False), dtype=np.float64)
    if pa.types.is_null(kind):
        return np.full(len(column), np.nan)
    raise _not_numeric(name, str(kind))


def _series_as_float64(name: str, column: pd.Series) -> np.ndarray:
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise _not_numeric(name, str(dtype))
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    if dtype == object:
        # object columns pass only if every value is a plain number (or missing)
        inferred = pd.api.types.infer_dtype(column, skipna=True)
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal", "empty"):
            return pd.to_numeric(column, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        raise _not_numeric(name, f"object ({inferred})")
    raise _not_numeric(name, str(dtype))


def _not_numeric(name: str, kind: str) -> BadOutput:
    kind = kind if len(kind) <= 80 else kind[:80] + "..."  # a struct's field names are the model's
    return BadOutput(
        "not_numeric",
        f"Column '{_short(name)}' of the predictions holds {kind} values, not numbers. A lead score is a "
        "number, higher meaning more likely a lead: return predict_proba(X)[:, 1] (or a decision "
        "score) as floats, not class labels, booleans or strings.",
        f"预测结果的列 '{_short(name)}' 是 {kind} 类型，不是数值。线索分数须为数值，越大越可能是线索："
        "请返回浮点数形式的 predict_proba(X)[:, 1]（或决策分数），不要返回类别标签、布尔值或字符串。",
    )


# -- reading the file the sandbox wrote -----------------------------------------------------

def read_predictions(path, *, n_rows: int, max_columns: int = 256, max_footer_bytes: int = 1024 * 1024) -> np.ndarray:
    """The lead scores in the predictions Parquet at `path`, checked from its footer before any data is read.

    The file is written inside the sandbox, so its footer is the model's word: a 38 kB file that declared
    6.4e9 rows made the trusted worker decode 51 GB before the row count was compared (issue #14). Here
    the footer's own length is read from the file's last 8 bytes and bounded before pyarrow parses it;
    then the declared rows (of the file and of every row group), the number of columns, the chosen
    column's type and its declared uncompressed size are checked; only then is that one column read.
    Every refusal is BadOutput: a lying or oversized file is the model's output, the team's error.
    """
    import os

    import pyarrow.parquet as pq

    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        if size < 12:
            raise _unreadable(f"it has only {size} bytes")
        handle.seek(size - 8)
        trailer = handle.read(8)
    footer = int.from_bytes(trailer[:4], "little")
    if trailer[4:] != b"PAR1" or footer > size - 12:
        raise _unreadable("its footer is missing or damaged")
    if footer > max_footer_bytes:
        raise BadOutput(
            "too_much_metadata",
            f"The predictions file's metadata takes {footer} bytes, above the limit of {max_footer_bytes}. "
            f"{_CONTRACT_EN}; return only the score (no extra columns or metadata).",
            f"预测结果文件的元数据有 {footer} 字节，超过上限 {max_footer_bytes}。{_CONTRACT_ZH}；只返回分数（不要附加列或元数据）。",
        )
    try:
        parquet = pq.ParquetFile(path, thrift_string_size_limit=max_footer_bytes,
                                 thrift_container_size_limit=max(10_000, max_columns * 64), pre_buffer=False)
    except Exception as exc:  # noqa: BLE001 - whatever pyarrow says, the file is the model's
        raise _unreadable(str(exc)[:200]) from exc
    meta = parquet.metadata
    if meta.num_columns > max_columns:
        raise BadOutput(
            "too_many_columns",
            f"The predictions have {meta.num_columns} columns, above the limit of {max_columns}. {_CONTRACT_EN}.",
            f"预测结果有 {meta.num_columns} 列，超过上限 {max_columns}。{_CONTRACT_ZH}。",
        )
    group_rows = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    if meta.num_rows != n_rows or sum(group_rows) != n_rows or any(r < 0 for r in group_rows):
        declared = meta.num_rows if meta.num_rows != n_rows else sum(group_rows)
        raise BadOutput(
            "wrong_length",
            f"The predictions have {declared} rows but the test features have {n_rows}. "
            f"{_CONTRACT_EN}, in the input's order; do not drop, filter, deduplicate or add rows.",
            f"预测结果有 {declared} 行，而测试特征有 {n_rows} 行。{_CONTRACT_ZH}，且顺序与输入一致；不要删除、筛选、去重或增加行。",
        )
    schema = parquet.schema_arrow
    names = [str(n) for n in schema.names]
    if not names:
        raise BadOutput("empty", f"The model returned no predictions (0 columns). {_CONTRACT_EN}.",
                        f"模型没有返回任何预测（0 列）。{_CONTRACT_ZH}。")
    index = _choose_index(names)
    name, kind = names[index], schema.field(index).type
    if names.count(name) > 1:
        raise BadOutput("ambiguous_columns", f"The predictions have more than one column named {name!r}. "
                        f"{_CONTRACT_EN}.", f"预测结果中有多个名为 {name!r} 的列。{_CONTRACT_ZH}。")
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
            or pa.types.is_null(kind)):
        raise _not_numeric(name, str(kind))
    leaf = _leaf_index(parquet, name)
    for group in range(meta.num_row_groups):
        chunk = meta.row_group(group).column(leaf)
        # At most 16 bytes a value (decimal128), with room for levels and page headers.
        if chunk.total_uncompressed_size > 32 * group_rows[group] + 1024 * 1024:
            raise _unreadable(f"column '{name}' declares {chunk.total_uncompressed_size} bytes for "
                              f"{group_rows[group]} rows")
    try:
        table = parquet.read(columns=[name], use_threads=False)
    except Exception as exc:  # noqa: BLE001
        raise _unreadable(str(exc)[:200]) from exc
    if table.num_rows != n_rows:
        raise _unreadable(f"it holds {table.num_rows} rows where its footer declares {n_rows}")
    return normalise_predictions(table, n_rows=n_rows)


def _leaf_index(parquet, name: str) -> int:
    paths = [parquet.schema.column(i).path for i in range(len(parquet.schema))]
    if name in paths:
        return paths.index(name)
    raise _unreadable(f"column '{name}' is nested, not a plain column")


def _unreadable(why: str) -> BadOutput:
    return BadOutput(
        "unreadable_output",
        f"The predictions file the model wrote cannot be used ({why}). {_CONTRACT_EN}; let the platform write "
        "the file (do not write to its output yourself).",
        f"模型写出的预测结果文件无法使用（{why}）。{_CONTRACT_ZH}；请由平台写出该文件（不要自行写入平台的输出）。",
    )
