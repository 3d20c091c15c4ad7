"""A small, sound challenge bundle written into a tmp folder, with a hook to break its generator.

`write_bundle(root, bug=...)` writes challenge.yaml, generate.py, baseline.py and README.md; `bug` is
Python appended to generate() just before `return frame` (it sees frame, n_rows, seed, rng, np, pd).
Train 600 rows, test 400: big enough for the checks, small enough to load in well under a second.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

TRAIN_ROWS, TEST_ROWS, TRAIN_SEED = 600, 400, 7
SLUG = "tiny-leads"

CHALLENGE_YAML = f"""\
slug: {SLUG}
version: "1.0.0"
title_zh: 小型测试赛题
title_en: Tiny test challenge
description_zh: 测试用的小赛题。
description_en: A tiny challenge for tests.
supervision_point: {{zh: 测试监督点, en: A test supervision point}}
columns:
  - {{name: case_id, type: string, role: id, zh: 案件编号, en: Case id}}
  - {{name: district, type: category, role: group, zh: 区县, en: District}}
  - {{name: court, type: category, zh: 法院, en: Court}}
  - {{name: amount, type: float, zh: 金额, en: Amount}}
  - {{name: visits, type: int, zh: 就诊次数, en: Visits}}
  - {{name: is_lead, type: int, role: label, zh: 是否线索, en: Lead}}
id_column: case_id
group_column: district
label_column: is_lead
metric: {{primary: average_precision, k: 40, secondary: [roc_auc, precision_at_k]}}
phases:
  open: "2026-01-01T00:00:00+08:00"
  merger_deadline: "2030-01-01T00:00:00+08:00"
  close: "2030-06-30T23:59:59+08:00"
limits: {{daily_submissions: 5, max_model_mb: 50, time_limit_s: 120, memory_mb: 2048, team_size: 5, final_selections: 2}}
rubric:
  - {{key: necessity, zh: 必要性, en: Necessity, weight: 0.5}}
  - {{key: lead_accuracy, zh: 准确性, en: Lead accuracy, weight: 0.5}}
ranking: {{metric_weight: 0.7, rubric_weight: 0.3}}
data: {{train_rows: {TRAIN_ROWS}, test_rows: {TEST_ROWS}, train_seed: {TRAIN_SEED}}}
promotion: {{min_primary: 0.5, min_worst_district: 0.3, min_novelty: 0.02, max_listed: 5}}
"""

GENERATE = '''\
import numpy as np
import pandas as pd

DISTRICTS = ["襄城区", "樊城区", "枣阳市"]
COURTS = ["襄城区法院", "樊城区法院", "枣阳市法院", "中级法院"]


def generate(n_rows, seed):
    rng = np.random.default_rng(seed)
    amount = rng.gamma(2.0, 1000.0, n_rows)
    visits = rng.integers(0, 20, n_rows)
    lead = (rng.random(n_rows) < 0.08 + 0.35 * (amount > 3000) + 0.01 * visits).astype(np.int64)
    frame = pd.DataFrame({
        "case_id": [f"T-{v:012x}" for v in rng.integers(0, 2**48, n_rows)],
        "district": rng.choice(DISTRICTS, n_rows),
        "court": rng.choice(COURTS, n_rows).astype(object),
        "amount": amount,
        "visits": visits,
        "is_lead": lead,
    })
BUG
    return frame
'''

BASELINE = '''\
from sklearn.linear_model import LogisticRegression


def features_of(frame):
    return frame[["amount", "visits"]]


def train(frame):
    return LogisticRegression(max_iter=500).fit(features_of(frame), frame["is_lead"])
'''


def write_bundle(root: Path, *, bug: str = "", yaml_text: str = CHALLENGE_YAML, slug: str = SLUG,
                 version: str = "1.0.0") -> Path:
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    yaml_text = yaml_text.replace(f"slug: {SLUG}\n", f"slug: {slug}\n").replace('version: "1.0.0"', f'version: "{version}"')
    (folder / "challenge.yaml").write_text(yaml_text, encoding="utf-8")
    body = textwrap.indent(textwrap.dedent(bug).strip("\n"), "    ") if bug.strip() else ""
    (folder / "generate.py").write_text(GENERATE.replace("BUG", body), encoding="utf-8")
    (folder / "baseline.py").write_text(BASELINE, encoding="utf-8")
    (folder / "README.md").write_text("# Tiny test challenge\n", encoding="utf-8")
    return folder
