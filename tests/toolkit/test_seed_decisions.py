"""`seed_decisions`: closed decisions with their answers on every element and site, counted exactly by
the dashboards; real walks of the published flows that replay to the outcome they record; the same
--seed gives the same mix; the SQL-side rebuild of the daily counts agrees with measures_of; and it
refuses to run with DEBUG off."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max, Min

from policies import flow as engine
from policies.models import Element
from tests.policies.factories import element as element_of
from tests.training.factories import site as make_site
from toolkit.models import DailyCount, Decision, DecisionAnswer, Escalation, ReviewItem, ReviewStanding
from toolkit.selectors import call_state
from toolkit.selectors.dashboard import DashboardFilter, bucket_of, buckets_between, dashboard_get
from toolkit.services.rollup import rollup_rebuild
from training.models import Site

LONDON = ZoneInfo("Europe/London")
ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL-side path is PostgreSQL's"
)


def seed(count: int, **options: Any) -> str:
    out = io.StringIO()
    call_command("seed_decisions", count=count, stdout=out, **options)
    return out.getvalue()


def counts() -> list[tuple[Any, ...]]:
    return sorted(DailyCount.objects.values_list("day", "element_pk", "site_pk", "measure", "count"))


def mix(decisions: Any) -> Counter[tuple[Any, ...]]:
    rows = decisions.values_list("element__slug", "outcome_category", "status", "override", "caller_type")
    return Counter(rows)


@pytest.fixture
def debug(settings: Any) -> None:
    settings.DEBUG = True


def test_seeding_gives_closed_decisions_with_answers_on_every_element_and_site_counted_exactly(
    debug: None, v2: Any, supervisor: Any, client: Any
) -> None:
    output = seed(300, seed=7)
    assert "300 decisions seeded" in output
    decisions = Decision.objects.all()
    assert decisions.count() == 300
    assert not decisions.filter(status=Decision.Status.IN_PROGRESS).exists()
    assert set(decisions.values_list("element__slug", flat=True)) == {"welfare", "awol", "s136", "transport"}
    assert set(decisions.values_list("site__slug", flat=True)) == {"lambeth", "hendon", "bow"}
    answers = decisions.annotate(n=Count("answers")).aggregate(least=Min("n"), most=Max("n"))
    assert (answers["least"], answers["most"]) >= (3, 3)
    assert answers["most"] <= 8
    # Pinned to the published version, its hash copied; every closed decision has its time.
    assert not decisions.exclude(policy_version__in=list(v2.values())).exists()
    assert all(
        d.content_hash == d.policy_version.content_hash for d in decisions.select_related("policy_version")
    )
    assert not decisions.filter(completed_at__isnull=True).exists()
    seconds = [
        (d.outcome_reached_at - d.started_at).total_seconds()
        for d in decisions.filter(outcome_reached_at__isnull=False)
    ]
    assert min(seconds) >= 20
    assert max(seconds) <= 600
    # The dashboards count them exactly: the counts are what the Python rebuild makes of them.
    seeded = counts()
    assert rollup_rebuild(in_sql=False) == 300
    assert counts() == seeded
    assert sum(n for *_, measure, n in seeded if measure == "decisions") == 300
    # Where each reviewed decision stands is its newest review.
    reviewed = decisions.filter(reviews__isnull=False).distinct()
    assert reviewed.exists()
    assert ReviewStanding.objects.count() == reviewed.count()
    for standing in ReviewStanding.objects.select_related("decision"):
        newest = standing.decision.reviews.order_by("-reviewed_at", "-id").first()
        assert (standing.review_id, standing.verdict) == (newest.pk, newest.verdict)
        assert standing.started_at == standing.decision.started_at
    client.force_login(supervisor)
    assert client.get("/toolkit/decisions/").status_code == 200
    assert client.get("/toolkit/decisions/", {"element": "s136", "category": "DEPLOY"}).status_code == 200
    today = dt.datetime.now(LONDON).date()
    two_years = {"date_from": str(today - dt.timedelta(days=729)), "date_to": str(today), "period": "month"}
    response = client.get("/toolkit/dashboard/", two_years)
    assert response.status_code == 200
    assert response.context["board"].total.decisions == 300


@pytest.mark.parametrize(
    ("back", "days", "period"),
    [(729, 730, "month"), (400, 365, "week"), (95, 60, "day"), (200, 45, "month"), (17, 9, "week")],
)
def test_the_dashboard_counts_the_seeded_decisions_exactly_whatever_the_range(
    debug: None, v2: Any, back: int, days: int, period: str
) -> None:
    """Whole weeks and months are read from their own rows, the days at the edges from the day
    rows: every bucket, element and site still counts exactly what the decisions say."""
    seed(300, seed=13)
    today = dt.datetime.now(LONDON).date()
    first, last = today - dt.timedelta(days=back), today - dt.timedelta(days=back - days + 1)
    board = dashboard_get(
        DashboardFilter(date_from=first, date_to=last, period=period),
        elements={e.pk: e for e in Element.objects.all()},
        sites={s.pk: s for s in Site.objects.all()},
    )
    inside = [
        d
        for d in Decision.objects.select_related("element", "site")
        if first <= d.started_at.astimezone(LONDON).date() <= last
    ]
    by_bucket = Counter(bucket_of(d.started_at.astimezone(LONDON).date(), period) for d in inside)
    wanted = [by_bucket[day] for day in buckets_between(first, last, period)]
    assert [b.decisions for b in board.buckets] == wanted
    assert board.total.decisions == len(inside)
    assert {row.label: row.decisions for row in board.by_element} == dict(
        Counter(d.element.title for d in inside)
    )
    assert {row.label: row.decisions for row in board.by_site} == dict(Counter(d.site.name for d in inside))
    assert board.total.categories == Counter(d.outcome_category for d in inside)
    raised = [e for e in Escalation.objects.all() if first <= e.raised_at.astimezone(LONDON).date() <= last]
    assert board.total.escalations == len(raised)


def test_seeded_calls_are_real_walks_that_replay_to_the_outcome_they_record(
    debug: None, v2: Any, supervisor: Any, client: Any
) -> None:
    seed(200, seed=3)
    decisions = Decision.objects.select_related("policy_version", "element")
    for decision in decisions:
        state = call_state(decision)  # raises InvalidAnswer if an answer is not the flow's
        if decision.status == Decision.Status.ABANDONED:
            assert isinstance(state.node, engine.Question)  # stopped short of an outcome
            assert decision.outcome_category == ""
        elif not decision.override:
            assert isinstance(state.node, engine.Outcome)
            assert (state.node.id, str(state.node.category)) == (
                decision.outcome_id,
                decision.outcome_category,
            )
    # Escalations answered by a supervisor; +ESCALATE outcomes raised one; review items queued.
    escalated = [d for d in decisions.filter(override=False) if "ESCALATE" in d.outcome_modifiers]
    assert escalated
    for decision in escalated:
        assert decision.escalations.filter(reason=Escalation.Reason.OUTCOME).exists()
    assert not Escalation.objects.filter(answered_at__isnull=True).exists()
    assert ReviewItem.objects.exists()
    client.force_login(supervisor)
    for slug in ("welfare", "awol", "s136", "transport"):
        decision = decisions.filter(element__slug=slug).first()
        assert client.get(f"/toolkit/decisions/{decision.reference}/").status_code == 200


def test_the_same_seed_gives_the_same_mix(debug: None, v2: Any) -> None:
    seed(150, seed=11)
    first = mix(Decision.objects.all())
    answers = DecisionAnswer.objects.count()
    last = Decision.objects.order_by("-pk").first()
    seed(150, seed=11)
    again = Decision.objects.filter(pk__gt=last.pk)
    assert again.count() == 150
    assert mix(again) == first
    assert DecisionAnswer.objects.count() == 2 * answers
    seed(150, seed=12)
    assert mix(Decision.objects.filter(pk__gt=again.order_by("-pk").first().pk)) != first


def test_without_a_published_version_the_answers_are_generic_and_no_version_is_pinned(
    debug: None, db: None
) -> None:
    seed(40, seed=5)
    assert Decision.objects.count() == 40
    assert not Decision.objects.filter(policy_version__isnull=False).exists()
    assert set(DecisionAnswer.objects.values_list("question_id", flat=True)) <= {
        f"q_{n}" for n in range(1, 9)
    }


def test_seeding_refuses_to_run_when_debug_is_off(settings: Any, db: None) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed(10)
    assert not Decision.objects.exists()
    seed(10, yes_production_database=True)
    assert Decision.objects.count() == 10


@ON_POSTGRES
def test_the_sql_rebuild_counts_exactly_what_measures_of_counts(
    debug: None, v2: Any, call_handler: Any
) -> None:
    seed(250, seed=21)
    lambeth, welfare = make_site("lambeth"), element_of("welfare")

    def closed(started: dt.datetime, **fields: Any) -> None:
        values = {
            "handler": call_handler,
            "status": Decision.Status.COMPLETED,
            "started_at": started,
            "completed_at": started + dt.timedelta(minutes=5),
            "outcome_category": "SIGNPOST",
            "element": welfare,
            "site": lambeth,
        } | fields
        Decision.objects.create(**values)

    clock_change = dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC)  # 00:30 BST on 25 Oct in London
    for seconds in (10, 60, 60.000001, 3600, 3600.5, 0):  # on, just over and beyond the bucket bounds
        closed(clock_change, outcome_reached_at=clock_change + dt.timedelta(seconds=seconds))
    closed(clock_change, outcome_category="", outcome_modifiers=["LAS", "LAS"], element=None, site=None)
    closed(clock_change, status=Decision.Status.IN_PROGRESS, completed_at=None)  # not counted
    closed(clock_change, practice=True)  # a practice call: not a live decision, not counted
    closed(dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC), override=True, outcome_category="DEPLOY")
    total = Decision.objects.exclude(status=Decision.Status.IN_PROGRESS).count()
    assert rollup_rebuild(in_sql=False) == total
    python = counts()
    assert rollup_rebuild(in_sql=True) == total
    assert counts() == python
    keys = {tuple(key) for *key, _ in python}
    assert (dt.date(2026, 10, 25), welfare.pk, lambeth.pk, "seconds:60") in keys
