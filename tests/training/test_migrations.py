"""Migration 0005 on a database made before site-by-site go-live: every site is made live (as RCRP
was until then), with its trained share at that moment, and completions at a session say so."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("training", "0004_practice")]
AFTER = [("training", "0005_site_golive_support_budget_completion_route")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_sites_of_an_existing_database_stay_live_with_their_trained_share() -> None:
    old = migrate(BEFORE)
    Site = old.get_model("training", "Site")
    StaffMember = old.get_model("training", "StaffMember")
    Course = old.get_model("training", "Course")
    Completion = old.get_model("training", "Completion")
    TrainingSession = old.get_model("training", "TrainingSession")
    User = old.get_model("accounts", "User")
    trainer = User.objects.create(staff_number="t-mig", display_name="Trainer")
    course = Course.objects.create(title="RCRP course", version=1, is_current=True)
    bow = Site.objects.get(slug="bow")
    people = [
        StaffMember.objects.create(staff_number=f"m{i}", full_name=f"P {i}", site=bow, role="Call handler")
        for i in range(3)
    ]
    StaffMember.objects.create(
        staff_number="m9", full_name="Left", site=bow, role="Call handler", active=False
    )
    session = TrainingSession.objects.create(
        course=course, site=bow, starts_at=timezone.now(), trainer=trainer, capacity=5
    )
    Completion.objects.create(staff=people[0], course=course, session=session, completed_on=date(2023, 10, 1))
    Completion.objects.create(staff=people[1], course=course, completed_on=date(2023, 10, 2))

    new = migrate(AFTER)
    Site = new.get_model("training", "Site")
    SiteGoLive = new.get_model("training", "SiteGoLive")
    Completion = new.get_model("training", "Completion")
    assert not Site.objects.filter(live_from__isnull=True).exists()
    record = SiteGoLive.objects.get(site__slug="bow")
    assert (record.live, record.by_id, record.trained, record.staff) == (True, None, 2, 3)
    assert record.trained_share == Decimal("66.6")
    assert record.threshold_percent == 90
    assert dict(Completion.objects.values_list("staff__staff_number", "route")) == {
        "m0": "session",
        "m1": "other",
    }
