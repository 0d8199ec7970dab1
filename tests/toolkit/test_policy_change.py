"""A policy change reaches handlers on live calls: a question new or changed in the call's version
is highlighted with what changed, the first few times the handler meets it, then no more."""

from __future__ import annotations

from typing import Any

import pytest

from policies.selectors import changed_questions_for
from tests.toolkit.helpers import answer_data, start_call
from toolkit.selectors import call_state
from toolkit.selectors.changes import HIGHLIGHT_TIMES

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
