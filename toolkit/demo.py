"""Demo decisions for `make run`: calls logged on v1 (some completed, some in progress, an open
escalation), then, once v2 is live, completed calls on v2, so the "what would change" report and
the decision log have both to show."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

from policies import content
from policies import flow as engine
from policies.models import Element, PolicyVersion
from policies.selectors import flow_for_version
from rcrp.accounts.models import User
from rcrp.accounts.roles import CALL_HANDLER
from toolkit import services
from toolkit.models import Decision, DeploymentBaseline
from toolkit.selectors import call_state, decision_flow
from toolkit.selectors.practice import expected_walk
from training.models import Course, PracticeCard, PracticeResult, PracticeSet, StaffMember
from training.services.practice import practice_set_create
from training.services.practice_requirement import course_practice_set

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
    _practice(stdout=stdout)


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


PRACTICE_TRAINEES = 24  # roster entries at the live site given practice results
PRACTICE_SET_TITLE = "RCRP course: practice calls"


def _practice(*, stdout: Any) -> None:
    """Practice cards for every live version, a practice set on the current course (required for
    completion), the demo handler's own practice calls walked on the real flow, and results for part
    of the demo roster (a pass rate that varies by card, so trainers see where trainees go wrong)."""
    trainer = User.objects.filter(staff_number="trainer").first()
    handler = User.objects.filter(staff_number="handler").first()
    course = Course.objects.current()
    if trainer is None or handler is None or course is None or PracticeSet.objects.exists():
        return
    live = list(PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED).select_related("element"))
    made = services.practice_cards_make_for_live(versions=live)
    chosen: list[PracticeCard] = []
    for slug in DEMO_ELEMENTS:  # two cards an element that the call page can walk at any hour
        cards = PracticeCard.objects.filter(element__slug=slug, facts={}, policy_version__in=live).order_by(
            "pk"
        )
        chosen += list(cards[:2])
    practice_set = practice_set_create(
        title=PRACTICE_SET_TITLE, pass_mark=len(chosen) - 2, card_ids=[c.pk for c in chosen], actor=trainer
    )
    course_practice_set(course=course, practice_set=practice_set, requires_practice=True, actor=trainer)
    for card in chosen[:3]:  # the demo handler's own practice: walked through the services
        decision = services.practice_start(actor=handler, card=card, practice_set=practice_set)
        flow = decision_flow(decision)
        assert flow is not None
        _walk(decision, handler, {s.question.id: s.value for s in expected_walk(card, flow).asked})
        _complete(decision, handler)
    results = _roster_results(chosen, practice_set)
    stdout.write(
        f"Demo practice: {made} cards, a set of {len(chosen)} on the current course (required), "
        f"{results} results for {PRACTICE_TRAINEES} trainees"
    )


def _roster_results(cards: list[PracticeCard], practice_set: PracticeSet) -> int:
    """Results for part of the roster at the live site (each gets an account that cannot sign in):
    most pass; each card's first question is where the others went wrong."""
    rng = random.Random(11)  # the same demo every time  # noqa: S311
    group = Group.objects.get(name=CALL_HANDLER)
    staff = StaffMember.objects.filter(site__live_from__isnull=False, user__isnull=True).order_by(
        "staff_number"
    )
    rows = []
    for person in staff.order_by("staff_number")[:PRACTICE_TRAINEES]:
        user = User.objects.create(staff_number=person.staff_number, display_name=person.full_name)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.set([group])
        person.user = user
        person.save(update_fields=["user", "updated_at"])
        for index, card in enumerate(cards):
            flow = flow_for_version(card.policy_version)
            first = expected_walk(card, flow).asked[0]
            others = [a.label for a in first.question.answers if a.value != first.value]
            passed = rng.random() > 0.12 + 0.08 * index  # the later cards teach less
            wrong = (
                []
                if passed or not others
                else [
                    {
                        "question_id": first.question.id,
                        "question_text": first.question.text,
                        "expected": first.label(),
                        "given": rng.choice(others),
                    }
                ]
            )
            rows.append(
                PracticeResult(
                    user=user,
                    card=card,
                    practice_set=practice_set,
                    decision_reference=uuid.uuid4(),
                    policy_version=card.policy_version,
                    passed=passed,
                    outcome_category=card.expected_category if passed else "",
                    differences=wrong,
                )
            )
    PracticeResult.objects.bulk_create(rows)
    return len(rows)
