"""Demo data: the agency directory, and each content version of every element with its scenarios.

`seed` publishes v1 (the history); the toolkit's demo then logs decisions on it; `seed_latest`
publishes every later content version, so the newest is live, v1 is kept as history, and the
"what would change" report has v1 decisions to replay on v2.

Idempotent: run it again and nothing changes. Every write goes through the services, so the demo
database has the same audit trail a real publication would: the demo user "policy" writes and
submits each version, "policy2" approves and publishes it (four-eyes).
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
    """Create or update the element's scenarios of one content version; returns how many changed.

    A version's scenarios apply up to the version before the next content version shipped."""
    later = [number for number in content.versions() if number > version]
    last = later[0] - 1 if later else None
    count = 0
    for item in content.scenarios(element.slug, version, last_version=last):
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


def _publish_versions(*, versions: list[int], stdout: Any) -> None:
    author = User.objects.get(staff_number=AUTHOR)
    approver = User.objects.get(staff_number=APPROVER)
    for element in Element.objects.all():
        for version in versions:
            with transaction.atomic():
                load_scenarios(element=element, actor=author, version=version)
                published = publish_content_version(
                    element=element, author=author, approver=approver, version=version
                )
            scenarios = PolicyScenario.objects.filter(element=element).count()
            state = (
                f"v{version} published by {approver.staff_number}"
                if published
                else f"v{version} already loaded"
            )
            stdout.write(f"Policy {element.slug}: {state}; {scenarios} scenarios.")


def seed(*, stdout: Any) -> None:
    """Load the agency directory, the v1 flows (published) and their scenarios."""
    author = User.objects.get(staff_number=AUTHOR)
    with transaction.atomic():
        created, changed = load_agencies(actor=author)
    stdout.write(f"Agencies: {created} added, {changed} updated.")
    _publish_versions(versions=[1], stdout=stdout)


def seed_latest(*, stdout: Any) -> None:
    """Publish every content version after v1, oldest first: the newest is live, v1 is history."""
    _publish_versions(versions=[number for number in content.versions() if number > 1], stdout=stdout)
