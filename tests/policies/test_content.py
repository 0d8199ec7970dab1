"""The shipped content loads: the demo seed (through the services, idempotent) and published_v1()."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest

from policies import content
from policies.demo import seed
from policies.models import Agency, PolicyScenario, PolicyVersion
from policies.selectors import policy_version_check, policy_version_get_live
from rcrp.accounts.models import AuditEvent
from tests.policies import factories

ELEMENTS = ("welfare", "awol", "s136", "transport")


@pytest.fixture
def demo_owners(db: None) -> tuple[Any, Any]:
    return (
        factories.UserFactory(staff_number="policy", role="Policy owner"),
        factories.UserFactory(staff_number="policy2", role="Policy owner"),
    )


@pytest.mark.django_db
def test_the_content_files_read() -> None:
    agencies = content.agencies()
    assert {"nhs_111_mh", "las", "samaritans", "keyholder", "adult_social_care", "gp"} <= {
        a["key"] for a in agencies
    }
    for slug in ELEMENTS:
        assert content.flow_document(slug)["element"] == slug
        assert content.scenarios(slug)
    assert sum(len(content.scenarios(slug)) for slug in ELEMENTS) >= 32


@pytest.mark.django_db
def test_seed_publishes_v1_of_every_element_through_the_journey_and_is_idempotent(
    demo_owners: tuple[Any, Any],
) -> None:
    author, approver = demo_owners
    out = StringIO()
    seed(stdout=out)
    assert Agency.objects.count() == len(content.agencies())
    for slug in ELEMENTS:
        live = policy_version_get_live(element=factories.element(slug))
        assert live is not None
        assert (live.number, live.created_by, live.approved_by) == (1, author, approver)
        assert policy_version_check(live).ok
        assert PolicyScenario.objects.filter(element__slug=slug).count() == len(content.scenarios(slug))
    for action in ("created", "submitted", "approved", "published"):
        assert AuditEvent.objects.filter(action=f"policies.version.{action}").count() == 4
    events = AuditEvent.objects.count()
    out = StringIO()
    seed(stdout=out)
    assert AuditEvent.objects.count() == events
    assert PolicyVersion.objects.count() == 4
    assert "welfare: v1 already loaded" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ELEMENTS)
def test_published_v1_loads_the_real_content(slug: str) -> None:
    version = factories.published_v1(slug)
    assert version.status == PolicyVersion.Status.PUBLISHED
    assert version.document == content.flow_document(slug)
    assert factories.published_v1(slug) == version
    assert policy_version_check(version).ok
