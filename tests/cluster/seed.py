"""Seed the cluster tests' database, already migrated (run in a subprocess on the production
settings): a call handler and a supervisor who sign in with passwords, the real MPS v1 welfare flow
published with its scenarios, and the AWOL v1 flow approved and scheduled to publish a few seconds
from now (for publish_due_policies). Prints what the test needs as JSON."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import django


def main(handler: str, supervisor: str, password: str, due_in_seconds: str) -> None:
    django.setup()
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from policies import content
    from policies import services as policy_services
    from policies.models import Element
    from policies.selectors import flow_cache_clear
    from rcrp.accounts.models import User
    from tests.policies.factories import published_v1

    flow_cache_clear()
    # The policy owners never sign in: no password, so no production-strength hash to compute (each
    # costs about half a second of the seed).
    author, approver = (
        User.objects.create_user(f"clusterp{n}", None, display_name=f"Cluster Policy {n}") for n in (1, 2)
    )
    for owner in (author, approver):
        owner.groups.add(Group.objects.get(name="Policy owner"))
    welfare = published_v1("welfare", author=author, approver=approver, with_scenarios=True)
    for staff_number, role in ((handler, "Call handler"), (supervisor, "Supervisor")):
        user = User.objects.create_user(staff_number, password, display_name=f"Cluster {role}")
        user.groups.add(Group.objects.get(name=role))
    awol = Element.objects.get(slug="awol")
    draft = policy_services.policy_version_import(
        element=awol,
        document=content.flow_document("awol"),
        change_summary=content.change_summary("awol"),
        actor=author,
    )
    policy_services.policy_version_submit(version=draft, actor=author)
    policy_services.policy_version_approve(version=draft, actor=approver, legal_clearance_ref="CLUSTER-TEST")
    due = timezone.now() + timedelta(seconds=float(due_in_seconds))
    policy_services.policy_version_publish(version=draft, actor=approver, effective_from=due)
    json.dump(
        {
            "welfare_version": welfare.pk,
            "welfare_hash": welfare.content_hash,
            "welfare_element": welfare.element_id,
            "scheduled_version": draft.pk,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(*sys.argv[1:5])
