"""Practice-set writes: a trainer builds a set of practice cards in order with a pass mark."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from training.models import PracticeCard, PracticeSet, PracticeSetCard


@transaction.atomic
def practice_set_create(*, title: str, pass_mark: int, card_ids: Sequence[int], actor: User) -> PracticeSet:
    """A set of the cards, in the order given, passed by passing `pass_mark` of them."""
    title = title.strip()
    errors = []
    if not title:
        errors.append(ValidationError("Enter a title for the practice set", code="title"))
    chosen = list(dict.fromkeys(card_ids))  # each card once, in the order chosen
    cards = {c.pk: c for c in PracticeCard.objects.filter(pk__in=chosen, active=True)}
    if not chosen or len(cards) != len(chosen):
        errors.append(ValidationError("Choose at least one practice card", code="cards"))
    elif not 1 <= pass_mark <= len(chosen):
        errors.append(
            ValidationError(
                f"Enter a pass mark from 1 to {len(chosen)} (the number of cards)", code="pass_mark"
            )
        )
    if errors:
        raise ValidationError(errors)
    practice_set = PracticeSet.objects.create(title=title[:200], pass_mark=pass_mark, created_by=actor)
    PracticeSetCard.objects.bulk_create(
        PracticeSetCard(practice_set=practice_set, card=cards[pk], order=order)
        for order, pk in enumerate(chosen, start=1)
    )
    audit_event_record(
        actor=actor,
        action="training.practice_set.created",
        target=practice_set,
        data={"new": {"title": title, "pass_mark": pass_mark, "cards": chosen}},
    )
    return practice_set
