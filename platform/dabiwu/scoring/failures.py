"""What a team is told when its model failed on the hidden test set (issue #14, item 17).

A run on the hidden test set saw the test features, so everything the model wrote during it (its
log, its exception text, the odd column name or row count of its output) can carry them out. The
team therefore gets only sentences built here from the failure's kind (and, for the supervisor's own
verdicts, its limits), never the model's words. To still give a team something to debug, the worker
runs the model once more on a small sample of the public training data (features only, in a fresh
sandbox that never saw a test row): if it fails there too, that run's error and log are shown.

Kinds whose sentence the supervisor builds from its own evidence (timeout, oom, output_too_large:
the limits and the phase) are shown as they are; the rest are replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

# Built by classify() from the supervisor's own numbers (limits, phase): no model-written text.
SUPERVISOR_KINDS = ("timeout", "oom", "output_too_large")
# Their message (or, for bad_output, its numbers and names) comes from model code: replaced.
MODEL_TEXT_KINDS = ("load_crash", "predict_crash", "bad_output")

_KIND_EN = {
    "load_crash": "The model could not be loaded in the scoring sandbox.",
    "predict_crash": "The model's predict raised an error on the hidden test features.",
    "bad_output": "The model's predictions on the hidden test set break the output contract",
    "timeout": "The model ran out of time on the hidden test set.",
    "oom": "The model ran out of memory on the hidden test set.",
    "output_too_large": "The model wrote more than the output limit on the hidden test set.",
}
_KIND_ZH = {
    "load_crash": "模型在评分沙箱中无法加载。",
    "predict_crash": "模型的 predict 在隐藏测试特征上报错。",
    "bad_output": "模型在隐藏测试集上的预测结果不符合输出约定",
    "timeout": "模型在隐藏测试集上超出了时间限制。",
    "oom": "模型在隐藏测试集上超出了内存限制。",
    "output_too_large": "模型在隐藏测试集上的输出超出了大小限制。",
}
_RULE_EN = {
    "empty": "no predictions were returned",
    "wrong_length": "the number of predictions differs from the number of rows",
    "not_numeric": "the score column does not hold numbers",
    "not_finite": "some scores are missing, NaN or infinite",
    "ambiguous_columns": "the score column cannot be told apart",
    "unreadable_output": "the predictions could not be read as a table",
    "too_many_columns": "the predictions have too many columns",
    "too_much_metadata": "the predictions file carries too much metadata",
}
_RULE_ZH = {
    "empty": "没有返回任何预测",
    "wrong_length": "预测数量与输入行数不一致",
    "not_numeric": "分数列不是数值",
    "not_finite": "部分分数为空、NaN 或无穷大",
    "ambiguous_columns": "无法确定哪一列是分数",
    "unreadable_output": "预测结果无法读取为表",
    "too_many_columns": "预测结果的列数过多",
    "too_much_metadata": "预测结果文件的元数据过多",
}
_CONTRACT_EN = ("predict() must return one finite number per input row, in the input's order: a 1-D array, a "
                "DataFrame with a 'score' column, or a 2-column predict_proba array.")
_CONTRACT_ZH = "predict() 须按输入顺序对每行返回一个有限数值：一维数组、含 'score' 列的 DataFrame，或两列的 predict_proba 数组。"


@dataclass(frozen=True)
class ModelFailure:
    """A failure of the team's model, as raised (untrusted text included): never shown as is."""

    kind: str  # a SandboxError kind other than "unavailable", or "bad_output"
    message: str  # English, possibly model-written
    message_zh: str | None = None
    rule: str | None = None  # bad_output's rule code
    log_tail: str = ""


@dataclass(frozen=True)
class TeamReport:
    """What is recorded on the submission and shown to the team."""

    kind: str
    en: str
    zh: str
    log_tail: str | None


def _headline(failure: ModelFailure) -> tuple[str, str]:
    en, zh = _KIND_EN.get(failure.kind, "The model failed on the hidden test set."), _KIND_ZH.get(
        failure.kind, "模型在隐藏测试集上运行失败。")
    if failure.kind == "bad_output":
        rule = failure.rule if failure.rule in _RULE_EN else "unreadable_output"
        en = f"{en} ({_RULE_EN[rule]}; rule: {rule}). {_CONTRACT_EN}"
        zh = f"{zh}（{_RULE_ZH[rule]}；规则：{rule}）。{_CONTRACT_ZH}"
    if failure.kind in SUPERVISOR_KINDS:
        en = failure.message  # the supervisor's own sentence: limits and phase only
    return en, zh


def needs_smoke_run(failure: ModelFailure) -> bool:
    return failure.kind in MODEL_TEXT_KINDS


def report(failure: ModelFailure, *, smoke_rows: int, smoke: ModelFailure | None, smoke_ran: bool) -> TeamReport:
    """The team's view of `failure` (a run on the hidden test set). `smoke` is the failure of the run on
    `smoke_rows` rows of the public training data, None if that run succeeded or did not run."""
    en, zh = _headline(failure)
    if smoke is not None:
        en = (f"{en} It fails on {smoke_rows} rows of the public training data too; that run's error and log "
              f"(which show only public data) follow. {smoke.message}")
        zh = (f"{zh} 在公开训练数据的 {smoke_rows} 行上同样失败；以下是该次运行的报错与日志（只含公开数据）。"
              f"{smoke.message_zh or smoke.message}")
        return TeamReport(kind=failure.kind, en=_clean(en), zh=_clean(zh), log_tail=_clean(smoke.log_tail) or None)
    withheld_en = (" The log and error text of that run are withheld, because that run saw the hidden test features "
                   "(docs/team.md, \"When a submission fails\").")
    withheld_zh = " 该次运行的日志与报错内容不予显示，因为该次运行读取了隐藏测试特征（见 docs/team.md 的“提交失败时”）。"
    if smoke_ran:
        withheld_en += (f" The same model ran without error on {smoke_rows} rows of the public training data: look "
                        "for what differs in the test data (missing values, unseen categories, extreme values, "
                        "more rows, longer runs).")
        withheld_zh += (f" 同一模型在公开训练数据的 {smoke_rows} 行上运行正常：请检查测试数据可能的不同之处"
                        "（缺失值、未见过的类别、极端值、更多的行、更长的运行时间）。")
    elif failure.kind in MODEL_TEXT_KINDS:
        withheld_en += " Run it locally on the public training data to see the error."
        withheld_zh += " 请在本地用公开训练数据运行以查看错误。"
    return TeamReport(kind=failure.kind, en=en + withheld_en, zh=zh + withheld_zh, log_tail=None)


def _clean(text: str) -> str:
    """NUL cannot be stored in a PostgreSQL text column: a model that prints one must not turn its own
    failure into a database error (booked as a platform fault, i.e. a free re-run)."""
    return text.replace("\x00", "\\x00")
