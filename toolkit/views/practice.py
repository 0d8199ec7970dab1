"""Practice calls: the cards a person may practise on, starting one (the live call page takes it
from there, marked PRACTICE), and the comparison with what the card expects once it is completed."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from policies.models import PolicyVersion
from rcrp.accounts.errors import NotFound
from rcrp.accounts.http import AuthenticatedHttpRequest, any_permission_required
from toolkit import services
from toolkit.models import Decision
from toolkit.selectors import call_state
from toolkit.selectors import practice as selectors
from toolkit.views.start import call_url
from training.models import Course, PracticeSet
from training.selectors.practice import practice_progress, practice_set_cards

practise = any_permission_required(*selectors.PRACTISERS)
write_cards = any_permission_required(selectors.TRAIN, selectors.POLICY)


def _set_for(request: AuthenticatedHttpRequest, value: str) -> PracticeSet | None:
    if not value.isdigit():
        return None
    return PracticeSet.objects.filter(pk=int(value)).first()


@practise
@require_safe
def practice_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _home(request)


def _home(request: AuthenticatedHttpRequest, *, error: str = "") -> HttpResponse:
    cards = selectors.practice_cards_for(request.user)
    course = Course.objects.current()
    course_set = course.practice_set if course is not None else None
    context: dict[str, Any] = {
        "cards": cards,
        "open_calls": list(selectors.practice_open_mine(user=request.user)),
        "results": list(selectors.practice_results_mine(user=request.user)),
        "course": course,
        "course_set": course_set,
        "may_write": request.user.has_perm(selectors.TRAIN) or request.user.has_perm(selectors.POLICY),
        "versions": list(
            PolicyVersion.objects.filter(
                status__in=[PolicyVersion.Status.PUBLISHED, PolicyVersion.Status.APPROVED]
            )
            .select_related("element")
            .order_by("element__order", "number")
        ),
    }
    if course_set is not None:
        context["set_cards"] = practice_set_cards(course_set)
        context["progress"] = practice_progress(practice_set=course_set, user=request.user)
    context["errors"] = [("id_version", error)] if error else []
    return render(request, "toolkit/practice/home.html", context, status=400 if error else 200)


@practise
@require_safe
def practice_card(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    card = selectors.practice_card_get(user=request.user, pk=pk)
    practice_set = _set_for(request, request.GET.get("set", ""))
    return render(
        request,
        "toolkit/practice/card.html",
        {
            "card": card,
            "practice_set": practice_set,
            "token": uuid.uuid4(),
            "caller_label": dict(Decision.CallerType.choices).get(card.caller_type, ""),
        },
    )


@practise
@require_POST
def practice_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    card = selectors.practice_card_get(user=request.user, pk=pk)
    try:
        token: UUID | None = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        token = None
    decision = services.practice_start(
        actor=request.user,
        card=card,
        practice_set=_set_for(request, request.POST.get("set", "")),
        token=token,
    )
    return redirect(call_url(decision))


@practise
@require_safe
def practice_result(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    decision = selectors.practice_decision_get(user=request.user, reference=reference)
    if decision.is_open:
        return redirect(call_url(decision))
    return _result(request, decision)


def _result(
    request: AuthenticatedHttpRequest, decision: Decision, *, errors: list[tuple[str, str]] | None = None
) -> HttpResponse:
    card = decision.practice_card
    if card is None:
        raise NotFound("No such practice call")
    comparison = selectors.compare(card, call_state(decision))
    next_card = None
    if decision.practice_set is not None:
        cards = practice_set_cards(decision.practice_set)
        position = next((i for i, c in enumerate(cards) if c.pk == card.pk), -1)
        next_card = cards[position + 1] if 0 <= position < len(cards) - 1 else None
    return render(
        request,
        "toolkit/practice/result.html",
        {
            "decision": decision,
            "card": card,
            "comparison": comparison,
            "why": selectors.card_why(card),
            "next_card": next_card,
            "may_write": request.user.has_perm(selectors.TRAIN) or request.user.has_perm(selectors.POLICY),
            "errors": errors or [],
            "posted": request.POST if errors else {},
        },
        status=400 if errors else 200,
    )


@write_cards
@require_POST
def practice_card_write(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    decision = selectors.practice_decision_get(user=request.user, reference=reference)
    try:
        card = services.practice_card_from_call(
            decision=decision,
            actor=request.user,
            title=request.POST.get("title", ""),
            situation=request.POST.get("situation", ""),
        )
    except ValidationError as error:
        fields = {"title": "id_title", "situation": "id_situation", "outcome": "write-card"}
        return _result(
            request,
            decision,
            errors=[(fields.get(e.code or "", "id_title"), e.messages[0]) for e in error.error_list],
        )
    messages.success(request, f"Practice card saved: {card.title}.")
    return redirect("toolkit:practice-card", pk=card.pk)


@write_cards
@require_POST
def practice_cards_make(request: AuthenticatedHttpRequest) -> HttpResponse:
    pk = request.POST.get("version", "")
    version = (
        PolicyVersion.objects.filter(
            pk=int(pk), status__in=[PolicyVersion.Status.PUBLISHED, PolicyVersion.Status.APPROVED]
        ).first()
        if pk.isdigit()
        else None
    )
    if version is None:
        return _home(request, error="Choose a published or approved policy version")
    made = services.practice_cards_make(version=version, actor=request.user)
    messages.success(
        request, f"{made} practice card{'s' if made != 1 else ''} made from {version}'s scenarios."
    )
    return redirect("toolkit:practice")
