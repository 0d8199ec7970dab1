"""The challenges and escalations register: every escalation with the partner's words, our answer,
who decided and how long it took; s136 handovers past 60 minutes; and a per-partner summary for
partnership meetings. Reads only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from toolkit.models import Decision, Escalation
from toolkit.selectors import HANDOVER_LIMIT, S136_CLOCK_WINDOW
from toolkit.selectors.log import Cursor, LogPage, keyset_page, midnight


@dataclass(frozen=True)
class RegisterFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    element: str = ""
    site: int | None = None

    def on(self, qs: QuerySet[Any], *, moment: str, decision: str = "") -> QuerySet[Any]:
        """Filter rows by their `moment` and by their decision's element and site."""
        prefix = f"{decision}__" if decision else ""
        if self.date_from:
            qs = qs.filter(**{f"{moment}__gte": midnight(self.date_from)})
        if self.date_to:
            qs = qs.filter(**{f"{moment}__lt": midnight(self.date_to + dt.timedelta(days=1))})
        if self.element:
            qs = qs.filter(**{f"{prefix}element__slug": self.element})
        if self.site:
            qs = qs.filter(**{f"{prefix}site_id": self.site})
        return qs


def _escalations(register: RegisterFilter) -> QuerySet[Escalation]:
    return register.on(
        Escalation.objects.select_related(
            "decision__element", "decision__site", "raised_by", "answered_by", "reassessment"
        ),
        moment="raised_at",
        decision="decision",
    )


def register_page(
    register: RegisterFilter, *, after: Cursor | None = None, before: Cursor | None = None
) -> LogPage:
    """Every escalation, newest first, a keyset page at a time (one query)."""
    return keyset_page(_escalations(register), moment="raised_at", after=after, before=before)


@dataclass(frozen=True)
class OverdueHandover:
    decision: Decision
    minutes: int
    running: bool  # no handover recorded yet


def overdue_handovers(register: RegisterFilter, *, now: dt.datetime | None = None) -> list[OverdueHandover]:
    """s136 detentions whose handover took (or is taking) more than 60 minutes, longest first."""
    now = now or timezone.now()
    decisions = register.on(
        Decision.objects.for_list().select_related("handover").filter(pos_arrival_at__isnull=False),
        moment="pos_arrival_at",
    )
    found = []
    for decision in decisions:
        handover = getattr(decision, "handover", None)
        assert decision.pos_arrival_at is not None
        if handover is None and now - decision.pos_arrival_at > S136_CLOCK_WINDOW:
            continue  # the detention has ended in law; nobody recorded the handover
        end = handover.occurred_at if handover is not None else now
        if end - decision.pos_arrival_at > HANDOVER_LIMIT:
            minutes = int((end - decision.pos_arrival_at).total_seconds() // 60)
            found.append(OverdueHandover(decision=decision, minutes=minutes, running=handover is None))
    return sorted(found, key=lambda row: -row.minutes)


@dataclass
class PartnerRow:
    partner_kind: str
    label: str
    requests: int = 0
    refusals: int = 0
    challenges: int = 0
    upheld: int = 0
    overturned: int = 0


def partner_summary(register: RegisterFilter) -> list[PartnerRow]:
    """Per kind of partner agency: calls from it, refusals, challenges, and how challenges ended
    (two queries)."""
    labels = dict(Decision.PartnerKind.choices)
    rows = {kind: PartnerRow(kind, label) for kind, label in labels.items()}
    # A re-assessment a supervisor opened is our decision, not another request from the partner.
    partner_calls = Decision.objects.filter(
        caller_type=Decision.CallerType.PARTNER, reassessment_opened_by__isnull=True
    )
    calls = (
        register.on(partner_calls, moment="started_at")
        .values("partner_kind")
        .annotate(requests=Count("pk"), refusals=Count("pk", filter=Q(outcome_category="REFUSE_REDIRECT")))
    )
    for entry in calls:
        row = rows.setdefault(
            entry["partner_kind"], PartnerRow(entry["partner_kind"], entry["partner_kind"] or "Not given")
        )
        row.requests, row.refusals = entry["requests"], entry["refusals"]
    challenges = (
        register.on(
            Escalation.objects.filter(
                decision__caller_type=Decision.CallerType.PARTNER, reason=Escalation.Reason.PARTNER_DISPUTE
            ),
            moment="raised_at",
            decision="decision",
        )
        .values("decision__partner_kind")
        .annotate(
            challenges=Count("pk"),
            upheld=Count("pk", filter=Q(response=Escalation.Response.UPHOLD)),
            overturned=Count("pk", filter=Q(response=Escalation.Response.DEPLOY)),
        )
    )
    for entry in challenges:
        kind = entry["decision__partner_kind"]
        row = rows.setdefault(kind, PartnerRow(kind, kind or "Not given"))
        row.challenges, row.upheld, row.overturned = entry["challenges"], entry["upheld"], entry["overturned"]
    return [row for row in rows.values() if row.requests or row.challenges]


REGISTER_COLUMNS = (
    "raised_at",
    "decision",
    "incident_ref",
    "element",
    "site",
    "partner_kind",
    "agency",
    "reason",
    "stated_risk",
    "response",
    "response_note",
    "decided_by",
    "answered_by",
    "answered_at",
    "minutes_to_resolve",
    "reassessment",
)


def register_rows(register: RegisterFilter) -> Iterator[tuple[Any, ...]]:
    """The register as CSV rows (REGISTER_COLUMNS), newest first, read in chunks."""
    for e in _escalations(register).order_by("-raised_at", "-pk").iterator(chunk_size=2000):
        d = e.decision
        yield (
            timezone.localtime(e.raised_at).isoformat(timespec="seconds"),
            str(d.reference),
            d.incident_ref,
            d.element.slug if d.element else "",
            d.site.name if d.site else "",
            d.partner_kind,
            d.agency_name,
            e.get_reason_display(),
            e.note,
            e.get_response_display() if e.response else "Not answered",
            e.response_note,
            e.get_decided_by_display() if e.decided_by else "",
            e.answered_by.staff_number if e.answered_by else "",
            timezone.localtime(e.answered_at).isoformat(timespec="seconds") if e.answered_at else "",
            e.minutes_to_resolve if e.minutes_to_resolve is not None else "",
            str(e.reassessment.reference) if e.reassessment else "",
        )


PARTNER_COLUMNS = ("partner_kind", "requests", "refusals", "challenges", "upheld", "overturned")
