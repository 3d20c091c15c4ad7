"""From a checked bundle to the lead sets the platform stores: generate, validate in full, shuffle, split.

`prepare_data` is shared by loading and by the dry run (`dabiwu challenges check`), so that a dry run
runs exactly the checks a load runs.  It raises `BundleError` with every problem found, or returns the
sets as Arrow tables ready to write.

The hidden test rows are shuffled with the installation's secret seed before anything else sees them:
the scorer breaks ties in row order (precision@k's top k), so a generator that emits its rows sorted by
label would otherwise hand a model that scores by position (or a constant) a perfect board.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from dabiwu.challenges.bundle import Bundle, BundleError, call_generate
from dabiwu.challenges.splits import split_public_private
from dabiwu.challenges.validation import Problem, check_frame, check_ids, check_positives

# Mixed into the secret seed, so that the shuffle's draws differ from the generator's and the split's.
_SHUFFLE_SALT = 0x5348554646
PUBLIC_FRACTION = 0.3
# A test set whose row position ranks the leads this well (ROC AUC away from 0.5) comes sorted.
SORTED_AUC_MARGIN = 0.1


@dataclass
class PreparedData:
    train: pd.DataFrame
    test: pd.DataFrame  # shuffled with the secret seed
    is_public: np.ndarray
    train_table: pa.Table
    test_table: pa.Table
    warnings: list[Problem] = field(default_factory=list)


def shuffle_rows(frame: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    """The rows in an order drawn from the secret seed: position carries no information from generate()."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), _SHUFFLE_SALT]))
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)


def _to_arrow(frame: pd.DataFrame, *, call: str, file: str) -> tuple[pa.Table | None, list[Problem]]:
    try:
        return pa.Table.from_pandas(frame, preserve_index=False), []
    except (pa.ArrowException, TypeError, ValueError) as exc:
        detail = str(exc)[:300].rstrip('.')
        return None, [Problem(
            f"{file}: the frame of {call} cannot be written as Parquet ({type(exc).__name__}: {detail}). Give every column "
            "one type: numbers, strings, booleans or datetime64.",
            f"{file}：{call} 的数据无法写成 Parquet（{type(exc).__name__}：{detail}）。请让每一列只有一种类型："
            "数值、字符串、布尔或 datetime64。")]


def prepare_data(bundle: Bundle, *, hidden_seed: int) -> PreparedData:
    """Generate train (public seed) and test (secret seed) at full size, check them whole, shuffle and split test."""
    rules, data = bundle.rules, bundle.rules.data
    gen_file, yaml_file = str(bundle.path / "generate.py"), str(bundle.path / "challenge.yaml")
    label_col = rules.label_column
    sizes = {"train": (data.train_rows, data.train_seed), "test": (data.test_rows, int(hidden_seed))}
    frames, calls, problems = {}, {}, []
    for name, (n_rows, seed) in sizes.items():
        calls[name] = f"generate({n_rows}, {seed})"
        frame, failed = call_generate(bundle.generate, n_rows, seed, file=gen_file)
        problems += failed
        if frame is not None:
            found = check_frame(frame, rules=rules, n_rows=n_rows, call=calls[name], yaml_file=yaml_file, generate_file=gen_file)
            problems += found
            frames[name] = None if found else frame
    if problems or len(frames) < 2:
        raise BundleError(problems)
    train, generated_test = frames["train"], frames["test"]
    problems += check_ids(train, generated_test, rules=rules, train_call=calls["train"], test_call=calls["test"],
                          generate_file=gen_file)
    warnings = _order_warnings(generated_test, label_col=label_col, call=calls["test"], file=gen_file)
    test = shuffle_rows(generated_test, seed=hidden_seed)
    is_public = split_public_private(test, group_column=rules.group_column, label_column=label_col,
                                     public_fraction=PUBLIC_FRACTION, seed=hidden_seed)
    problems += check_positives(train_labels=train[label_col].to_numpy(), test_labels=test[label_col].to_numpy(),
                                is_public=is_public, yaml_file=yaml_file, primary=rules.metric.primary)
    train_table, failed = _to_arrow(train, call=calls["train"], file=gen_file)
    problems += failed
    test_table, failed = _to_arrow(test, call=calls["test"], file=gen_file)
    problems += failed
    if problems:
        raise BundleError(problems)
    return PreparedData(train=train, test=test, is_public=is_public, train_table=train_table, test_table=test_table,
                        warnings=warnings)


def _order_warnings(test: pd.DataFrame, *, label_col: str, call: str, file: str) -> list[Problem]:
    """generate() emitting rows ordered by label is harmless once shuffled, but worth telling the organiser."""
    y = test[label_col].to_numpy()
    positives, negatives = int((y == 1).sum()), int((y == 0).sum())
    if not positives or not negatives:
        return []
    position = np.arange(len(y), dtype=np.float64) + 1
    auc = (position[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    if abs(auc - 0.5) <= SORTED_AUC_MARGIN:
        return []
    return [Problem(
        f"{file}: {call} returns its rows ordered by the label (row position ranks the leads with ROC AUC {auc:.2f}). "
        "The platform shuffles the hidden test rows with its secret seed, so this leaks nothing there, but the public "
        "train set keeps generate()'s order: shuffle the rows at the end of generate().",
        f"{file}：{call} 返回的行按标签排序（行号对线索的 ROC AUC 为 {auc:.2f}）。平台会用安装的秘密种子打乱隐藏测试集的行，"
        "因此不会泄露，但公开训练集保持 generate() 的顺序：请在 generate() 末尾打乱行顺序。")]


def summarise(bundle: Bundle, prepared: PreparedData) -> dict:
    """Rows and leads per set, split and district: what an organiser checks before publishing."""
    label_col, group_col = bundle.label_column, bundle.group_column
    train, test, public = prepared.train, prepared.test, prepared.is_public

    def counts(frame: pd.DataFrame) -> dict:
        y = frame[label_col].to_numpy()
        return {"rows": int(len(y)), "positives": int((y == 1).sum()), "rate": round(float((y == 1).mean()), 4) if len(y) else None}

    districts = {}
    for name in sorted(set(train[group_col].astype(str)) | set(test[group_col].astype(str))):
        in_train, in_test = train[group_col].astype(str) == name, (test[group_col].astype(str) == name).to_numpy()
        districts[name] = {
            "train": counts(train[in_train.to_numpy()]),
            "public": counts(test[in_test & public]),
            "private": counts(test[in_test & ~public]),
        }
    return {
        "slug": bundle.slug,
        "version": bundle.version,
        "columns": len(bundle.rules.columns),
        "train": counts(train),
        "test": counts(test),
        "public": counts(test[public]),
        "private": counts(test[~public]),
        "districts": districts,
        "warnings": [w.en for w in prepared.warnings],
        "warnings_zh": [w.zh for w in prepared.warnings],
    }
