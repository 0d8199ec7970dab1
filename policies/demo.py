"""Demo data: the agency directory, the MPS v1 flow of each element (published) and its scenarios.

Idempotent: run it again and nothing changes. Every write goes through the services, so the demo
database has the same audit trail a real publication would: the demo user "policy" writes and
submits each v1, "policy2" approves and publishes it (four-eyes).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from policies import content
from policies.models import Agency, Element, PolicyScenario, PolicyVersion
from policies.services import (
    agency_create,
    agency_update,
    policy_version_approve,
    policy_version_import,
    policy_version_publish,
    policy_version_submit,
    scenario_create,
    scenario_update,
)
from rcrp.accounts.models import User

AUTHOR = "policy"
APPROVER = "policy2"
DEMO_LEGAL_REF = "MPS-LEGAL-RCRP-2023-001 (demo)"


def load_agencies(*, actor: User) -> tuple[int, int]:
    """Create or update every agency in agencies.json; returns (created, changed)."""
    created = changed = 0
    for values in content.agencies():
        key = values.pop("key")
        agency = Agency.objects.filter(key=key).first()
        if agency is None:
            agency_create(actor=actor, key=key, **values)
            created += 1
        else:
            before = agency.history.count()
            agency_update(agency=agency, actor=actor, **values)
            changed += agency.history.count() != before
    return created, changed


def load_scenarios(*, element: Element, actor: User, version: int = 1) -> int:
    """Create or update the element's scenarios from the content files; returns how many changed."""
    count = 0
    for item in content.scenarios(element.slug, version):
        existing = PolicyScenario.objects.filter(element=element, name=item.name).first()
        if existing is None:
            scenario_create(element=element, actor=actor, **item.values())
            count += 1
        else:
            values = item.values()
            if any(getattr(existing, k) != v for k, v in values.items()):
                scenario_update(scenario=existing, actor=actor, **values)
                count += 1
    return count


def publish_content_version(
    *, element: Element, author: User, approver: User, version: int = 1
) -> PolicyVersion | None:
    """Load one content version of an element and take it through submit, approve and publish.

    Skipped (None) when the element already has a version with that number.
    """
    if PolicyVersion.objects.filter(element=element, number=version).exists():
        return None
    draft = policy_version_import(
        element=element,
        document=content.flow_document(element.slug, version),
        change_summary=content.change_summary(element.slug, version),
        actor=author,
    )
    policy_version_submit(version=draft, actor=author)
    policy_version_approve(version=draft, actor=approver, legal_clearance_ref=DEMO_LEGAL_REF)
    return policy_version_publish(version=draft, actor=approver)


def seed(*, stdout: Any) -> None:
    """Load the agency directory, the v1 flows (published) and their scenarios."""
    author = User.objects.get(staff_number=AUTHOR)
    approver = User.objects.get(staff_number=APPROVER)
    with transaction.atomic():
        created, changed = load_agencies(actor=author)
    stdout.write(f"Agencies: {created} added, {changed} updated.")
    for element in Element.objects.all():
        with transaction.atomic():
            load_scenarios(element=element, actor=author)
            published = publish_content_version(element=element, author=author, approver=approver)
        scenarios = PolicyScenario.objects.filter(element=element).count()
        state = f"v1 published by {approver.staff_number}" if published else "v1 already loaded"
        stdout.write(f"Policy {element.slug}: {state}; {scenarios} scenarios.")
