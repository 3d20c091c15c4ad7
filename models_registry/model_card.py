"""The model card of a listed version: Chinese then English markdown, from stored facts only.

It says what the model flags, how it was evaluated (hidden private split, the scorer version, the
review capacity k), how it did in each district, what the gates measured, and its limits.  It is
the version's MLflow description and its `model_card.md` artifact.
"""

from __future__ import annotations

from typing import Any

from models_registry.schemas import GateCheck

PRIMARY_ZH = {
    "average_precision": "平均精度（AP）",
    "roc_auc": "ROC AUC",
    "precision_at_k": "前 k 条精确率",
    "recall_at_k": "前 k 条召回率",
    "hits_at_k": "前 k 条命中数",
    "f1_at_0_5": "F1（阈值 0.5）",
    "f1_best": "最佳 F1",
}


def build_model_card(
    *,
    challenge_slug: str,
    title_zh: str,
    title_en: str,
    description_zh: str,
    description_en: str,
    team: str,
    submission_id: str,
    metrics: dict[str, Any],
    scorer_version: str,
    dataset_sha256: str,
    model_sha256: str,
    approved_by: str,
    reason: str | None,
    override: bool,
    gate_checks: list[GateCheck],
    flavors: list[str],
    runtime: str = "",
) -> str:
    primary = metrics.get("primary", "average_precision")
    public, private = metrics.get("public", {}), metrics.get("private", {})
    rows = _district_rows(private, primary)
    k = private.get("k")
    ci = (private.get("ci") or {}).get(primary)
    p_at_k = private.get("precision_at_k")
    gates_zh = "\n".join(f"- {'✔' if c.passed else '✘'} {c.message_zh}" for c in gate_checks) or "- （无）"
    gates_en = "\n".join(f"- {'✔' if c.passed else '✘'} {c.message_en}" for c in gate_checks) or "- (none)"
    override_zh = f"\n> 本模型在比赛定榜前经特批上架，理由：{reason}\n" if override else ""
    override_en = f"\n> Listed before the contest was finalized, by override. Reason: {reason}\n" if override else ""
    return f"""# {title_zh} · {team}

## 中文

**监督点：** {title_zh}（`{challenge_slug}`）
**提交队伍：** {team}　**提交编号：** `{submission_id}`
**批准人：** {approved_by}{f"　**理由：** {reason}" if reason else ""}
{override_zh}
### 用途
{description_zh or title_zh}。模型为每条记录给出线索分数，分数越高越可能是监督线索；
按分数从高到低排序，检察人员核查前 k 条（本赛题 k = {_fmt_int(k)}，按私有集规模折算）。

### 评测方法
在平台保留的带标签线索集上评测，模型在沙箱中运行，看不到标签。公开集用于比赛期间的排行，
私有集（本卡片的数字）只在定榜时公布。评分程序版本 {scorer_version}，数据集 sha256 `{dataset_sha256[:16]}…`，评分运行环境 `{runtime or "?"}`（地市运行时使用同一环境：`dabiwu runtimes build {runtime or "NAME"}`）。

| 指标 | 公开集 | 私有集 |
| --- | --- | --- |
| {PRIMARY_ZH.get(primary, primary)}（主要指标） | {_fmt(public.get(primary))} | {_fmt(private.get(primary))} {_fmt_ci(ci)} |
| 前 k 条精确率 | {_fmt(public.get("precision_at_k"))} | {_fmt(p_at_k)} |
| 前 k 条召回率 | {_fmt(public.get("recall_at_k"))} | {_fmt(private.get("recall_at_k"))} |
| ROC AUC | {_fmt(public.get("roc_auc"))} | {_fmt(private.get("roc_auc"))} |

### 各地区表现（私有集）
| 地区 | 记录数 | 线索数 | {PRIMARY_ZH.get(primary, primary)} | 前 k 条精确率 |
| --- | --- | --- | --- | --- |
{rows}

### 上架审核
{gates_zh}

### 局限
- 评测数据是按真实规则生成的模拟数据；在本地数据上，请以核查结果（成案率）为准，并回报平台。
- 各地区的数据质量和办案习惯不同：在表中表现较差的地区，请先小范围核查再推广。
- 模型只给出线索，不作结论；每条线索都须人工核查。
- 模型文件校验值（sha256，见 docs/district.md）：`{model_sha256}`

---

## English

**Supervision point:** {title_en} (`{challenge_slug}`)
**Team:** {team}  **Submission:** `{submission_id}`
**Approved by:** {approved_by}{f"  **Reason:** {reason}" if reason else ""}
{override_en}
### What it flags
{description_en or title_en}. The model gives every record a lead score, higher meaning more
likely a supervision lead; prosecutors verify the top k by score (k = {_fmt_int(k)} here, scaled to the
private split's size).

### How it was evaluated
On the platform's held-out labelled lead set; the model ran in a sandbox and never saw the labels.
The public split ranked the contest while it ran; the private split (the figures here) was revealed
at finalize. Scorer {scorer_version}, dataset sha256 `{dataset_sha256[:16]}…`; model flavors: {", ".join(flavors) or "?"}; scoring runtime `{runtime or "?"}` (districts run it with the same one: `dabiwu runtimes build {runtime or "NAME"}`).

| metric | public | private |
| --- | --- | --- |
| {primary} (primary) | {_fmt(public.get(primary))} | {_fmt(private.get(primary))} {_fmt_ci(ci)} |
| precision@k | {_fmt(public.get("precision_at_k"))} | {_fmt(p_at_k)} |
| recall@k | {_fmt(public.get("recall_at_k"))} | {_fmt(private.get("recall_at_k"))} |
| ROC AUC | {_fmt(public.get("roc_auc"))} | {_fmt(private.get("roc_auc"))} |

### Per district (private split)
| district | rows | leads | {primary} | precision@k |
| --- | --- | --- | --- | --- |
{rows}

### Listing review
{gates_en}

### Limits
- The evaluation data is synthetic, generated from real rules; on your own data, trust the verified
  outcomes (cases made) and report them back to the platform.
- Districts differ in data quality and practice: where the table shows a weak district, verify a
  small batch first.
- The model flags leads; it decides nothing. Every lead needs a prosecutor's check.
- Model folder checksum (sha256, see docs/district.md): `{model_sha256}`
"""


def _district_rows(split: dict, primary: str) -> str:
    districts = split.get("per_district") or {}
    if not districts:
        return "| – | – | – | – | – |"
    lines = []
    for name in sorted(districts):
        values = districts[name]
        lines.append(
            f"| {name} | {_fmt_int(values.get('n'))} | {_fmt_int(values.get('positives'))} | "
            f"{_fmt(values.get(primary))} | {_fmt(values.get('precision_at_k'))} |"
        )
    return "\n".join(lines)


def _fmt(value) -> str:
    return "–" if value is None else f"{float(value):.3f}"


def _fmt_int(value) -> str:
    return "–" if value is None else str(int(value))


def _fmt_ci(ci) -> str:
    if not ci or ci[0] is None or ci[1] is None:
        return ""
    return f"(95% CI {float(ci[0]):.3f}–{float(ci[1]):.3f})"
