"""Policies fixtures: the tiny flow's agencies, a live tiny version, a draft of the next version."""

from __future__ import annotations

from typing import Any

import pytest

from policies.models import PolicyVersion
from policies.selectors import flow_cache_clear
from tests.policies import factories


@pytest.fixture(autouse=True)
def _fresh_flow_cache() -> None:
    flow_cache_clear()


@pytest.fixture
def agencies(db: None) -> list[Any]:
    return factories.tiny_agencies()


@pytest.fixture
def live(agencies: list[Any], policy_owner: Any, second_policy_owner: Any) -> PolicyVersion:
    """Version 1 of welfare (the tiny flow), published: written by policy_owner, approved by the second."""
    return factories.published_version(author=policy_owner, approver=second_policy_owner, number=1)


@pytest.fixture
def scenario(db: None) -> Any:
    return factories.PolicyScenarioFactory(name="Mental health need, no risk")


@pytest.fixture
def draft(live: PolicyVersion, policy_owner: Any) -> PolicyVersion:
    """Version 2 of welfare, a draft copied from the live version by policy_owner (through the service)."""
    from policies.services import policy_version_create_draft

    return policy_version_create_draft(element=live.element, actor=policy_owner)
