"""Practice sets (trainers): cards in order with a pass mark, and where trainees go wrong."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from rcrp.accounts.http import AuthenticatedHttpRequest, any_permission_required
from training.models import PracticeSet
from training.selectors import practice as selectors
from training.services.practice import practice_set_create
from training.views._common import MANAGE_TRAINING

trainers = any_permission_required(MANAGE_TRAINING)
FIELD_IDS = {"title": "id_title", "pass_mark": "id_pass_mark", "cards": "cards"}


@trainers
@require_safe
def practice_sets(request: AuthenticatedHttpRequest) -> HttpResponse:
    cards = selectors.practice_cards_to_choose()
    card_stats, question_stats, read = selectors.practice_stats(cards=cards)
    context = {
        "sets": list(selectors.practice_set_list()),
        "card_stats": [s for s in card_stats if s.attempts][:15],
        "question_stats": question_stats[:15],
        "read": read,
    }
    return render(request, "training/practice_sets.html", context)


def _chosen(post: Any, cards: list[Any]) -> list[int]:
    """The ticked cards in the order of their position numbers (then as listed)."""
    ticked = []
    for index, card in enumerate(cards):
        if str(card.pk) in post.getlist("cards"):
            raw = post.get(f"position_{card.pk}", "")
            position = int(raw) if raw.isdigit() and len(raw) < 5 else 10_000
            ticked.append((position, index, card.pk))
    return [pk for _, _, pk in sorted(ticked)]


@trainers
@require_http_methods(["GET", "POST"])
def practice_set_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    cards = selectors.practice_cards_to_choose()
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        raw_mark = request.POST.get("pass_mark", "").strip()
        try:
            practice_set = practice_set_create(
                title=request.POST.get("title", ""),
                pass_mark=int(raw_mark) if raw_mark.isdigit() and len(raw_mark) < 5 else 0,
                card_ids=_chosen(request.POST, cards),
                actor=request.user,
            )
        except ValidationError as error:
            errors = [(FIELD_IDS.get(e.code or "", "id_title"), e.messages[0]) for e in error.error_list]
        else:
            messages.success(
                request, f"Practice set saved: {practice_set.title}. Attach it to a course from Courses."
            )
            return redirect("training:practice-set", pk=practice_set.pk)
    context = {
        "cards": cards,
        "errors": errors,
        "error_fields": {field for field, _ in errors},
        "posted": request.POST,
        "ticked": set(request.POST.getlist("cards")),
    }
    return render(request, "training/practice_set_new.html", context, status=400 if errors else 200)


@trainers
@require_safe
def practice_set(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    chosen = get_object_or_404(PracticeSet.objects.prefetch_related("courses"), pk=pk)
    cards = selectors.practice_set_cards(chosen)
    card_stats, question_stats, read = selectors.practice_stats(cards=cards)
    order = {card.pk: i for i, card in enumerate(cards)}
    return render(
        request,
        "training/practice_set.html",
        {
            "practice_set": chosen,
            "cards": cards,
            "card_stats": sorted(card_stats, key=lambda s: order[s.card.pk]),
            "least_passed": [s for s in card_stats if s.attempts][:5],
            "question_stats": question_stats[:15],
            "read": read,
        },
    )
