"""A complete challenge spec for tests that build a challenge row by hand instead of loading a bundle.

The rules are typed (`dabiwu.challenges.rules.ChallengeRules`): every field challenge.schema.json requires is
required when a challenge's rules are read, so a hand-made spec starts from a real bundle's challenge.yaml and
changes only what the test is about.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

BUNDLE = Path(__file__).resolve().parents[1] / "challenges" / "medical-insurance-recovery"


@lru_cache(maxsize=1)
def _bundled() -> str:
    from dabiwu.challenges.bundle import _read_yaml

    return json.dumps(_read_yaml(BUNDLE / "challenge.yaml"), ensure_ascii=False)


def complete_spec(**changes) -> dict:
    """The bundle's spec as stored (JSON), with top-level fields replaced by `changes`; checked against the rules."""
    from dabiwu.challenges.rules import parse_rules

    spec = json.loads(_bundled())
    spec.update(copy.deepcopy(changes))
    parse_rules(spec, source="tests/challenge_spec.py")
    return spec
