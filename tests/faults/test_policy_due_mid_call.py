"""A scheduled policy version whose time comes while calls are open: `publish_due_policies` runs
with a call open on the old version. The open call stays on its version to the end (its questions,
answers, outcome and content hash); a call started after the run gets the new version.

tests/policies/test_commands.py covers the command publishing a due version; this is about the
calls that are open at that moment.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from policies import content
from policies import flow as engine
from policies import services as policy_services
from policies.models import PolicyVersion
from policies.selectors import flow_cache_clear, flow_for_version
from tests.policies.factories import published_v1
from tests.toolkit.helpers import answer_data, start_call, walk
from toolkit.models import Decision
from toolkit.selectors import answer_pairs, call_state, decision_facts

pytestmark = pytest.mark.django_db

SCENARIO = "Daughter cannot get an answer from her father's flat"  # a v1 walk of 10 questions


@pytest.fixture
def welfare(policy_owner: Any, second_policy_owner: Any, settings: Any) -> PolicyVersion:
    """The real v1 welfare flow live, and the training gate off (this is about the policy)."""
    settings.TRAINING_GATE_MODE = "off"
    flow_cache_clear()
    return published_v1("welfare", author=policy_owner, approver=second_policy_owner, with_scenarios=False)


def _scheduled_v2(v1: PolicyVersion, owner: Any, approver: Any, when: dt.datetime) -> PolicyVersion:
    """The real v2 welfare flow, drafted, approved and scheduled for `when` through the services."""
    draft = policy_services.policy_version_create_draft(element=v1.element, actor=owner)
    policy_services.policy_version_update_draft(
        version=draft, actor=owner, document=content.flow_document("welfare", 2), change_summary="v2"
    )
    policy_services.policy_version_submit(version=draft, actor=owner)
    policy_services.policy_version_approve(version=draft, actor=approver, legal_clearance_ref="LC-1")
    policy_services.policy_version_publish(version=draft, actor=approver, effective_from=when)
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.APPROVED
    assert draft.is_scheduled
    return draft


def test_a_version_published_while_a_call_is_open_leaves_that_call_on_its_version(
    client: Any,
    call_handler: Any,
    policy_owner: Any,
    second_policy_owner: Any,
    welfare: PolicyVersion,
) -> None:
    answers = next(s for s in content.scenarios("welfare") if s.name == SCENARIO).values()["answers"]
    when = timezone.now() + dt.timedelta(minutes=10)  # within the session's idle limit
    v2 = _scheduled_v2(welfare, policy_owner, second_policy_owner, when)
    client.force_login(call_handler)
    open_call = start_call(client, "welfare")
    url = f"/toolkit/calls/{open_call.reference}/answer/"
    for _ in range(2):  # two answers on v1 before the new version's time
        question = call_state(Decision.objects.get(pk=open_call.pk)).question
        assert client.post(url, answer_data(open_call, answers[question.id])).status_code == 302

    with time_machine.travel(when + dt.timedelta(minutes=1), tick=False):
        out = StringIO()
        call_command("publish_due_policies", stdout=out)
        assert out.getvalue() == "welfare v2: published\n"
        v2.refresh_from_db()
        welfare.refresh_from_db()
        assert (v2.status, welfare.status) == (PolicyVersion.Status.PUBLISHED, PolicyVersion.Status.RETIRED)

        # The open call's next page is still v1's next question, and it walks v1 to v1's outcome.
        page = client.get(f"/toolkit/calls/{open_call.reference}/").content.decode()
        v1_flow = flow_for_version(welfare)
        upcoming = call_state(Decision.objects.get(pk=open_call.pk)).question
        assert upcoming is not None
        assert upcoming.text == v1_flow.get(upcoming.id).text
        assert upcoming.text in page
        finished = walk(client, open_call, answers)
        finished.refresh_from_db()
        assert finished.has_outcome
        done = client.post(
            f"/toolkit/calls/{finished.reference}/complete/", {"step": finished.step, "caller_told": "yes"}
        )
        assert done.status_code == 302, done.content.decode()[-1500:]

        # A call started now gets v2.
        new_call = start_call(client, "welfare", ref="CAD 124/26NOV26")

    finished = Decision.objects.get(pk=open_call.pk)
    assert finished.status == Decision.Status.COMPLETED
    assert (finished.policy_version_id, finished.content_hash) == (welfare.pk, welfare.content_hash)
    assert finished.content_hash != v2.content_hash
    # Every answer is v1's question as v1 words it, and v1 replays to the outcome recorded.
    for answer in finished.answers.all():
        assert answer.question_text == v1_flow.get(answer.question_id).text
    walked = engine.walk(v1_flow, answer_pairs(call_state(finished).path), decision_facts(finished))
    assert walked.outcome is not None
    assert walked.outcome.id == finished.outcome_id
    assert finished.outcome_category == "SIGNPOST"

    assert (new_call.policy_version_id, new_call.content_hash) == (v2.pk, v2.content_hash)
    assert call_state(new_call).flow.language == 2
