"""Synthetic lead set: drunk-driving (危险驾驶) cases that the police withdrew (撤案).

One row is one withdrawn case.  The lead (`is_lead`) is an improper withdrawal: under the 2023
joint opinion of the SPC, SPP, MPS and MoJ a drunk-driving case may be dropped as minor only below
150 mg/100 ml, with no aggravating circumstance, and for a reason that fits the facts (an
emergency, a very short move inside a compound or car park, a slight case).  A prosecutor checks
a withdrawal against: the blood alcohol, the aggravating circumstances on file, whether the stated
reason fits the facts (e.g. "证据不足" with a valid, prompt blood test), and blood drawn so late
that the gap points at the handling rather than at the driver.

Police units differ in how often they withdraw improperly; the unit list is a fixed map, so a model
can learn units from the public set.  The file imports only numpy, pandas and pyarrow, because the
platform loads it by path; strings are built in Arrow, not one Python object per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SALT = 0x444457  # keeps two bundles built from one seed unrelated
ID_PREFIX = "DDW-"

DISTRICTS = ("襄城区", "樊城区", "襄州区", "枣阳市", "宜城市", "老河口市", "南漳县", "谷城县", "保康县", "高新区", "东津新区", "鱼梁洲")
SHORT = ("襄城", "樊城", "襄州", "枣阳", "宜城", "老河口", "南漳", "谷城", "保康", "高新", "东津", "鱼梁洲")
DISTRICT_WEIGHT = np.array([.10, .16, .13, .12, .07, .07, .06, .07, .04, .09, .05, .04])
IMPROPER_BASE = np.array([.14, .11, .20, .24, .18, .17, .22, .19, .26, .10, .16, .13])
UNITS_PER_DISTRICT = (3, 4, 3, 3, 2, 2, 2, 2, 2, 2, 2, 1)
UNIT_NAMES = ("一中队", "二中队", "三中队", "四中队")
EXPRESSWAY_UNIT = "襄阳市公安局交警支队高速公路大队"

MINOR, EMERGENCY, MOVE, EVIDENCE, LATE = range(5)
REASONS = (
    ("情节显著轻微，危害不大", "情节显著轻微", "醉酒程度较轻且未造成危害后果", "情节轻微，不认为是犯罪"),
    ("紧急避险送医", "为送病人就医紧急驾驶", "因家人突发疾病紧急送医", "紧急情况下驾车送伤者就医"),
    ("挪车", "小区内短距离挪车", "停车场内挪动车辆", "为让行在小区内挪车"),
    ("证据不足", "现有证据不足以认定犯罪", "血液检验结论无法使用", "证据不充分"),
    ("血样送检超时", "血样未及时送检", "抽血时间超出规定", "检材送检超期"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
FINDINGS = ("饮酒后驾驶机动车被查获", "醉酒驾驶机动车被民警查获", "酒后驾车被交警查获", "驾驶机动车经呼气检测涉嫌醉驾")
REASON_TAILS = ("", "，决定撤销案件", "，撤案处理", "，经审批撤销案件", "，报请撤案")
TYPOS = {"显著": "显着", "轻微": "清微", "避险": "避验", "挪车": "娜车", "挪动": "娜动", "证据": "证剧",
         "送检": "送捡", "超时": "超实", "不足": "不组", "送医": "送衣", "紧急": "紧级"}

ACCIDENTS = ("无事故", "财产损失事故", "致人轻微伤", "致人轻伤")
RESPONSIBILITY = ("无", "全部责任", "主要责任", "同等责任", "次要责任", "无责任")
LICENCES = ("有效", "无证", "吊销", "暂扣", "过期")
VEHICLES = ("小型客车", "摩托车", "轻型货车", "重型货车", "危化品车", "校车", "营运客车", "小轿车", "私家车", "客运车辆")
ROADS = ("城市道路", "国省道", "农村道路", "高速公路", "小区/停车场")
CITY, HIGHWAY, RURAL, EXPRESSWAY, COMPOUND = range(5)

# Aggravating circumstances (从重) an improper withdrawal may hide, with how often each is the one.
AGGRAVATORS = ("accident", "fled", "licence", "prior", "vehicle", "expressway", "speeding", "evaded", "drugs")
AGGRAVATOR_P = np.array([.25, .08, .15, .15, .12, .08, .07, .07, .03])
STOP_HOUR = np.array([6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 2, 4, 3, 2, 2, 2, 3, 5, 7, 9, 10, 9, 7], float)  # checks are at night


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


def _unit_table() -> tuple[np.ndarray, list[str], np.ndarray]:
    """The fixed map of police units and how lax each is.  Seeded by a constant, not the data seed."""
    map_rng = np.random.default_rng(20231228)
    district, names = [], []
    for d, count in enumerate(UNITS_PER_DISTRICT):
        for k in range(count):
            district.append(d)
            names.append(f"{SHORT[d]}交警大队{UNIT_NAMES[k]}")
    laxness = np.exp(map_rng.normal(0, 0.45, len(names)))
    return np.array(district), names + [EXPRESSWAY_UNIT], np.append(laxness, 1.0)


def generate(n_rows: int, seed: int) -> pd.DataFrame:
    n = int(n_rows)
    id_rng, rng = (np.random.default_rng(s) for s in np.random.SeedSequence([int(seed), SALT]).spawn(2))
    ids = _ids(id_rng, n, ID_PREFIX)
    unit_district, unit_names, laxness = _unit_table()

    district = rng.choice(len(DISTRICTS), size=n, p=DISTRICT_WEIGHT)
    sizes = np.bincount(unit_district, minlength=len(DISTRICTS))
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    unit = first[district] + (rng.random(n) * sizes[district]).astype(np.int64)
    improper = rng.random(n) < np.minimum(IMPROPER_BASE[district] * laxness[unit], 0.8)

    # Facts of a withdrawal that qualifies as minor, for every row; improper rows are then changed.
    reason = _pick(rng, np.array([[.58, .12, .14, .16, 0.0]]), np.zeros(n, np.int64))
    bac = 80 + np.minimum(rng.exponential(np.where(reason == MINOR, 20.0, 28.0)), 69.0)
    delay = np.exp(rng.normal(np.log(0.8), 0.5, n))
    delay = np.where(rng.random(n) < 0.08, rng.uniform(1.5, 3.5, n), delay)  # remote roads, busy hospitals
    road = np.where(reason == MOVE, COMPOUND, _pick(rng, np.array([[.60, .15, .25, 0, 0]]), np.zeros(n, np.int64)))
    moved_m = np.where(road == COMPOUND, np.exp(rng.normal(np.log(25), 0.7, n)), np.exp(rng.normal(np.log(2500), 1.0, n)))
    accident = np.where((reason == MINOR) & (rng.random(n) < 0.15), 1, 0)
    responsibility = np.where(accident > 0, _pick(rng, np.array([[0, 0, 0, .3, .4, .3]]), np.zeros(n, np.int64)), 0)
    emergency = reason == EMERGENCY
    # A lawful 证据不足 is mostly a contaminated or lost sample; the rest are other gaps (who drove?).
    sample_ok = ~((reason == EVIDENCE) & (rng.random(n) < 0.8))
    drawn = ~((reason == EVIDENCE) & ~sample_ok & (rng.random(n) < 0.5))
    licence = np.where(rng.random(n) < 0.03, 4, 0)
    prior = np.zeros(n, np.int64)
    vehicle = _pick(rng, np.array([[.62, .14, .05, 0, 0, 0, 0, .12, .07, 0]]), np.zeros(n, np.int64))
    fled = np.zeros(n, bool)
    speeding = np.zeros(n, bool)
    evaded = np.zeros(n, bool)
    drugs = np.zeros(n, bool)

    # Improper withdrawals: one main failure each, sometimes a second aggravating circumstance.
    kind = np.where(improper, _pick(rng, np.array([[.25, .27, .35, .13]]), np.zeros(n, np.int64)), -1)
    high = kind == 0
    bac = np.where(high, 150 + rng.exponential(40, n), bac)
    aggravated = (kind == 1) | (improper & (rng.random(n) < 0.15))
    which = np.where(aggravated, _pick(rng, AGGRAVATOR_P[None, :], np.zeros(n, np.int64)), -1)
    accident = np.where(which == 0, _pick(rng, np.array([[0, .5, .35, .15]]), np.zeros(n, np.int64)), accident)
    responsibility = np.where(which == 0, np.where(rng.random(n) < 0.55, 1, 2), responsibility)
    fled = fled | (which == 1)
    accident = np.where((which == 1) & (accident == 0), 1, accident)
    responsibility = np.where((which == 1) & (responsibility == 0), 2, responsibility)
    licence = np.where(which == 2, _pick(rng, np.array([[0, .55, .25, .2, 0]]), np.zeros(n, np.int64)), licence)
    prior = np.where(which == 3, 1 + (rng.random(n) < 0.25), prior)
    vehicle = np.where(which == 4, _pick(rng, np.array([[0, 0, 0, .45, .15, .1, .2, 0, 0, .1]]), np.zeros(n, np.int64)), vehicle)
    road = np.where(which == 5, EXPRESSWAY, road)
    speeding = speeding | (which == 6)
    evaded = evaded | (which == 7)
    drugs = drugs | (which == 8)
    # The reason does not fit the facts.
    mismatch = kind == 2
    told = _pick(rng, np.array([[0, .25, .25, .5, 0]]), np.zeros(n, np.int64))
    reason = np.where(mismatch, told, reason)
    emergency = np.where(mismatch & (told == EMERGENCY), False, emergency)
    road = np.where(mismatch & (told == MOVE), np.where(rng.random(n) < 0.6, CITY, HIGHWAY), road)
    moved_m = np.where(mismatch & (told == MOVE), np.exp(rng.normal(np.log(3000), 0.8, n)), moved_m)
    sample_ok = np.where(mismatch, True, sample_ok)
    drawn = np.where(mismatch, True, drawn)
    # Blood drawn hours late: the evidence gap comes from the handling, not the driver.
    late = kind == 3
    delay = np.where(late, rng.uniform(3.0, 10.0, n), delay)
    delay = np.where(laxness[unit] > 1.4, delay * 1.3, delay)
    bac = np.where(late, 120 + rng.exponential(45, n), bac)
    reason = np.where(late, np.where(rng.random(n) < 0.5, EVIDENCE, LATE), reason)
    # Cases on an expressway are handled by the expressway brigade, whatever the district.
    unit = np.where(road == EXPRESSWAY, len(unit_names) - 1, unit)

    # What the file records.
    blood = bac - 12.0 * np.maximum(delay - 0.5, 0) + rng.normal(0, 3, n)  # alcohol is eliminated while waiting
    blood = np.where(drawn, np.round(blood.clip(0), 1), np.nan)
    breath = np.round((bac * rng.uniform(0.85, 1.1, n) + rng.normal(0, 5, n)).clip(20), 0)
    days = np.where(improper & (laxness[unit] > 1.2), 8 + rng.gamma(2.0, 9.0, n), 20 + rng.gamma(2.0, 16.0, n))
    strong = (high & (bac >= 200)) | ((which == 0) & (responsibility == 1)) | (which == 1)
    # A reason that contradicts the file is easy to prove; a high reading or an aggravating
    # circumstance sometimes has an explanation the file does not show.
    verified = np.select([strong | mismatch, late], [0.92, 0.85], 0.75)
    truth = np.where(improper, rng.random(n) < verified, rng.random(n) < 0.02)
    label = _flip_labels(rng, truth.astype(np.int64), 0.03)

    phrases = [p for group in REASONS for p in group]
    phrases += [_typo(p) for p in list(phrases)]
    phrase = reason * 4 + rng.integers(0, 4, n) + np.where(rng.random(n) < 0.08, len(phrases) // 2, 0)
    reason_text = _render(
        [
            (rng.integers(0, len(SURNAMES), n), [f"经查，{s}某" for s in SURNAMES]),
            (rng.integers(0, len(FINDINGS), n), list(FINDINGS)),
            (phrase, phrases),
            (rng.integers(0, len(REASON_TAILS), n), list(REASON_TAILS)),
        ],
        ["", "，", "", "。"],
    )

    # Records carry entry errors: spurious or missing flags, unknown licence status.
    def slip(values: np.ndarray, rate: float) -> np.ndarray:
        return values ^ (rng.random(n) < rate)

    return pd.DataFrame({
        "case_id": _column(ids),
        "district": _column(_strings(DISTRICTS, district)),
        "police_unit": _column(_strings(unit_names, unit)),
        "blood_alcohol_mg100ml": blood,
        "breath_alcohol_mg100ml": breath,
        "blood_test_delay_h": np.where(drawn, np.round(delay, 2), np.nan),
        "lab_report_valid": sample_ok & drawn,
        "accident": _column(_strings(ACCIDENTS, accident)),
        "accident_responsibility": _column(_strings(RESPONSIBILITY, responsibility)),
        "fled_scene": slip(fled, 0.005),
        "licence_status": _column(_strings(LICENCES, licence, missing=rng.random(n) < 0.04)),
        "prior_drink_driving_5y": prior,
        "vehicle_type": _column(_strings(VEHICLES, vehicle)),
        "road_type": _column(_strings(ROADS, road)),
        "distance_moved_m": np.round(moved_m, 0),
        "speeding_or_overload": slip(speeding, 0.01),
        "evaded_check": slip(evaded, 0.01),
        "drug_test_positive": slip(drugs, 0.003),
        "emergency_documented": slip(emergency, 0.01),
        "driver_age": rng.integers(19, 70, n),
        "stop_hour": rng.choice(24, size=n, p=STOP_HOUR / STOP_HOUR.sum()),
        "withdrawal_reason": _column(reason_text),
        "days_to_withdrawal": np.round(days).astype(np.int64),
        "is_lead": label,
    })
