"""Demo decisions for `make run`: calls logged on v1 (some completed, some in progress, an open
escalation), then, once v2 is live, completed calls on v2, so the "what would change" report and
the decision log have both to show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from policies import content
from policies import flow as engine
from policies.models import Element
from rcrp.accounts.models import User
from toolkit import services
from toolkit.models import Decision, DeploymentBaseline
from toolkit.selectors import call_state

DEMO_ELEMENTS = ("welfare", "awol", "s136", "transport")


def seed(*, stdout: Any) -> None:
    """The first three v1 scenarios of each element, walked as the demo handler (v1 is live)."""
    handler = User.objects.filter(staff_number="handler").first()
    if handler is None or Decision.objects.filter(handler=handler).exists():
        return
    made = 0
    for number, slug in enumerate(DEMO_ELEMENTS, start=1):
        for index, scenario in enumerate(content.scenarios(slug)[:3]):
            decision = _start_and_walk(handler, slug, scenario, ref=f"CAD {number}{index:02d}/26NOV26")
            if index < 2:
                _complete(decision, handler)
            elif slug == "welfare":
                services.escalation_raise(
                    reference=decision.reference,
                    actor=handler,
                    reason="partner_dispute",
                    note="Caller disputes the outcome",
                )
            made += 1
    stdout.write(f"Demo decisions: {made} (some completed, some in progress, one escalation open)")


def seed_latest(*, stdout: Any) -> None:
    """Two completed calls per element on the latest content version (once it is live)."""
    handler = User.objects.filter(staff_number="handler").first()
    version = content.LATEST_VERSION
    if handler is None or Decision.objects.filter(handler=handler, policy_version__number=version).exists():
        return
    made = 0
    for number, slug in enumerate(DEMO_ELEMENTS, start=1):
        # Scenarios the s136 clock answers depend on the time of day: the demo walks the others.
        chosen = [s for s in content.scenarios(slug, version) if not s.facts][:2]
        for index, scenario in enumerate(chosen):
            decision = _start_and_walk(handler, slug, scenario, ref=f"CAD {number}{index + 50:02d}/27NOV26")
            _complete(decision, handler)
            made += 1
    queued = services.review_queue_build()
    stdout.write(f"Demo decisions on v{version}: {made} completed; {queued} queued for quality review")
    _baseline(stdout=stdout)


# Pre-go-live deployments a month for the demo's baseline: demo-sized (the demo logs a handful
# of calls), in the proportions of the elements' demand, with a winter rise.
DEMO_BASELINE = {"welfare": 12, "awol": 4, "s136": 5, "transport": 3}


def _baseline(*, stdout: Any) -> None:
    """A year of baseline figures, ending a year before this month, entered by the demo admin."""
    admin = User.objects.filter(staff_number="admin").first()
    if admin is None or DeploymentBaseline.objects.exists():
        return
    first = (timezone.localdate().replace(day=1) - dt.timedelta(days=700)).replace(day=1)
    months = [(first + dt.timedelta(days=31 * i)).replace(day=1) for i in range(12)]
    for slug, monthly in DEMO_BASELINE.items():
        element = Element.objects.get(slug=slug)
        for month in months:
            winter = 1.25 if month.month in (11, 12, 1, 2) else 1
            services.baseline_set(
                element=element, month=month, deployments=round(monthly * winter), actor=admin
            )
    stdout.write(
        f"Demo baseline: {len(months)} months for each element, {months[0]:%b %Y} to {months[-1]:%b %Y}"
    )


def _start_and_walk(handler: User, slug: str, scenario: content.ScenarioContent, *, ref: str) -> Decision:
    kind, _, partner = (scenario.caller_type or "public").partition(":")
    caller = kind if kind in Decision.CallerType.values else Decision.CallerType.PARTNER
    decision = services.decision_start(
        actor=handler,
        element=Element.objects.get(slug=slug),
        caller_type=caller,
        partner_kind=(partner or "other") if caller == Decision.CallerType.PARTNER else "",
        incident_ref=ref,
    )
    _walk(decision, handler, scenario.answers)
    decision.refresh_from_db()
    return decision


def _complete(decision: Decision, handler: User) -> None:
    services.decision_complete(
        reference=decision.reference,
        actor=handler,
        step=decision.step,
        caller_told=True,
        safeguarding_referral=Decision.Referral.MADE if decision.needs_referral_answer else "",
        before_answer_confirmed=True,
    )


def _needs_note(question: engine.Question, value: Any) -> bool:
    """Whether the demo's answer needs a note: an answer that asks for one, or a required check
    that was not done."""
    if isinstance(value, dict):
        return any(item.required and value.get(item.value) != "done" for item in question.items)
    ticked = value if isinstance(value, list | tuple) else [value]
    return any(answer.needs_note for answer in question.answers if answer.value in ticked)


def _walk(decision: Decision, actor: User, answers: dict[str, Any]) -> None:
    for _ in range(60):
        decision.refresh_from_db()
        state = call_state(decision)
        question = state.question
        if question is None:
            return
        value = answers[question.id]
        if engine.Tag.POS_ARRIVAL in question.tags:
            # The scenario's arrival time may be later today than the demo runs: arrive 20 minutes ago.
            value = f"{timezone.localtime() - dt.timedelta(minutes=20):%H:%M}"
        services.decision_answer(
            reference=decision.reference,
            actor=actor,
            step=decision.step,
            position=len(state.path),
            question_id=question.id,
            raw_value=list(value) if isinstance(value, list | tuple) else value,
            note="Demo note" if _needs_note(question, value) else "",
        )
    raise engine.FlowError("demo walk did not end")
