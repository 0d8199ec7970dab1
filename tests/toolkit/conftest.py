"""Toolkit fixtures: the real MPS v1 policy content, published, with its agency directory."""

from __future__ import annotations

from typing import Any

import pytest

from policies.models import PolicyVersion
from policies.selectors import flow_cache_clear
from tests.policies.factories import load_agencies, published_v1, published_v2

ELEMENTS = ("welfare", "awol", "s136", "transport")


@pytest.fixture
def agencies(db: None) -> None:
    load_agencies()


@pytest.fixture
def v1(db: None, policy_owner: Any, second_policy_owner: Any) -> dict[str, PolicyVersion]:
    """All four elements' v1, published (as a policy owner wrote and another approved it)."""
    flow_cache_clear()
    return {
        slug: published_v1(slug, author=policy_owner, approver=second_policy_owner, with_scenarios=False)
        for slug in ELEMENTS
    }


@pytest.fixture
def v2(db: None, policy_owner: Any, second_policy_owner: Any) -> dict[str, PolicyVersion]:
    """All four elements' v2 live (flow language 2), v1 kept as history."""
    flow_cache_clear()
    return {
        slug: published_v2(slug, author=policy_owner, approver=second_policy_owner, with_scenarios=False)
        for slug in ELEMENTS
    }


@pytest.fixture
def welfare(db: None, policy_owner: Any, second_policy_owner: Any) -> PolicyVersion:
    flow_cache_clear()
    return published_v1("welfare", author=policy_owner, approver=second_policy_owner, with_scenarios=False)


@pytest.fixture
def handler_client(client: Any, call_handler: Any) -> Any:
    """A test client signed in as the call handler."""
    client.force_login(call_handler)
    return client


@pytest.fixture
def gate_off(settings: Any) -> None:
    """The training gate off: these tests are about the call, not about readiness."""
    settings.TRAINING_GATE_MODE = "off"
