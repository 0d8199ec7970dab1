"""Stored text is escaped everywhere it is shown.

A script-injecting value is stored through the real services (an incident reference, a decision
note, a review's feedback, a staff name from the roster import, a policy change summary), then every
GET page of the URL registry is opened as every role the ladder lets in: none may carry the value
as markup, and the pages that show it must show it escaped (so the check cannot pass by accident).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from policies import services as policy_services
from tests.security import registry
from tests.test_url_permissions import LADDER, PATTERNS, ROLES, World, url_of
from toolkit import services as toolkit_services
from toolkit.models import Decision, DecisionNote, Review
from training import services as training_services
from training.models import StaffMember

# The World holds one version in progress (number 2): the draft, which carries the change summary.
OTHER_VERSIONS = {"submitted", "approved", "scheduled"}
MARK = "rcrp-xss"
PAYLOAD = f'<script>alert("{MARK}")</script><img src=x onerror="alert(1)">'
# What must never reach a page: the payload as live markup.
LIVE = (f'<script>alert("{MARK}")', f"<script>alert('{MARK}')", 'onerror="alert(1)"', "onerror='alert(1)'")


def _store(world: World) -> dict[str, Any]:
    """Store PAYLOAD through the services; returns what was stored where."""
    handler = world.user("handler")
    decision = toolkit_services.decision_start(
        actor=handler,
        element=world.live.element,
        caller_type=Decision.CallerType.PUBLIC,
        incident_ref="",
        incident_ref_missing_reason=PAYLOAD,
    )
    world.decision  # noqa: B018 - the World's own decision, for the URL parameters
    Decision.objects.filter(pk=world.decision.pk).update(incident_ref=PAYLOAD[:40])
    note = toolkit_services.decision_note_add(
        decision=world.decision, actor=handler, kind=DecisionNote.Kind.NOTE, text=PAYLOAD
    )
    review = toolkit_services.review_record(
        decision=world.decision,
        reviewer=world.user("supervisor"),
        verdict=Review.Verdict.COMPLIANT,
        feedback=PAYLOAD,
    )
    name = PAYLOAD.replace('"', "'")  # a CSV cell quotes its own double quotes
    csv = f'staff_number,full_name,site,role,team\n900001,"{name}",Lambeth,Call handler,\n'
    result = training_services.staff_import(data=csv.encode(), actor=world.user("trainer"))
    assert result.applied, result.problems
    staff = StaffMember.objects.get(staff_number="900001")
    draft = world.draft
    policy_services.policy_version_update_draft(
        version=draft, actor=draft.created_by, document=draft.document, change_summary=PAYLOAD
    )
    return {"decision": decision, "note": note, "review": review, "staff": staff, "draft": draft}


# The pages are checked a URL namespace at a time, so the work spreads over the parallel workers
# (on a loaded machine the one test over every page held a worker for 20-35 s). Each part stores the
# value itself and must find it shown escaped on one of its pages that show it, so none passes blind.
PARTS = {
    "toolkit": ({"toolkit"}, {"toolkit:decision"}),
    "policies": ({"policies"}, {"policies:version", "policies:version-changes"}),
    "training and the rest": ({"training", ""}, {"training:staff-detail", "training:roster"}),
}


def _namespace(key: str) -> str:
    name = url_of(key)
    return name.split(":", 1)[0] if ":" in name else ""


def test_the_parts_cover_every_namespace() -> None:
    covered = set().union(*(namespaces for namespaces, _ in PARTS.values()))
    assert {_namespace(key) for key in LADDER} <= covered


@pytest.mark.django_db
@pytest.mark.parametrize("part", PARTS)
def test_stored_script_is_escaped_on_every_page(request: pytest.FixtureRequest, part: str) -> None:
    namespaces, shown_on_expected = PARTS[part]
    world = World(request)
    stored = _store(world)
    assert "<script>" in stored["staff"].full_name, "the roster import should keep the name as given"
    shown_on: set[str] = set()
    problems: list[str] = []
    for key, row in LADDER.items():
        if row.method != "GET" or url_of(key) not in PATTERNS or row.on in OTHER_VERSIONS:
            continue
        if _namespace(key) not in namespaces:
            continue
        url = registry.row_url(world, key)
        for role in ROLES:
            if role == "anonymous" or row.expected[role] != 200:
                continue
            client = Client(raise_request_exception=True)
            client.force_login(world.user(role))
            with transaction.atomic():
                response = client.get(url)
                transaction.set_rollback(True)
            body = (b"".join(response.streaming_content) if response.streaming else response.content).decode(
                "utf-8", "replace"
            )
            if not response.get("Content-Type", "").startswith("text/html"):
                # JSON and CSV are data, never run as a page: the browser is told not to sniff them.
                assert response.get("X-Content-Type-Options") == "nosniff", f"{key} as {role}"
                continue
            for live in LIVE:
                if live in body:
                    problems.append(f"{key} as {role}: {live!r} is live markup")
            if "&lt;script&gt;alert(" in body:
                shown_on.add(url_of(key))
    assert not problems, "\n".join(problems)
    # The value is really on the pages (escaped), so the check above looked at it.
    assert shown_on_expected & shown_on, f"the stored text was shown escaped only on {sorted(shown_on)}"
