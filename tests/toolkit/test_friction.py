"""Friction analytics: time on each question (median and 90th percentile), how often its answer
was changed, and how often handlers left it by the override or by asking a supervisor."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET  # our own SVG output, not untrusted input
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests.toolkit.helpers import answer_data, start_call
from toolkit.models import Decision
from toolkit.selectors import call_state

pytestmark = pytest.mark.usefixtures("gate_off")
SVG = "{http://www.w3.org/2000/svg}"


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


def test_friction_figures_are_laid_onto_the_flowchart(
    handler_client: Any, client: Any, policy_owner: Any, v1: Any
) -> None:
    start = timezone.now() - dt.timedelta(hours=1)
    for index in range(2):
        with time_machine.travel(start + dt.timedelta(minutes=10 * index), tick=False) as clock:
            decision = start_call(handler_client, "welfare")
            clock.shift(dt.timedelta(seconds=40))
            answer_first(handler_client, decision, "no")  # q_immediate_danger: the slowest
            clock.shift(dt.timedelta(seconds=5))
            answer_first(handler_client, decision, "none")  # q_crime
            if index == 0:  # changed its mind on q_crime: the most changed
                clock.shift(dt.timedelta(seconds=5))
                answer_first(handler_client, decision, "none", position=1)
    client.force_login(policy_owner)  # the same test client as handler_client
    empty = client.get("/toolkit/friction/awol/v1/")  # no decisions: no chart
    assert empty.context["chart"] is None
    assert 'id="flowchart"' not in empty.content.decode()
    response = client.get("/toolkit/friction/welfare/v1/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index('id="friction-table"') < body.index('id="flowchart"')
    assert 'Dashed outline and a "Slowest" badge' in body  # the key says it in words
    drawn = re.search(r"<svg .*?</svg>", body, re.DOTALL)
    assert drawn is not None
    svg = ET.fromstring(drawn[0])  # noqa: S314
    boxes = {
        (g.findtext(f"{SVG}text/{SVG}tspan") or "").removeprefix("Start: "): g  # the id, on the first line
        for g in svg.iter(f"{SVG}g")
        if "rcrp-fc__node--question" in g.get("class", "")
    }
    slowest, changed = boxes["q_immediate_danger"], boxes["q_crime"]
    assert "rcrp-fc__node--highlight-slowest" in slowest.get("class", "")
    assert "rcrp-fc__node--highlight-most_changed" not in slowest.get("class", "")
    assert "median 40 s · changed 0%" in " ".join(slowest.itertext())
    assert "Slowest" in " ".join(slowest.itertext())
    assert "rcrp-fc__node--highlight-most_changed" in changed.get("class", "")
    assert "median 5 s · changed 50%" in " ".join(changed.itertext())
    assert "Most changed" in " ".join(changed.itertext())
    highlighted = [g for g in boxes.values() if "highlight" in g.get("class", "")]
    assert len(highlighted) == 2
    assert "not answered in these decisions" in " ".join(boxes["q_self_harm"].itertext())
    assert "Slowest: q_immediate_danger." in (svg.findtext(f"{SVG}desc") or "")
