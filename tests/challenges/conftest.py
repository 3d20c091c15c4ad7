from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from dabiwu.challenges.bundle import Bundle, load_bundle  # noqa: E402

CHALLENGES = Path(__file__).resolve().parents[2] / "challenges"
SLUGS = ("medical-insurance-recovery", "han-river-ecology", "drunk-driving-withdrawal")
DISTRICTS = frozenset({"襄城区", "樊城区", "襄州区", "枣阳市", "宜城市", "老河口市", "南漳县", "谷城县", "保康县", "高新区", "东津新区", "鱼梁洲"})


@pytest.fixture(scope="session")
def bundles() -> dict[str, Bundle]:
    return {slug: load_bundle(CHALLENGES / slug) for slug in SLUGS}


@pytest.fixture(params=SLUGS)
def bundle(request, bundles) -> Bundle:
    return bundles[request.param]


@pytest.fixture(scope="session")
def districts() -> frozenset[str]:
    return DISTRICTS


@pytest.fixture(scope="session")
def challenges_dir() -> Path:
    return CHALLENGES
