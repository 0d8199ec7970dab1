"""Recent logged decisions, fed to the policies "what would change" report (policies.replay)."""

from __future__ import annotations

from django.urls import reverse

from policies.replay import ReplayCase
from toolkit.models import Decision
from toolkit.selectors import answer_pairs, current_path, decision_facts


def recent_decisions(element_slug: str, limit: int) -> list[ReplayCase]:
    """The most recent completed decisions of an element (not overrides), answers as they count."""
    decisions = list(
        Decision.objects.filter(element__slug=element_slug, status=Decision.Status.COMPLETED, override=False)
        .order_by("-completed_at")
        .prefetch_related("answers")[:limit]
    )
    return [
        ReplayCase(
            label=f"Decision {d.started_at:%d %b %Y %H:%M} ({d.incident_ref or 'no incident reference'})",
            answers=answer_pairs(current_path(list(d.answers.all()))),
            recorded_outcome_id=d.outcome_id,
            recorded_category=d.outcome_category,
            url=reverse("toolkit:decision", args=[d.reference]),
            facts=decision_facts(d),
        )
        for d in decisions
    ]
