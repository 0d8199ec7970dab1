"""A policy change reaches handlers on live calls: a question new or changed in the call's version
is highlighted with what changed, the first few times the handler meets it, then no more."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils import timezone

from policies import flow as engine
from policies.models import PolicyVersion
from policies.selectors import changed_questions_for
from tests.policies.factories import published_v2, published_version
from tests.toolkit.helpers import answer_data, start_call
from toolkit import services
from toolkit.selectors import call_state
from toolkit.selectors.changes import HIGHLIGHT_TIMES
from training.models import PracticeCard

pytestmark = pytest.mark.usefixtures("gate_off")


def test_a_changed_question_is_highlighted_the_first_few_times_then_not(
    client: Any, call_handler: Any, v2: Any
) -> None:
    client.force_login(call_handler)
    changed = changed_questions_for(v2["welfare"])
    for n in range(HIGHLIGHT_TIMES + 1):
        decision = start_call(client, "welfare", ref=f"CAD {n + 1}/26NOV26")
        question = call_state(decision).question
        assert question.id in changed  # v2 rewrote the flow: its first question is new
        page = client.get(f"/toolkit/calls/{decision.reference}/").content.decode()
        shown = 'id="changed-question"' in page
        assert shown == (n < HIGHLIGHT_TIMES), n
        if shown:
            assert changed[question.id][0] in page.replace("&#x27;", "'").replace("&quot;", '"')
        first = next(a.value for a in question.answers)
        assert (
            client.post(
                f"/toolkit/calls/{decision.reference}/answer/", answer_data(decision, first)
            ).status_code
            == 302
        )


def test_an_unchanged_version_highlights_nothing(v1: Any) -> None:
    assert changed_questions_for(v1["welfare"]) == {}  # a first version replaced nothing


def test_the_acknowledgement_page_shows_the_change_in_words_and_cards_to_practise_it(
    client: Any, call_handler: Any, v2: Any, policy_owner: Any, second_policy_owner: Any
) -> None:
    live = published_v2("welfare")  # with its scenarios
    document = copy.deepcopy(live.document)
    first = document["questions"][0]
    first["text"] = first["text"] + " (reworded)"
    PolicyVersion.objects.filter(pk=live.pk).update(
        status=PolicyVersion.Status.RETIRED, retired_at=timezone.now()
    )
    version = published_version(
        author=policy_owner,
        approver=second_policy_owner,
        element=live.element,
        number=3,
        document=document,
        content_hash=engine.content_hash(document),
        acknowledgement_required=True,
        change_summary="The first question is reworded.",
    )
    services.practice_cards_make(version=version)
    assert set(changed_questions_for(version)) == {first["id"]}
    client.force_login(call_handler)
    page = client.get("/training/acknowledge/").content.decode()
    assert f'id="version-{version.pk}-changes"' in page
    assert "What changed since v2, question by question" in page
    card = PracticeCard.objects.filter(policy_version=version).order_by("title").first()
    assert first["id"] in card.answers
    assert f"/toolkit/practice/cards/{card.pk}/" in page
