"""The generators: deterministic per seed, district shift, clean labels and ids, real noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from scipy.stats import chi2_contingency

BASE_RATE = {  # overall lead rate each bundle is built to have
    "medical-insurance-recovery": (0.08, 0.15),
    "han-river-ecology": (0.02, 0.045),
    "drunk-driving-withdrawal": (0.12, 0.25),
}
TEXT_COLUMN = {"medical-insurance-recovery": "judgment_excerpt", "drunk-driving-withdrawal": "withdrawal_reason"}


@pytest.fixture(scope="module")
def large(bundles) -> dict[str, pd.DataFrame]:
    return {slug: b.generate(20_000, 11) for slug, b in bundles.items()}


def test_same_seed_gives_identical_data(bundle):
    assert_frame_equal(bundle.generate(500, 42), bundle.generate(500, 42))


def test_different_seeds_give_different_data(bundle):
    a, b = bundle.generate(500, 1), bundle.generate(500, 2)
    assert not a.equals(b)
    assert set(a[bundle.id_column]).isdisjoint(b[bundle.id_column])
    assert not np.allclose(a.select_dtypes("float").fillna(0).to_numpy(), b.select_dtypes("float").fillna(0).to_numpy())


def test_a_huge_secret_seed_works(bundle):
    seed = 2**62 - 17  # the platform draws 62-bit hidden seeds
    assert_frame_equal(bundle.generate(100, seed), bundle.generate(100, seed))


def test_ids_are_unique_strings_that_do_not_reveal_the_seed(bundle):
    seed = 123456
    ids = bundle.generate(3000, seed)[bundle.id_column]
    assert ids.is_unique and ids.notna().all()
    assert all(isinstance(i, str) for i in ids.head(50))
    assert not ids.str.contains(str(seed)).any()
    assert not ids.is_monotonic_increasing  # no row order either


def test_label_is_int_zero_one(bundle, large):
    label = large[bundle.slug][bundle.label_column]
    assert pd.api.types.is_integer_dtype(label)
    assert set(label.unique()) == {0, 1}


def test_overall_base_rate_is_in_its_range(bundle, large):
    low, high = BASE_RATE[bundle.slug]
    assert low <= large[bundle.slug][bundle.label_column].mean() <= high


def test_all_twelve_districts_appear(bundle, large, districts):
    assert set(large[bundle.slug][bundle.group_column]) == districts


def test_base_rates_differ_by_district(bundle, large):
    frame = large[bundle.slug]
    table = pd.crosstab(frame[bundle.group_column], frame[bundle.label_column])
    assert chi2_contingency(table).pvalue < 1e-6
    rates = table[1] / table.sum(axis=1)
    assert rates.max() > 1.8 * rates.min()


def test_feature_distributions_differ_by_district(bundle, large):
    frame = large[bundle.slug]
    numeric = [c for c in frame.select_dtypes("number").columns if c != bundle.label_column]
    medians = frame.groupby(bundle.group_column)[numeric].median()
    assert (medians.max() > medians.min()).sum() >= 2


def test_data_has_missing_values_where_records_are_incomplete(bundle, large):
    frame = large[bundle.slug]
    assert frame.drop(columns=[bundle.id_column, bundle.label_column, bundle.group_column]).isna().any().any()
    assert frame[[bundle.id_column, bundle.label_column, bundle.group_column]].notna().all().all()


@pytest.mark.parametrize("slug", sorted(TEXT_COLUMN))
def test_free_text_is_varied_chinese_with_typos(slug, bundles, large):
    text = large[slug][TEXT_COLUMN[slug]]
    assert text.nunique() > 1000  # far too many to one-hot: a model has to read it
    assert text.str.contains(r"[\u4e00-\u9fff]").all()
    typos = {"medical-insurance-recovery": "统畴|扣出|报消|陪偿|医葆", "drunk-driving-withdrawal": "显着|清微|证剧|娜车|送捡"}
    assert text.str.contains(typos[slug]).mean() > 0.01


def test_han_river_violations_cluster_in_space(bundles, large):
    frame = large["han-river-ecology"]
    cells = frame.groupby([(frame.x_km // 10), (frame.y_km // 10)])["is_lead"].agg(["mean", "size"])
    rates = cells[cells["size"] >= 200]["mean"]
    assert rates.max() > 3 * frame.is_lead.mean()


def test_han_river_sand_mining_leads_are_in_the_dry_season(large):
    frame = large["han-river-ecology"]
    river = frame[frame.land_class.isin(["河道", "河流水面", "内陆滩涂"])]
    dry = river.image_month.isin([11, 12, 1, 2, 3, 4])
    assert river[dry].is_lead.mean() > 2 * river[~dry].is_lead.mean()


def test_drunk_driving_high_blood_alcohol_is_mostly_a_lead(large):
    frame = large["drunk-driving-withdrawal"]
    high = frame.blood_alcohol_mg100ml >= 160
    assert frame[high].is_lead.mean() > 0.6 > frame[~high].is_lead.mean()


def test_medical_insurance_recovered_cases_are_rarely_leads(large):
    frame = large["medical-insurance-recovery"]
    full = frame.recovery_record & (frame.recovered_amount >= 0.9 * frame.fund_paid) & (frame.fund_paid > 0)
    assert frame[full].is_lead.mean() < 0.1 < frame[(frame.fund_paid > 0) & ~frame.recovery_record].is_lead.mean()


def test_parquet_round_trip_keeps_values_and_dtypes(bundle, tmp_path):
    frame = bundle.generate(300, 12)
    frame.to_parquet(tmp_path / "set.parquet", index=False)  # how the platform stores and serves a set
    assert_frame_equal(pd.read_parquet(tmp_path / "set.parquet"), frame)
