"""Synthetic lead set: personal-injury judgments joined with medical-insurance settlements.

One row is one civil judgment (traffic accident or other personal injury) matched with the
victim's medical-insurance settlement.  The lead (`is_lead`) is a judgment where the basic
medical-insurance fund paid costs that a liable third party should bear and the fund did not
recover them (Social Insurance Law art. 30): the court deducted the fund-paid part, awarded the
victim the full costs (一案双赔), or the admission record hid an accident that the traffic police
recorded the same day.

The bundle is self-contained on purpose: the platform loads this file by path, so it imports only
numpy, pandas and pyarrow.  Everything is vectorised (strings are built in Arrow); Python loops run
only over small phrase tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SALT = 0x4d4952  # keeps two bundles built from one seed unrelated
ID_PREFIX = "MIR-"

DISTRICTS = ("襄城区", "樊城区", "襄州区", "枣阳市", "宜城市", "老河口市", "南漳县", "谷城县", "保康县", "高新区", "东津新区", "鱼梁洲")
#                         襄城  樊城  襄州  枣阳  宜城  老河口 南漳  谷城  保康  高新  东津  鱼梁洲
DISTRICT_WEIGHT = np.array([.10, .16, .14, .12, .07, .07, .06, .07, .04, .08, .05, .04])
COST_LEVEL = np.array([1.15, 1.25, .95, .90, .85, .90, .80, .85, .75, 1.20, 1.0, 1.10])
RURAL_SHARE = np.array([.45, .35, .70, .75, .72, .65, .80, .75, .85, .30, .55, .40])  # 城乡居民医保
FUND_USE = np.array([.23, .19, .27, .31, .26, .24, .32, .29, .34, .17, .25, .22])  # the fund paid at all
CONCEAL = np.array([.25, .20, .35, .45, .30, .28, .42, .35, .48, .15, .30, .22])  # traffic + fund: cause hidden
RECOVERY = np.array([.42, .50, .28, .10, .22, .30, .16, .24, .12, .55, .30, .38])  # the fund recovered
TRAFFIC_LEVEL = np.array([1.0, 1.05, 1.1, 1.1, 1.0, 1.0, .9, .95, .85, 1.1, 1.05, .9])

COURTS = (
    "襄阳市襄城区人民法院", "襄阳市樊城区人民法院", "襄阳市襄州区人民法院", "枣阳市人民法院", "宜城市人民法院",
    "老河口市人民法院", "南漳县人民法院", "谷城县人民法院", "保康县人民法院", "襄阳高新技术产业开发区人民法院",
    "襄阳市中级人民法院",
)
# How often each court deducts the fund-paid part: courts ruled inconsistently (the Zaoyang case).
COURT_DEDUCTS = np.array([.25, .20, .30, .55, .35, .30, .42, .30, .45, .18, .22])
HOME_COURT = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 2, 0])
APPEAL_COURT = 10

CAUSES = (
    "机动车交通事故责任纠纷", "非机动车交通事故责任纠纷", "健康权纠纷", "身体权纠纷", "生命权纠纷",
    "提供劳务者受害责任纠纷", "饲养动物损害责任纠纷", "违反安全保障义务责任纠纷",
)
CAUSE_BASE = np.array([.58, .06, .10, .06, .03, .08, .04, .05])

LIABILITY = ("全部责任", "主要责任", "同等责任", "次要责任", "无责任", "未认定", "全责", "主责")
LIABILITY_SHARE = np.array([1.0, .7, .5, .3, 0.0, .6])  # 未认定: the court apportions, about 60%
LIABILITY_P = np.array([[.30, .28, .20, .10, .05, .07], [.45, .20, .10, .05, .05, .15]])  # traffic, other

ADMISSION = (
    "交通事故", "车祸伤", "交通伤", "摔伤", "跌倒", "不慎摔倒", "疾病", "意外伤害",
    "他人打伤", "外伤", "工作中受伤", "高处坠落", "被狗咬伤", "不详",
)
# Rows: honest traffic, hidden traffic, 健康权/身体权, 生命权, 劳务, 动物, 安全保障.
ADMISSION_P = np.array([
    [.60, .20, .12, 0, 0, 0, 0, 0, 0, .05, 0, 0, 0, .03],
    [0, 0, 0, .30, .20, .15, .12, .13, 0, .07, 0, 0, 0, .03],
    [0, 0, 0, .15, 0, 0, 0, .10, .45, .20, 0, 0, 0, .10],
    [0, 0, 0, 0, 0, 0, .30, .20, 0, .30, 0, 0, 0, .20],
    [0, 0, 0, .20, 0, 0, 0, 0, 0, .15, .40, .25, 0, 0],
    [0, 0, 0, .20, 0, 0, 0, 0, 0, .10, 0, 0, .70, 0],
    [0, 0, 0, .45, .30, .15, 0, 0, 0, .10, 0, 0, 0, 0],
])
CAUSE_ADMISSION_ROW = np.array([0, 0, 2, 2, 3, 4, 5, 6])

INTRO = (
    ("被告驾驶机动车与原告发生碰撞致原告受伤", "被告驾车行驶中与原告相撞，造成原告受伤", "本案系机动车交通事故引发的损害赔偿纠纷"),
    ("被告驾驶非机动车与原告相撞致原告受伤", "被告骑行电动自行车将原告撞伤", "本案系非机动车交通事故责任纠纷"),
    ("被告与原告发生争执并将原告打伤", "被告的侵权行为侵害了原告的健康权", "原告因被告的过错行为受伤"),
    ("被告推搡原告致其受伤", "被告的行为侵害了原告的身体权", "双方发生肢体冲突，原告受伤"),
    ("受害人因被告的侵权行为经抢救无效死亡", "被告的行为侵害了受害人的生命权", "受害人受伤后经医院救治无效死亡"),
    ("原告在为被告提供劳务过程中受伤", "原告受雇于被告期间在作业中受伤", "原告在提供劳务时从高处坠落受伤"),
    ("被告饲养的犬只将原告咬伤", "原告被被告饲养的动物致伤", "被告未对饲养的犬只采取安全措施致原告受伤"),
    ("原告在被告经营场所内摔倒受伤", "被告未尽到安全保障义务致原告受伤", "原告在被告管理的场所因地面湿滑摔伤"),
)


def _liability_phrases(traffic: bool, shown: str) -> tuple[str, str]:
    if traffic:
        special = {"无责任": ("经交警部门认定，被告不负事故责任", "事故认定书认定被告无责任"),
                   "未认定": ("事故责任无法认定", "交警部门未作出事故责任认定")}
        return special.get(shown, (f"经交警部门认定，被告负事故{shown}", f"道路交通事故认定书认定被告承担{shown}"))
    special = {"无责任": ("被告不承担赔偿责任", "原告自身存在过错，被告不承担责任"),
               "未认定": ("本院酌定双方责任比例", "双方责任比例由本院酌定")}
    return special.get(shown, (f"被告应承担{shown}", f"本院认定被告承担{shown}"))


DEDUCT, FULL, DIRECT, MEDIATED, NEUTRAL = range(5)
RULING = (
    ("医保统筹支付部分应予扣除", "扣除医保统筹支付部分后由被告赔偿", "已由医保报销的部分被告不再承担",
     "对原告主张的医保报销部分不予支持", "医疗费扣除社保统筹基金支付部分", "原告已获医保报销的费用不应重复赔偿"),
    ("由被告赔偿全部医疗费", "原告的医疗费用由被告全额赔偿", "医疗费按实际发生额全额支持",
     "被告应赔偿原告医疗费全部损失", "被告辩称医保已报销部分应予扣除，本院不予采纳", "医疗费不因原告参加医疗保险而减少"),
    ("医保统筹支付部分由被告直接偿付医保经办机构", "医保基金先行支付的费用由被告向医疗保障部门返还",
     "医疗保障部门已依法行使追偿权", "医保基金支付部分另案追偿"),
    ("经本院主持调解，双方自愿达成协议", "双方当事人庭外达成和解", "经调解双方就赔偿事宜达成一致", "原告与被告自愿和解，被告一次性赔偿"),
    ("医疗费有票据为证，本院予以确认", "医疗费以实际票据为准", "原告主张的医疗费本院予以支持", "医疗费凭据确认"),
)
CLOSING = (
    "判决如下", "依照《中华人民共和国民法典》第一千一百七十九条之规定，判决如下",
    "依照《中华人民共和国民事诉讼法》相关规定，判决如下", "依法判决如下",
)
# Homophone typos of the kind clerks make; each applies to the first key a phrase contains.
TYPOS = {"医保": "医葆", "统筹": "统畴", "扣除": "扣出", "报销": "报消", "赔偿": "陪偿", "全额": "全頟",
         "医疗费": "医疗废", "支付": "支符", "追偿": "追尝", "调解": "调介", "受伤": "受仿", "全部": "全布"}


def _ids(rng: np.random.Generator, n: int, prefix: str) -> pa.Array:
    """Random 48-bit hex ids, unique within the set; they carry no row order and no seed."""
    raw = rng.integers(0, 2**48, size=n, dtype=np.int64)
    while True:
        _, first = np.unique(raw, return_index=True)
        if len(first) == n:
            break
        dup = np.ones(n, bool)
        dup[first] = False
        raw[dup] = rng.integers(0, 2**48, size=int(dup.sum()), dtype=np.int64)
    digits = (raw[:, None] >> np.arange(44, -1, -4)) & 0xF
    text = np.concatenate(
        [np.broadcast_to(np.frombuffer(prefix.encode(), np.uint8), (n, len(prefix))), np.frombuffer(b"0123456789ABCDEF", np.uint8)[digits]],
        axis=1,
    )
    offsets = np.arange(0, (n + 1) * text.shape[1], text.shape[1], dtype=np.int64)
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(text))])


def _strings(table, codes: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """`table[codes]` as Arrow strings, decoded in C++: no Python string object per row."""
    indices = pa.array(codes.astype(np.int32), mask=missing)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(table), type=pa.large_string())).dictionary_decode()


def _column(strings: pa.Array) -> pd.api.extensions.ExtensionArray:
    """Arrow strings as a pandas column of the default string dtype (`str`, NaN for missing)."""
    return pd.array(strings, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _render(parts: list[tuple[np.ndarray, list[str]]], sep: list[str]) -> pa.Array:
    """Join phrase slots row-wise, each followed by its separator."""
    pieces = [_strings([phrase + after for phrase in table], codes) for (codes, table), after in zip(parts, sep)]
    return pc.binary_join_element_wise(*pieces, pa.scalar("", pa.large_string()))


def _pick(rng: np.random.Generator, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """One category code per row, drawn from the probability row `table[row]`."""
    cum = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(row))
    return np.minimum((u[:, None] > cum[row]).sum(axis=1), table.shape[1] - 1)


def _typo(phrase: str) -> str:
    for right, wrong in TYPOS.items():
        if right in phrase:
            return phrase.replace(right, wrong, 1)
    mid = len(phrase) // 2
    return phrase[: mid - 1] + phrase[mid] + phrase[mid - 1] + phrase[mid + 1 :]


def _flip_labels(rng: np.random.Generator, y: np.ndarray, rate: float) -> np.ndarray:
    """Verification errors: `rate` of true leads are recorded 0 and as many non-leads are recorded 1."""
    p = max(float(y.mean()), 1e-9)
    flip = np.where(y == 1, rng.random(len(y)) < rate, rng.random(len(y)) < rate * p / (1 - p))
    return np.where(flip, 1 - y, y).astype(np.int64)


def _phrase_tables() -> tuple[list[str], list[str], np.ndarray, list[str]]:
    intro = [p for group in INTRO for p in group] + [_typo(p) for group in INTRO for p in group]
    liability = [w for t in (True, False) for k in range(8) for w in _liability_phrases(t, LIABILITY[k])]
    ruling, start = [], []
    for group in RULING:
        start.append(len(ruling))
        ruling.extend(group)
    ruling += [_typo(p) for p in list(ruling)]
    return intro, liability, np.array(start), ruling


def generate(n_rows: int, seed: int) -> pd.DataFrame:
    n = int(n_rows)
    id_rng, rng = (np.random.default_rng(s) for s in np.random.SeedSequence([int(seed), SALT]).spawn(2))
    ids = _ids(id_rng, n, ID_PREFIX)

    district = rng.choice(len(DISTRICTS), size=n, p=DISTRICT_WEIGHT)
    court = HOME_COURT[district].copy()
    route = rng.random(n)
    court[route < 0.10] = APPEAL_COURT  # second instance
    other = (route >= 0.10) & (route < 0.14)  # sued where the defendant lives
    court[other] = rng.integers(0, APPEAL_COURT, size=int(other.sum()))

    cause_p = np.tile(CAUSE_BASE, (len(DISTRICTS), 1))
    cause_p[:, :2] *= TRAFFIC_LEVEL[:, None]
    cause = _pick(rng, cause_p, district)
    traffic = cause <= 1
    liability = _pick(rng, LIABILITY_P, (~traffic).astype(np.int64))
    share = LIABILITY_SHARE[liability]
    liable = share > 0
    rural = rng.random(n) < RURAL_SHARE[district]

    admitted = np.datetime64("2020-01-01") + rng.integers(0, 5 * 365 - 240, size=n).astype("timedelta64[D]")
    judged = admitted + (75 + rng.gamma(2.0, 110.0, size=n)).astype("timedelta64[D]")
    year = admitted.astype("datetime64[Y]").astype(np.int64) + 1970

    total = np.round(np.exp(rng.normal(np.log(11000 * COST_LEVEL[district]), 0.85)).clip(300, 900_000), 2)
    fund_used = rng.random(n) < FUND_USE[district] * np.where(traffic, 1.0, 0.8)
    ratio = np.where(rural, rng.uniform(0.45, 0.70, n), rng.uniform(0.60, 0.85, n))
    fund_true = np.round(np.where(fund_used, total * ratio, 0.0), 2)

    concealed = traffic & fund_used & (rng.random(n) < CONCEAL[district])
    admission_row = np.where(concealed, 1, CAUSE_ADMISSION_ROW[cause])
    admission = _pick(rng, ADMISSION_P, admission_row)
    police = np.where(traffic, rng.random(n) < 0.75, rng.random(n) < 0.06)

    # Recovery got more common after the 2021 fund-supervision regulation.  A hidden cause keeps
    # the fund from knowing there is anyone to recover from.
    recover_p = RECOVERY[district] * np.clip(0.6 + 0.2 * (year - 2020), 0.6, 1.4) * np.where(concealed, 0.25, 1.0)
    has_record = fund_used & liable & (rng.random(n) < recover_p)
    state = rng.random(n)
    partial = has_record & (state < 0.25)
    pending = has_record & (state >= 0.25) & (state < 0.45)  # 立案追偿, nothing collected yet
    recovered = has_record & ~partial & ~pending
    recovered_amount = np.select([recovered, partial], [fund_true * rng.uniform(0.92, 1.0, n), fund_true * rng.uniform(0.15, 0.6, n)], 0.0)

    deduct_p = COURT_DEDUCTS[court] * np.where(concealed, 0.5, 1.0)
    direct_p = np.where(recovered | pending, 0.45, 0.18)
    u = rng.random(n)
    ruling = np.where(
        fund_used,
        np.select([u < deduct_p, u < deduct_p + direct_p, u < deduct_p + direct_p + 0.17], [DEDUCT, DIRECT, MEDIATED], FULL),
        np.where(u < 0.2, MEDIATED, FULL),
    )

    claimed = total * rng.uniform(0.75, 1.0, n)  # the court trims unreasonable items
    awarded = np.select(
        [~liable, ruling == DEDUCT, ruling == MEDIATED],
        [np.where(traffic, np.minimum(claimed, 1800.0), 0.0), (claimed - fund_true).clip(0) * share, claimed * share * rng.uniform(0.5, 0.9, n)],
        claimed * share,
    )

    # The truth a prosecutor would verify.
    candidate = fund_used & liable & (fund_true >= 300) & ~recovered & ~pending
    amount = np.minimum(1.0, fund_true / 8000.0)
    p = np.full(n, 0.012)
    p = np.where(candidate & (ruling == DEDUCT), 0.55 + 0.35 * amount, p)
    p = np.where(candidate & (ruling == FULL), 0.45 + 0.40 * amount, p)
    p = np.where(candidate & (ruling == MEDIATED), 0.20, p)
    p = np.where(candidate & (ruling == DIRECT), 0.05, p)
    p = np.where(candidate & concealed & police, np.maximum(p, 0.80), p)
    p = np.where(partial, 0.8 * p, p)
    label = _flip_labels(rng, (rng.random(n) < p).astype(np.int64), 0.05)

    # What the records show: the judgment's wording, with clerks' synonyms and typos.
    intro, liability_text, ruling_start, ruling_text = _phrase_tables()
    typo = rng.random(n) < 0.07
    intro_code = cause * 3 + rng.integers(0, 3, n) + np.where(rng.random(n) < 0.04, len(intro) // 2, 0)
    shown_liability = liability.copy()
    synonym = rng.random(n) < 0.10
    shown_liability[synonym & (liability == 0)] = 6
    shown_liability[synonym & (liability == 1)] = 7
    liability_code = (np.where(traffic, 0, 8) + shown_liability) * 2 + rng.integers(0, 2, n)
    said = np.where(rng.random(n) < 0.12, NEUTRAL, ruling)
    sizes = np.array([len(g) for g in RULING])
    ruling_code = ruling_start[said] + (rng.random(n) * sizes[said]).astype(np.int64)
    ruling_code = ruling_code + np.where(typo, len(ruling_text) // 2, 0)
    closing_code = rng.integers(0, len(CLOSING), n)
    excerpt = _render(
        [(intro_code, intro), (liability_code, liability_text), (ruling_code, ruling_text), (closing_code, list(CLOSING))],
        ["，", "。", "，", "。"],
    )

    def with_missing(values: np.ndarray, rate: float) -> np.ndarray:
        return np.where(rng.random(n) < rate, np.nan, values)

    frame = pd.DataFrame({
        "case_id": _column(ids),
        "district": _column(_strings(DISTRICTS, district)),
        "court": _column(_strings(COURTS, court)),
        "cause_of_action": _column(_strings(CAUSES, cause)),
        "liability": _column(_strings(LIABILITY, shown_liability)),
        "insurance_type": _column(_strings(("职工医保", "城乡居民医保"), rural.astype(np.int64))),
        "admission_cause": _column(_strings(ADMISSION, admission, missing=rng.random(n) < 0.03)),
        "admission_date": pd.to_datetime(admitted).as_unit("ms"),  # what Parquet stores: a round trip keeps the dtype
        "judgment_date": pd.to_datetime(judged).as_unit("ms"),
        "police_report_same_day": police ^ (rng.random(n) < 0.02),
        "insurer_codefendant": np.where(traffic, rng.random(n) < 0.85, rng.random(n) < 0.10),
        "medical_total": total,
        "fund_paid": with_missing(fund_true, 0.04),
        "compensation_awarded": with_missing(np.round(awarded, 2), 0.01),
        "recovery_record": has_record ^ (rng.random(n) < 0.02),
        "recovered_amount": with_missing(np.round(recovered_amount, 2), 0.03),
        "judgment_excerpt": _column(excerpt),
        "is_lead": label,
    })
    return frame
