"""Quality review's reads: the queue, a decision's reviews, and compliance rates over time."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth

from toolkit.models import Decision, Review, ReviewItem
from toolkit.selectors import has_none_of
from toolkit.selectors.log import Cursor, LogPage, keyset_page
from toolkit.selectors.register import RegisterFilter


def review_queue_page(
    *, rule: str = "", after: Cursor | None = None, before: Cursor | None = None
) -> LogPage:
    """Queued decisions nobody has reviewed yet, newest first (one query)."""
    qs = (
        ReviewItem.objects.select_related("decision__element", "decision__handler", "decision__site")
        .annotate(reviewed=Exists(Review.objects.filter(decision=OuterRef("decision"))))
        .filter(reviewed=False)
    )
    if rule:
        qs = qs.filter(rules__icontains=f'"{rule}"')
    return keyset_page(qs, moment="queued_at", after=after, before=before)


def reviews_for_decision(decision: Decision) -> list[Review]:
    """Every review of the decision, newest first (the newest stands)."""
    if has_none_of(decision, "reviews"):
        return []
    return list(decision.reviews.select_related("reviewer"))


@dataclass
class ComplianceRow:
    month: str
    who: str
    reviewed: int = 0
    compliant: int = 0
    by_verdict: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> int:
        """Whole-number percentage of reviews that found the decision compliant."""
        return round(100 * self.compliant / self.reviewed) if self.reviewed else 0


def compliance(period: RegisterFilter, *, by: str) -> list[ComplianceRow]:
    """Reviews per month per handler (`by="handler"`) or per site, with the compliance rate.

    Only the newest review of each decision counts (one query for the reviews)."""
    newest = Review.objects.filter(decision=OuterRef("decision"), reviewed_at__gt=OuterRef("reviewed_at"))
    reviews: QuerySet[Review] = period.on(
        Review.objects.filter(~Exists(newest)), moment="reviewed_at", decision="decision"
    )
    key = "decision__handler__display_name" if by == "handler" else "decision__site__name"
    grouped = (
        reviews.annotate(month=TruncMonth("reviewed_at"))
        .values("month", key)
        .annotate(
            reviewed=Count("pk"),
            **{v: Count("pk", filter=Q(verdict=v)) for v in Review.Verdict.values},
        )
        .order_by("-month", key)
    )
    rows = []
    for entry in grouped:
        row = ComplianceRow(
            month=entry["month"].strftime("%B %Y"),
            who=entry[key] or "No site",
            reviewed=entry["reviewed"],
            compliant=entry[Review.Verdict.COMPLIANT],
            by_verdict={v: entry[v] for v in Review.Verdict.values},
        )
        rows.append(row)
    return rows
