"""The starting kit a team downloads: train data, data dictionary, baseline and a packaging script.

The zip is deterministic for the same inputs (fixed timestamps, sorted entries), so its sha256
only changes when its content does.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from dabiwu.challenges.bundle import Bundle

_FIXED_TIME = (2026, 1, 1, 0, 0, 0)

# A plain, self-contained script shipped in every kit.  It reads data_dictionary.csv, so one script
# serves every challenge; challenges/measure_headroom.py measures this very model as the "stronger"
# one, so the README's headroom numbers are what a team gets by running it.
TRAIN_AND_PACKAGE = r'''
"""Train a gradient-boosting model on the public train set and package it as an MLflow model.

    python train_and_package.py --train train.parquet --out my_model [--format skops|cloudpickle]

The script reads data_dictionary.csv (next to it, or --dictionary) for each column's type and role,
so it works unchanged for every challenge:
- int, float and bool columns go in as numbers (gradient boosting handles missing values itself);
- category columns (the district included) are ordinal-encoded and treated as categories;
- free-text columns (type string) become binary character 2-3-gram flags: the keywords;
- date columns are left out (turn them into numbers first if you want them).
The saved folder is a stock MLflow model whose pyfunc `predict` returns a (n, 2) probability array.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import pandas as pd  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import OrdinalEncoder  # noqa: E402

HERE = Path(__file__).resolve().parent


def read_dictionary(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig").fillna({"role": "feature"})


def read_table(path: Path, dictionary: pd.DataFrame) -> pd.DataFrame:
    if path.suffix == ".csv":
        dates = dictionary.loc[dictionary["type"] == "date", "name"].tolist()
        return pd.read_csv(path, encoding="utf-8-sig", parse_dates=dates)
    return pd.read_parquet(path)


def columns_of(dictionary: pd.DataFrame, *types: str, roles: tuple[str, ...] = ("feature", "group")) -> list[str]:
    rows = dictionary[dictionary["type"].isin(types) & dictionary["role"].isin(roles)]
    return rows["name"].tolist()


def build_model(dictionary: pd.DataFrame) -> Pipeline:
    numeric = columns_of(dictionary, "int", "float", "bool")
    categories = columns_of(dictionary, "category")
    text = columns_of(dictionary, "string", roles=("feature",))
    features = ColumnTransformer(
        [
            (  # first, so that the booster finds them at positions 0 .. len(categories) - 1
                "categories",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2),
                categories,
            ),
            ("numeric", "passthrough", numeric),
            *[
                (f"text_{name}", CountVectorizer(analyzer="char", ngram_range=(2, 3), min_df=20, max_features=200, binary=True), name)
                for name in text
            ],
        ],
        remainder="drop",
        sparse_threshold=0.0,  # gradient boosting wants a dense matrix
    )
    booster = HistGradientBoostingClassifier(
        learning_rate=0.06,
        max_iter=300,
        max_leaf_nodes=31,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        categorical_features=list(range(len(categories))) or None,  # negative codes count as missing
        random_state=0,
    )
    return make_pipeline(features, booster)


def train(train_df: pd.DataFrame, dictionary: pd.DataFrame) -> Pipeline:
    label = columns_of(dictionary, "int", "bool", roles=("label",))[0]
    model = build_model(dictionary)
    model.fit(features_of(train_df, dictionary), train_df[label].astype(int))
    return model


def features_of(frame: pd.DataFrame, dictionary: pd.DataFrame) -> pd.DataFrame:
    drop = dictionary.loc[dictionary["role"].isin(["id", "label"]), "name"]
    return frame.drop(columns=[c for c in drop if c in frame.columns])


def requirements(serialization_format: str) -> list[str]:
    """Pinned to what trained the model (MLflow would otherwise spawn a Python to guess them)."""
    from importlib.metadata import version

    packages = ["scikit-learn", "pandas", "numpy", "scipy", serialization_format]
    return [f"{name}=={version(name)}" for name in packages]


def save(model: Pipeline, X: pd.DataFrame, out: Path, *, serialization_format: str) -> None:
    import mlflow.sklearn
    from mlflow.models import infer_signature

    trusted = None
    if serialization_format == "skops":
        import skops.io

        # skops refuses types it does not know, HistGradientBoosting's tree predictor among them.
        # We built this model ourselves, so we list its types as trusted.
        trusted = skops.io.get_untrusted_types(data=skops.io.dumps(model)) or None
    mlflow.sklearn.save_model(
        model,
        str(out),
        serialization_format=serialization_format,
        pip_requirements=requirements(serialization_format),
        skops_trusted_types=trusted,
        pyfunc_predict_fn="predict_proba",
        signature=infer_signature(X, model.predict_proba(X.head(100))),
        input_example=X.head(5),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=HERE / "train.parquet", help="train.parquet or train.csv")
    parser.add_argument("--dictionary", type=Path, default=HERE / "data_dictionary.csv")
    parser.add_argument("--out", type=Path, required=True, help="folder for the MLflow model (must not exist yet)")
    parser.add_argument("--format", choices=["skops", "cloudpickle"], default="skops")
    args = parser.parse_args(argv)
    dictionary = read_dictionary(args.dictionary)
    train_df = read_table(args.train, dictionary)
    model = train(train_df, dictionary)
    save(model, features_of(train_df, dictionary), args.out, serialization_format=args.format)
    print(f"saved a {args.format} MLflow model to {args.out}; submit it with: dabiwu submit SLUG {args.out}")


if __name__ == "__main__":
    main()
'''.lstrip()


def _readme(bundle: Bundle, train_name: str, runtime: str = "") -> str:
    rules = bundle.rules
    metric, limits = rules.metric, rules.limits
    slug, id_col, label_col, group_col = bundle.slug, bundle.id_column, bundle.label_column, bundle.group_column
    primary, k = metric.primary, metric.k
    rows = rules.data.train_rows
    snippet = f"""```python
import mlflow.sklearn
import pandas as pd
import skops.io
from mlflow.models import infer_signature

train = pd.read_parquet("{train_name}")
X, y = train.drop(columns=["{id_col}", "{label_col}"]), train["{label_col}"]
model.fit(X, y)  # any scikit-learn classifier or pipeline that takes the raw frame
signature = infer_signature(X, model.predict_proba(X.head(100)))

# 1) skops (the default, and the safer format).  skops refuses types it does not know, such as
#    HistGradientBoostingClassifier's TreePredictor, unless they are listed as trusted.  For a
#    HistGradientBoosting pipeline the list is e.g. ['functools.partial',
#    'sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor',
#    'sklearn.utils.validation.check_array'].
trusted = skops.io.get_untrusted_types(data=skops.io.dumps(model))
mlflow.sklearn.save_model(
    model, "my_model_skops",
    serialization_format="skops", skops_trusted_types=trusted,
    pyfunc_predict_fn="predict_proba",  # predict returns an (n, 2) probability array
    signature=signature, input_example=X.head(5),
)

# 2) cloudpickle: takes any Python object, custom functions included (they are pickled by value
#    when defined in your script).
mlflow.sklearn.save_model(
    model, "my_model_cloudpickle",
    serialization_format="cloudpickle",
    pyfunc_predict_fn="predict_proba",
    signature=signature, input_example=X.head(5),
)
```"""
    return f"""# {rules.title_zh} · {rules.title_en} — 入门工具包 / starting kit

挑战 / challenge: `{slug}` (version {bundle.version})

## 中文

### 包内文件
| 文件 | 内容 |
| --- | --- |
| `{train_name}` | 公开训练集，{rows} 行。标签列 `{label_col}`（1 = 经核实的监督线索），编号列 `{id_col}`，区县列 `{group_col}` |
| `data_dictionary.csv` | 数据字典：列名、类型、角色（id / group / label / feature）、中英文说明 |
| `baseline.py` | 基线：逻辑回归（数值 + 独热编码），打包为 MLflow 模型 |
| `train_and_package.py` | 梯度提升 + 文本关键字特征，训练并打包为 MLflow 模型；按数据字典自动选列 |

### 准备环境
```bash
python3.11 -m venv .venv && . .venv/bin/activate
pip install "mlflow==3.17.2" scikit-learn pandas pyarrow skops
```

### 训练
```bash
python baseline.py --train {train_name} --out model_baseline                  # 基线（skops 格式）
python train_and_package.py --train {train_name} --out model_hgb              # 更强的模型（skops 格式）
python train_and_package.py --train {train_name} --out model_hgb_cp --format cloudpickle
```

### 打包要求
提交物是一个 MLflow 模型目录（根目录下有 `MLmodel` 文件），任何能被 `mlflow.pyfunc.load_model` 加载的 flavor 均可。
平台把隐藏测试集的特征表（除 `{label_col}` 外的全部列，含 `{id_col}`）交给 `predict`，它须为每行返回一个线索分数
（分数越高越可能是线索）：一维数组、含 `score` 列的 DataFrame，或两列概率数组（取第二列）。
用 scikit-learn 时，两种保存格式都可以：

{snippet}

skops 是默认格式：加载时只接受列入信任清单的类型，平台更推荐。HistGradientBoosting 必须像上面那样传入
`skops_trusted_types`，否则加载失败。cloudpickle 什么对象都能存，但加载它就是执行任意代码。

### 提交
```bash
dabiwu login --url http://平台地址:8000 --username 你的用户名
dabiwu submit {slug} model_hgb
dabiwu status 提交编号
```

### 评分与限制
- 主指标 `{primary}`（k = {k}，即每 {rules.data.test_rows} 行可核查的线索数），并按区县分别计算；
- 隐藏测试集按（区县，标签）分层，30% 用于公开榜，70% 用于最终私有榜；
- 每天最多提交 {limits.daily_submissions} 次；模型不超过 {limits.max_model_mb} MB；预测限时 {limits.time_limit_s} 秒、内存 {limits.memory_mb} MB，
  运行环境无网络；每队最多 {limits.team_size} 人，最终可选 {limits.final_selections} 个提交参加私有榜。

## English

### What is in the kit
| file | content |
| --- | --- |
| `{train_name}` | the public training set, {rows} rows. Label `{label_col}` (1 = a verified supervision lead), id `{id_col}`, district `{group_col}` |
| `data_dictionary.csv` | the data dictionary: name, type, role (id / group / label / feature), Chinese and English description |
| `baseline.py` | the baseline: logistic regression (numbers + one-hot), packaged as an MLflow model |
| `train_and_package.py` | gradient boosting + keyword features from the text, trained and packaged as an MLflow model; picks columns from the data dictionary |

### Set up
```bash
python3.11 -m venv .venv && . .venv/bin/activate
pip install "mlflow==3.17.2" scikit-learn pandas pyarrow skops
```

### Train
```bash
python baseline.py --train {train_name} --out model_baseline                  # the baseline (skops)
python train_and_package.py --train {train_name} --out model_hgb              # a stronger model (skops)
python train_and_package.py --train {train_name} --out model_hgb_cp --format cloudpickle
```

### Packaging a model
A submission is an MLflow model folder (an `MLmodel` file at its root), any flavor that
`mlflow.pyfunc.load_model` loads. The platform passes the hidden set's feature frame (every column
but `{label_col}`, `{id_col}` included) to `predict`, which must return one lead score per row
(higher = more likely a lead): a 1-D array, a DataFrame with a `score` column, or a two-column
probability array (the second column is taken). With scikit-learn, either format works:

{snippet}

skops is the default: loading accepts only the types on the trusted list, which is why the platform
prefers it. HistGradientBoosting needs `skops_trusted_types` as shown, or the model will not load.
cloudpickle stores anything, but loading it runs arbitrary code.

### Submit
```bash
dabiwu login --url http://PLATFORM_HOST:8000 --username YOUR_NAME
dabiwu submit {slug} model_hgb
dabiwu status SUBMISSION_ID
```

### Scoring and limits
- primary metric `{primary}` (k = {k}: the leads prosecutors can verify per {rules.data.test_rows} rows), also per district;
- the hidden test set is split by (district, label): 30% for the public leaderboard, 70% for the final private one;
- at most {limits.daily_submissions} submissions a day; models up to {limits.max_model_mb} MB; prediction within {limits.time_limit_s} s and
  {limits.memory_mb} MB, with no network; teams of up to {limits.team_size}, who pick {limits.final_selections} submissions for the private leaderboard.

### Scoring runtime 评分运行环境
Models of this challenge run in the scoring runtime **{runtime}**: Python 3.11 with exactly the packages in
`runtime-requirements.lock` (scikit-learn, LightGBM, XGBoost, CatBoost, jieba, pandas, mlflow...).
Install the same versions to train (`pip install -r runtime-requirements.lock`), so the model's
`requirements.txt` is met at upload. The sandbox installs nothing.
"""


def _runtime_lock(runtime: str | None) -> bytes | None:
    """The lock file of the challenge's scoring runtime, so teams train with the versions that score."""
    if not runtime:
        return None
    from dabiwu.runtimes import RuntimeError_, get_runtime
    from dabiwu.settings import get_settings

    try:
        return get_runtime(runtime, get_settings()).lock_path.read_bytes()
    except RuntimeError_:
        return None


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def build_starting_kit(*, bundle: Bundle, train_path: Path, out_path: Path, runtime: str | None = None) -> Path:
    """Write the kit zip to `out_path` (folder `<slug>-starting-kit/` inside) and return its path."""
    train_path, out_path = Path(train_path), Path(out_path)
    if not train_path.is_file():
        raise FileNotFoundError(f"{train_path}: no such train file. Generate the train set first and pass its path.")
    train_name = f"train{train_path.suffix}"
    dictionary = io.StringIO()
    bundle.data_dictionary().to_csv(dictionary, index=False)
    files = {
        "README.md": _readme(bundle, train_name, runtime or "").encode("utf-8"),
        "baseline.py": (bundle.path / "baseline.py").read_bytes(),
        "data_dictionary.csv": dictionary.getvalue().encode("utf-8-sig"),  # BOM: Excel then reads the Chinese
        "train_and_package.py": TRAIN_AND_PACKAGE.encode("utf-8"),
        train_name: train_path.read_bytes(),
    }
    lock = _runtime_lock(runtime)
    if lock is not None:
        files["runtime-requirements.lock"] = lock
    out_path.parent.mkdir(parents=True, exist_ok=True)
    folder = f"{bundle.slug}-starting-kit"
    with zipfile.ZipFile(out_path, "w") as archive:
        for name in sorted(files):
            _add(archive, f"{folder}/{name}", files[name])
    return out_path
