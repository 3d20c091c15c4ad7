"""Synthetic lead set: land parcels along the Han River with satellite change-detection features.

One row is one parcel seen on one satellite image against an earlier image.  The lead (`is_lead`)
is a parcel where a prosecutor, on site, found one of:
- illegal occupation of farmland (Criminal Law art. 342): about 5 mu of basic farmland or 10 mu of
  other farmland converted without approval (half that inside an ecological red line);
- illegal logging (art. 345): forest cleared without a felling permit;
- illegal sand mining: a disturbed river channel without a permit, mostly in the dry season.

The map (district centres, townships, rivers, hotspots) is fixed: geography does not change with
the seed, so what a model learns about places on the public set holds on the hidden one.  Only
numpy, pandas and pyarrow are imported, because the platform loads this file by path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

SALT = 0x484a52  # keeps two bundles built from one seed unrelated
ID_PREFIX = "HJ-"

DISTRICTS = ("襄城区", "樊城区", "襄州区", "枣阳市", "宜城市", "老河口市", "南漳县", "谷城县", "保康县", "高新区", "东津新区", "鱼梁洲")
DISTRICT_WEIGHT = np.array([.07, .05, .15, .15, .11, .09, .10, .11, .10, .03, .03, .01])
CENTRE_KM = np.array([[-3, -5], [-2, 4], [15, 15], [60, 18], [12, -45], [-60, 42], [-38, -50], [-50, 5], [-95, -30], [10, 12], [14, -4], [4, -1]], float)
SPREAD_KM = np.array([6, 5, 12, 18, 14, 10, 18, 15, 20, 4, 4, 1.5])
# How much unlawful change each district sees: enforcement and development pressure differ.
PRESSURE = np.array([1.0, .8, 1.35, 1.2, 1.1, 1.25, .95, 1.3, 1.05, .7, 1.1, .6])

TOWNSHIPS = (
    ("卧龙镇", "尹集乡", "欧庙镇", "余家湖街道", "庞公街道"),
    ("牛首镇", "太平店镇", "柿铺街道", "米公街道", "清河口街道"),
    ("张家集镇", "黄集镇", "伙牌镇", "古驿镇", "朱集镇", "程河镇", "双沟镇", "龙王镇", "石桥镇", "峪山镇"),
    ("吴店镇", "兴隆镇", "王城镇", "太平镇", "七方镇", "杨垱镇", "琚湾镇", "鹿头镇", "熊集镇", "新市镇"),
    ("郑集镇", "小河镇", "刘猴镇", "流水镇", "王集镇", "板桥店镇", "雷河镇", "孔湾镇", "鄢城街道"),
    ("仙人渡镇", "洪山嘴镇", "李楼镇", "张集镇", "竹林桥镇", "薛集镇", "孟楼镇", "袁冲乡"),
    ("城关镇", "武安镇", "九集镇", "李庙镇", "长坪镇", "薛坪镇", "板桥镇", "巡检镇", "东巩镇", "肖堰镇"),
    ("城关镇", "石花镇", "盛康镇", "庙滩镇", "五山镇", "茨河镇", "南河镇", "紫金镇", "冷集镇", "赵湾乡"),
    ("城关镇", "黄堡镇", "后坪镇", "龙坪镇", "店垭镇", "马良镇", "歇马镇", "马桥镇", "寺坪镇", "过渡湾镇"),
    ("团山镇", "米庄镇", "刘集街道", "紫贞街道"),
    ("东津镇", "东津新城片区"),
    ("鱼梁洲片区",),
)

RIVERS_KM = (  # the Han main stem and the tributaries the districts sit on, as polylines
    [(-80, 60), (-62, 45), (-48, 22), (-30, 10), (-12, 6), (0, 1), (6, -2), (10, -12), (12, -30), (14, -48), (16, -75)],
    [(30, 45), (22, 25), (12, 8), (6, -2)],  # 唐白河
    [(-110, -40), (-85, -25), (-65, -5), (-48, 20)],  # 南河
    [(-60, -55), (-38, -50), (-15, -48), (13, -45)],  # 蛮河
    [(75, 25), (55, 18), (35, 12), (20, 10)],  # 滚河
)
# Where violations cluster: sand-mining reaches, the urban fringe, and logging slopes (x, y, km).
HOTSPOTS_KM = np.array([
    [-55, 35], [-40, 17], [8, -8], [12, -25], [15, -55], [-20, 8],
    [12, 8], [55, 18], [12, -40], [-58, 40], [25, 20], [-45, 5],
    [-100, -35], [-45, -60], [-62, -8], [-85, -20],
])
HOTSPOT_KM = 4.0
HOTSPOT_GAIN = 6.0  # how much likelier unlawful change is at a hotspot's centre

CLASSES = ("耕地", "基本农田", "林地", "河道", "建设用地", "草地")
FARM, BASIC, FOREST, RIVER, BUILT, GRASS = range(6)
CLASS_MIX = np.array([  # away from the river channel
    [.25, .20, .20, 0, .30, .05], [.20, .15, .05, 0, .55, .05], [.30, .45, .05, 0, .15, .05],
    [.30, .45, .10, 0, .10, .05], [.30, .40, .12, 0, .12, .06], [.30, .38, .12, 0, .14, .06],
    [.20, .15, .50, 0, .07, .08], [.22, .18, .42, 0, .10, .08], [.12, .06, .65, 0, .05, .12],
    [.15, .10, .03, 0, .67, .05], [.25, .20, .05, 0, .45, .05], [.15, .05, .25, 0, .15, .40],
])
# The land survey (三调) names a class in more than one way; rows are (class, shown name, weight).
CLASS_NAMES = (
    (FARM, "耕地", .6), (FARM, "水田", .2), (FARM, "旱地", .2),
    (BASIC, "基本农田", .7), (BASIC, "永久基本农田", .3),
    (FOREST, "林地", .7), (FOREST, "乔木林地", .2), (FOREST, "有林地", .1),
    (RIVER, "河道", .6), (RIVER, "河流水面", .25), (RIVER, "内陆滩涂", .15),
    (BUILT, "建设用地", .6), (BUILT, "村庄", .25), (BUILT, "城镇住宅用地", .15),
    (GRASS, "草地", .7), (GRASS, "其他草地", .3),
)
EVENT_RATE = np.array([.040, .040, .036, .12, 0.0, .02])  # change events per image, before pressure
APPROVED = np.array([.45, .25, .35, .35, 0.0, .25])  # share of those events with an approval
NDVI_BASE = np.array([.55, .58, .76, .15, .20, .50])
HARVEST = np.array([0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0], bool)  # May-Jun wheat, Sep-Oct rice: Jan=0
LEAF_OFF = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1], bool)  # December to March
DRY = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1], bool)  # November to April


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


def _pick(rng: np.random.Generator, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """One category code per row, drawn from the probability row `table[row]`."""
    cum = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(row))
    return np.minimum((u[:, None] > cum[row]).sum(axis=1), table.shape[1] - 1)


def _flip_labels(rng: np.random.Generator, y: np.ndarray, rate: float) -> np.ndarray:
    """Verification errors: `rate` of true leads are recorded 0 and as many non-leads are recorded 1."""
    p = max(float(y.mean()), 1e-9)
    flip = np.where(y == 1, rng.random(len(y)) < rate, rng.random(len(y)) < rate * p / (1 - p))
    return np.where(flip, 1 - y, y).astype(np.int64)


def _township_table() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The fixed map: each township's district and centre.  Seeded by a constant, not the data seed."""
    map_rng = np.random.default_rng(20260901)
    district, centre, names = [], [], []
    for d, towns in enumerate(TOWNSHIPS):
        for name in towns:
            district.append(d)
            centre.append(CENTRE_KM[d] + map_rng.normal(0, 0.6 * SPREAD_KM[d], 2))
            names.append(name)
    return np.array(district), np.array(centre), names


def _distance_to_rivers_km(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    best = np.full(len(x), np.inf)
    for line in RIVERS_KM:
        for (ax, ay), (bx, by) in zip(line[:-1], line[1:]):
            dx, dy = bx - ax, by - ay
            t = np.clip(((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy), 0, 1)
            np.minimum(best, np.hypot(x - ax - t * dx, y - ay - t * dy), out=best)
    return best


def generate(n_rows: int, seed: int) -> pd.DataFrame:
    n = int(n_rows)
    id_rng, rng = (np.random.default_rng(s) for s in np.random.SeedSequence([int(seed), SALT]).spawn(2))
    ids = _ids(id_rng, n, ID_PREFIX)
    town_district, town_centre, town_names = _township_table()

    district = rng.choice(len(DISTRICTS), size=n, p=DISTRICT_WEIGHT)
    sizes = np.bincount(town_district, minlength=len(DISTRICTS))
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    town = first[district] + (rng.random(n) * sizes[district]).astype(np.int64)
    xy = town_centre[town] + rng.normal(0, 1, (n, 2)) * (0.35 * SPREAD_KM[district])[:, None]
    x, y = xy[:, 0], xy[:, 1]
    river_km = _distance_to_rivers_km(x, y)
    town_km = np.hypot(x - town_centre[town, 0], y - town_centre[town, 1])
    road_m = np.exp(rng.normal(np.log(250 + 120 * town_km), 0.8))
    hot = np.zeros(n)
    for hx, hy in HOTSPOTS_KM:  # one pass per hotspot keeps memory at a few n-vectors
        hot += np.exp(-((x - hx) ** 2 + (y - hy) ** 2) / (2 * HOTSPOT_KM**2))

    land = _pick(rng, CLASS_MIX, district)
    land = np.where(rng.random(n) < 0.85 * np.exp(-river_km / 0.3), RIVER, land)
    river_km = np.where(land == RIVER, np.minimum(river_km, rng.exponential(0.15, n)), river_km)
    area = np.exp(rng.normal(np.log(12), 0.8, n)) * np.select([land == FOREST, land == BUILT], [2.0, 0.5], 1.0)
    area = np.round(area.clip(0.5, 600), 1)
    month = rng.choice(12, size=n, p=np.where(DRY, 0.105, 0.0725) / np.where(DRY, 0.105, 0.0725).sum())
    protected = rng.random(n) < np.select([river_km < 1.0, land == FOREST], [0.45, 0.30], 0.08)

    # Latent change events: unlawful ones cluster near hotspots, roads and the river's dry reaches.
    season = np.where(land == RIVER, np.where(DRY[month], 1.4, 0.25), 1.0)
    rate = EVENT_RATE[land] * PRESSURE[district] * (1 + HOTSPOT_GAIN * hot) * (0.5 + 1.2 * np.exp(-road_m / 600)) * season
    event = rng.random(n) < np.minimum(rate, 0.9)
    approved = event & (rng.random(n) < APPROVED[land] * np.where(protected, 0.3, 1.0))
    approval = approved | (rng.random(n) < 0.05)
    unlawful = event & ~approved
    fraction = np.where(event, rng.beta(2.0, 2.5, n), 0.0)
    converted = area * fraction
    threshold = np.select([land == BASIC, land == FARM, land == FOREST, land == RIVER, land == GRASS], [5.0, 10.0, 3.0, 1.0, 8.0], np.inf)
    threshold = threshold * np.where(protected, 0.5, 1.0)
    criminal = unlawful & (converted >= threshold) & ((land != GRASS) | protected)
    label = np.where(criminal, rng.random(n) < 0.9, rng.random(n) < 0.003).astype(np.int64)
    label = _flip_labels(rng, label, 0.03)

    # What the satellites see, seasons and clouds included.
    harvest = HARVEST[month] & ((land == FARM) | (land == BASIC))
    leaf_off = LEAF_OFF[month] & (land == FOREST)  # deciduous stands look cleared in winter
    low_water = DRY[month] & (land == RIVER)  # sandbars surface when the river is low
    seasonal = harvest | leaf_off
    cloud = np.clip(rng.beta(1.2, 5.0, n) + np.where(DRY[month], 0.0, 0.12), 0, 1)
    noise = 0.04 * (1 + 2 * cloud)
    ndvi_before = np.clip(NDVI_BASE[land] + rng.normal(0, 0.08, n), -0.1, 0.95)
    veg_loss = np.where(event, fraction * (ndvi_before - 0.1) * rng.uniform(0.7, 1.1, n), 0.0)
    veg_loss = veg_loss + np.where(seasonal, rng.uniform(0, 0.3, n), 0.0)
    ndvi_after = ndvi_before - veg_loss + rng.normal(0, 1, n) * noise
    kind_built = event & ((land == FARM) | (land == BASIC) | (land == GRASS))
    built_before = np.clip(np.where(land == BUILT, 0.15, -0.25) + rng.normal(0, 0.06, n), -0.6, 0.6)
    built_rise = np.select([kind_built, event & (land == RIVER)], [fraction * 0.35, fraction * 0.05], 0.0)
    built_after = built_before + built_rise + rng.normal(0, 1, n) * noise
    bare = np.select([event & (land == RIVER), event], [fraction * 0.5, fraction * 0.3], 0.0)
    bare = bare + np.where(harvest | low_water, rng.uniform(0, 0.2, n), 0.0) + rng.normal(0, 1, n) * noise
    changed = np.where(event, converted * np.exp(rng.normal(0, 0.3, n)), 0.0)
    changed = changed + np.where(seasonal | low_water, area * rng.uniform(0, 0.5, n), area * rng.uniform(0, 0.04, n))
    structure = np.where(kind_built & (fraction > 0.3), rng.random(n) < 0.7, rng.random(n) < 0.03)
    blind = cloud > 0.6

    def seen(values: np.ndarray) -> np.ndarray:
        return np.where(blind, np.nan, np.round(values, 3))

    name_class = np.array([c for c, _, _ in CLASS_NAMES])
    name_p = np.zeros((len(CLASSES), len(CLASS_NAMES)))
    name_p[name_class, np.arange(len(CLASS_NAMES))] = [w for _, _, w in CLASS_NAMES]
    shown_class = _column(_strings([s for _, s, _ in CLASS_NAMES], _pick(rng, name_p, land)))

    return pd.DataFrame({
        "parcel_id": _column(ids),
        "district": _column(_strings(DISTRICTS, district)),
        "township": _column(_strings(town_names, town)),
        "x_km": np.round(x, 3),
        "y_km": np.round(y, 3),
        "land_class": shown_class,
        "area_mu": area,
        "protected_zone": protected,
        "approval_on_file": approval,
        "image_month": month + 1,
        "cloud_cover": np.round(cloud, 2),
        "ndvi_before": seen(ndvi_before),
        "ndvi_after": seen(ndvi_after),
        "built_index_before": seen(built_before),
        "built_index_after": seen(built_after),
        "bare_soil_change": seen(bare),
        "changed_area_mu": np.where(blind, np.nan, np.round(changed, 2)),
        "new_structure": structure & ~blind,
        "dist_river_m": np.round(river_km * 1000 + np.abs(rng.normal(0, 20, n)), 0),
        "dist_road_m": np.round(road_m, 0),
        "dist_town_m": np.round(town_km * 1000, 0),
        "is_lead": label,
    })
