"""Every resource policy through the real analyzer path, case by case (tables in cases.py)."""

from __future__ import annotations

import pytest

from .cases import RESOURCE_CASES, Case
from .harness import violations


@pytest.mark.parametrize("case", RESOURCE_CASES, ids=lambda c: c.id)
def test_resource_policy(case: Case) -> None:
    found = violations(case.policy, case.type, case.props, case.config, case.environment, case.provider)
    assert {v.policy for v in found} <= {case.policy}
    messages = [v.message for v in found]
    assert bool(found) == case.violates, messages
    if case.expect:
        assert any(case.expect in m for m in messages), messages
