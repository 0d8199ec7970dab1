"""Friction analytics: time on each question (median and 90th percentile), how often its answer
was changed, and how often handlers left it by the override or by asking a supervisor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests.toolkit.helpers import answer_data, start_call
from toolkit.models import Decision
from toolkit.selectors import call_state

pytestmark = pytest.mark.usefixtures("gate_off")


def answer_first(client: Any, decision: Decision, value: Any, *, position: int | None = None) -> None:
    url = f"/toolkit/calls/{decision.reference}/answer/"
    assert client.post(url, answer_data(decision, value, position=position)).status_code == 302


def test_friction_per_question(
    handler_client: Any, call_handler: Any, client: Any, policy_owner: Any, v1: Any
) -> None:
    start = timezone.now() - dt.timedelta(hours=1)
    for index, seconds in enumerate((10, 20, 30, 40, 100)):
        with time_machine.travel(start + dt.timedelta(minutes=10 * index), tick=False) as clock:
            decision = start_call(handler_client, "welfare")
            clock.shift(dt.timedelta(seconds=seconds))
            answer_first(handler_client, decision, "no")  # q_immediate_danger
            if index == 0:  # changed its mind, then asked a supervisor on the next question
                clock.shift(dt.timedelta(seconds=5))
                answer_first(handler_client, decision, "no", position=0)
                handler_client.post(f"/toolkit/calls/{decision.reference}/escalate/", {"reason": "unsure"})
            if index == 1:  # left the next question by the deploy override
                handler_client.post(
                    f"/toolkit/calls/{decision.reference}/override/", {"reason": "Screaming heard"}
                )
    handler_client.force_login(call_handler)
    decision = Decision.objects.filter(override=False).first()
    assert decision is not None
    second = call_state(decision).question
    assert second is not None
    client.force_login(policy_owner)
    response = client.get("/toolkit/friction/welfare/v1/")
    assert response.status_code == 200
    friction = response.context["friction"]
    assert friction.decisions == 5
    rows = {q.question_id: q for q in friction.questions}
    first = rows["q_immediate_danger"]
    assert (first.answered, first.median, first.changed, first.change_rate) == (5, 30, 1, 20)
    assert first.p90 == pytest.approx(76)  # 40 + 0.6 * (100 - 40)
    assert first.slowest
    assert first.most_changed
    assert (rows[second.id].escalated, rows[second.id].overridden) == (1, 1)
    body = response.content.decode()
    assert "Slowest" in body
    assert "Most changed" in body
