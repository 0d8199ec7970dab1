"""Demo decisions for `make run`: a few completed calls, some in progress and an open escalation."""

from __future__ import annotations

from typing import Any

from policies import content
from policies import flow as engine
from policies.models import Element
from rcrp.accounts.models import User
from toolkit import services
from toolkit.models import Decision
from toolkit.selectors import call_state

# The first three v1 scenarios of each element, walked as the demo handler.
DEMO_ELEMENTS = ("welfare", "awol", "s136", "transport")


def seed(*, stdout: Any) -> None:
    handler = User.objects.filter(staff_number="handler").first()
    if handler is None or Decision.objects.filter(handler=handler).exists():
        return
    made = 0
    for number, slug in enumerate(DEMO_ELEMENTS, start=1):
        element = Element.objects.get(slug=slug)
        for index, scenario in enumerate(content.scenarios(slug)[:3]):
            kind, _, partner = (scenario.caller_type or "public").partition(":")
            decision = services.decision_start(
                actor=handler,
                element=element,
                caller_type=kind if kind in Decision.CallerType.values else Decision.CallerType.PARTNER,
                partner_kind=partner or ("" if kind in {"public", "self"} else "other"),
                incident_ref=f"CAD {number}{index:02d}/26NOV26",
            )
            _walk(decision, handler, scenario.answers)
            decision.refresh_from_db()
            if index < 2:
                services.decision_complete(
                    reference=decision.reference, actor=handler, step=decision.step, caller_told=True
                )
            elif slug == "welfare":
                services.escalation_raise(
                    reference=decision.reference,
                    actor=handler,
                    reason="partner_dispute",
                    note="Caller disputes the outcome",
                )
            made += 1
    stdout.write(f"Demo decisions: {made} (some completed, some in progress, one escalation open)")


def _walk(decision: Decision, actor: User, answers: dict[str, Any]) -> None:
    for _ in range(60):
        decision.refresh_from_db()
        state = call_state(decision)
        question = state.question
        if question is None:
            return
        value = answers[question.id]
        chosen = question.answer(value) if question.kind.has_answers else None
        services.decision_answer(
            reference=decision.reference,
            actor=actor,
            step=decision.step,
            position=len(state.path),
            question_id=question.id,
            raw_value=list(value) if isinstance(value, list | tuple) else value,
            note="Demo note" if chosen is not None and chosen.needs_note else "",
        )
    raise engine.FlowError("demo walk did not end")
