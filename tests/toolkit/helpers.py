"""Walking a call through the real views, as a handler's browser would."""

from __future__ import annotations

from typing import Any

from policies.models import Element
from toolkit import services
from toolkit.models import Decision
from toolkit.selectors import call_state

NOTE = "Caller said so (test note)"


def start_call(
    client: Any, slug: str, *, ref: str = "CAD 123/26NOV26", caller_type: str = "public", **extra: str
) -> Decision:
    data = {
        "element": Element.objects.get(slug=slug).pk,
        "caller_type": caller_type,
        "incident_ref": ref,
        **extra,
    }
    response = client.post("/toolkit/start/", data)
    assert response.status_code == 302, response.content.decode()[-1500:]
    return Decision.objects.get(reference=response.url.rstrip("/").split("/")[-1])


def answer_data(decision: Decision, value: Any, *, position: int | None = None) -> dict[str, Any]:
    """The POST a question page sends for `value` (notes filled in where an answer needs one)."""
    decision.refresh_from_db()
    state = call_state(decision)
    if position is None:
        position = len(state.path)
    from policies import flow as engine

    question = state.node_at(position)
    assert isinstance(question, engine.Question), question
    data: dict[str, Any] = {
        "step": decision.step,
        "position": position,
        "question_id": question.id,
        "kind": str(question.kind),
    }
    if isinstance(value, dict):  # a language-2 checklist: each item's state, as its radios send it
        data["language"] = "2"
        data.update({f"state_{item}": state for item, state in value.items()})
        if any(item.required and value.get(item.value) != "done" for item in question.items):
            data["note"] = NOTE
        return data
    data["answer"] = list(value) if isinstance(value, tuple) else value
    ticked = value if isinstance(value, list | tuple) else [value]
    needs = [a for a in question.answers if a.value in ticked and a.needs_note]
    if needs and question.kind is engine.Kind.MULTI:
        data["note"] = NOTE
    elif needs:
        data[f"note_{value}"] = NOTE
    return data


def walk(client: Any, decision: Decision, answers: dict[str, Any], limit: int = 60) -> Decision:
    """Answer every question the call reaches from `answers` (by question id) through the views."""
    url = f"/toolkit/calls/{decision.reference}/answer/"
    for _ in range(limit):
        decision.refresh_from_db()
        state = call_state(decision)
        if state.question is None:
            return decision
        response = client.post(url, answer_data(decision, answers[state.question.id]))
        assert response.status_code == 302, response.content.decode()[-1500:]
    raise AssertionError("the walk did not end")


def start_scenario(client: Any, slug: str, scenario: Any, **extra: str) -> Decision:
    """Start a call as a policy scenario's caller ("partner:gp" is a partner of that kind)."""
    kind, _, partner = (scenario.caller_type or "public").partition(":")
    if kind == "partner":
        extra["partner_kind"] = partner
    return start_call(client, slug, caller_type=kind, **extra)


def start(actor: Any, slug: str = "welfare", **kwargs: Any) -> Decision:
    """Start a call through the service (not the views) as `actor`."""
    return services.decision_start(
        actor=actor,
        element=Element.objects.get(slug=slug),
        caller_type=kwargs.pop("caller_type", "public"),
        incident_ref=kwargs.pop("incident_ref", "CAD 1/26NOV26"),
        **kwargs,
    )
