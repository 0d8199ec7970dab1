"""The training demo data: 2,500 staff with realistic progress, made once, quickly."""

from __future__ import annotations

import io
import time

import pytest
from django.contrib.auth.models import Group
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from rcrp.accounts.models import User
from rcrp.accounts.roles import DEMO_USERS
from training import demo, selectors
from training.gate import call_gate_check, site_is_live
from training.models import (
    Booking,
    Completion,
    RotaAssignment,
    RotaPlanPeriod,
    Site,
    SiteGoLive,
    StaffMember,
    SupportBudget,
    SupportLogEntry,
    TrainingSession,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users() -> None:
    for login, (role, name) in DEMO_USERS.items():
        user = User.objects.create_user(login, "x", display_name=name)
        user.groups.add(Group.objects.get(name=role))


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            StaffMember,
            TrainingSession,
            Booking,
            Completion,
            RotaPlanPeriod,
            RotaAssignment,
            SupportLogEntry,
            SiteGoLive,
            SupportBudget,
        )
    )


@override_settings(TRAINING_GATE_MODE="block")
def test_the_demo_has_2500_staff_with_realistic_progress_and_is_idempotent(demo_users: None) -> None:
    started = time.perf_counter()
    demo.seed(stdout=io.StringIO())
    assert time.perf_counter() - started < 15
    assert StaffMember.objects.count() == 2500
    assert set(StaffMember.objects.values_list("site__slug", flat=True).distinct()) == {
        "lambeth",
        "hendon",
        "bow",
    }
    statuses = dict(Booking.objects.values_list("status").annotate(n=Count("pk")))
    assert set(statuses) == {"booked", "completed", "attended", "no_show"}
    report = selectors.readiness_get(today=timezone.localdate(), now=timezone.now())
    overall = report.overall
    assert overall.total == 2500
    assert 1000 < overall.trained < 2000
    assert overall.booked > 200
    assert overall.not_booked > 200
    assert report.projection.rate
    assert report.projection.rate > 100
    # every demo login is linked to its roster entry; the demo handler is not gated, other handlers are
    for login in DEMO_USERS:
        assert User.objects.get(staff_number=login).staff_record.staff_number == login
    assert call_gate_check(user=User.objects.get(staff_number="handler")).may_start_call
    untrained_handlers = selectors.staff_list_for_roster(
        course=report.course, role="Call handler", status="untrained"
    )
    assert untrained_handlers.count() > 100
    assert RotaPlanPeriod.objects.count() == 3
    assert RotaAssignment.objects.exists()
    assert SupportLogEntry.objects.exists()
    assert not Completion.objects.filter(route="session", session__isnull=True).exists()

    # site-by-site go-live: the demo handler's site is live, the other two not yet
    assert list(Site.objects.filter(live_from__isnull=False).values_list("slug", flat=True)) == ["lambeth"]
    assert User.objects.get(staff_number="handler").staff_record.site.slug == "lambeth"
    assert site_is_live(User.objects.get(staff_number="handler"))
    assert not site_is_live(User.objects.get(staff_number="floorwalker"))  # at Hendon
    assert SiteGoLive.objects.filter(by__staff_number="admin", live=False).count() == 2

    # the support budget: spend so far (go-live has passed in the demo) and shifts short of the plan
    budget = selectors.support_budget_report(today=timezone.localdate())
    assert budget.budget is not None
    assert budget.costing is not None
    assert budget.days_used > 0
    assert budget.costing.spent > 0
    assert budget.costing.days_planned > 0
    assert budget.shortfalls

    before = counts()
    demo.seed(stdout=io.StringIO())
    assert counts() == before
