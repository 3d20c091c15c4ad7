"""Prepare a state folder: directories, migrations, reference data.  Idempotent."""

from __future__ import annotations

from sqlalchemy import select

from dabiwu.db.migrate import upgrade
from dabiwu.db.models import District
from dabiwu.db.session import session_scope
from dabiwu.settings import Settings

XIANGYANG_DISTRICTS = (
    ("xiangcheng", "襄城区", "Xiangcheng District"),
    ("fancheng", "樊城区", "Fancheng District"),
    ("xiangzhou", "襄州区", "Xiangzhou District"),
    ("zaoyang", "枣阳市", "Zaoyang City"),
    ("yicheng", "宜城市", "Yicheng City"),
    ("laohekou", "老河口市", "Laohekou City"),
    ("nanzhang", "南漳县", "Nanzhang County"),
    ("gucheng", "谷城县", "Gucheng County"),
    ("baokang", "保康县", "Baokang County"),
    ("gaoxin", "高新区", "High-tech Zone"),
    ("dongjin", "东津新区", "Dongjin New Area"),
    ("yuliangzhou", "鱼梁洲", "Yuliangzhou"),
)


def prepare(settings: Settings) -> None:
    settings.home_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    with session_scope(settings.resolved_database_url) as session:
        seed_districts(session)


def seed_districts(session) -> None:
    existing = set(session.scalars(select(District.code)))
    for code, name_zh, name_en in XIANGYANG_DISTRICTS:
        if code not in existing:
            session.add(District(code=code, name_zh=name_zh, name_en=name_en))
