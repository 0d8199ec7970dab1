"""The support plan against its budget through real URLs: the figures (entered, recorded and
planned), the shortfalls, the administrator's form and its errors, the audit row, and the page's
query count."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from rcrp.accounts.models import AuditEvent
from tests.training.factories import site
from training import services
from training.models import RotaAssignment, RotaPlanPeriod, Shift, SupportBudget

pytestmark = pytest.mark.django_db


def figure(page: str, name: str) -> str:
    cell = page.split(f'id="figure-{name}">')[1].split("</dd>")[0]
    return " ".join(cell.split())


@pytest.fixture
def plan(make_user: Any) -> dict[str, Any]:
    """A fortnight of support, 1 per site per shift: the week before today and the week from
    today. On each past day the early and late shifts were covered at every site and the night
    shift at Hendon and Lambeth only: 8 floor-walker days a day (56 recorded), Bow's night shift
    short 7 times."""
    today = timezone.localdate()
    RotaPlanPeriod.objects.create(starts_on=today - timedelta(days=7), walkers_per_shift=1)
    walkers = [make_user(f"fw{i}", "Floor walker", f"Walker {i}") for i in range(3)]
    for back in range(1, 8):
        day = today - timedelta(days=back)
        for shift in Shift:
            for walker, slug in zip(walkers, ("lambeth", "hendon", "bow"), strict=True):
                if shift == Shift.NIGHT and slug == "bow":
                    continue
                RotaAssignment.objects.create(date=day, site=site(slug), shift=shift, floor_walker=walker)
    # today's and tomorrow's rota are not used yet: they are not counted
    RotaAssignment.objects.create(date=today, site=site("bow"), shift=Shift.EARLY, floor_walker=walkers[0])
    return {"today": today, "walkers": walkers}


def enter_budget(actor: Any, today: Any, **figures: Any) -> SupportBudget:
    values = {
        "total": Decimal("100000"),
        "day_rate": Decimal("700"),
        "consultant_day_rate": Decimal("1000"),
        "consultant_days_per_week": Decimal("3.5"),
        "plan_ends_on": today + timedelta(days=6),
        **figures,
    }
    return services.support_budget_set(actor=actor, **values)


def test_the_page_costs_the_plan_against_the_budget(
    client: Any, plan: Any, administrator: Any, supervisor: Any, django_assert_num_queries: Any
) -> None:
    """Used: 56 days x £700 = £39,200 (recorded). Planned: today to today + 6 is 7 days x 9 = 63
    days x £700 = £44,100. Consultant: 14 days at 3.5 a week = 7 days x £1,000 = £7,000.
    Projected £90,300 against £100,000: £9,700 left; 142 days funded, 119 used and planned."""
    enter_budget(administrator, plan["today"])
    client.force_login(supervisor)
    client.get("/")  # the first request renews the idle session (a write)
    # 2 for the session and the user with their roles; the budget entries, the plan, the sites, the rota
    with django_assert_num_queries(6):
        response = client.get(reverse("training:support-budget"))
    assert response.status_code == 200
    page = response.content.decode()
    assert figure(page, "budget") == "£100,000"
    assert figure(page, "days-funded").startswith("142 days")
    assert figure(page, "days-used").startswith("56 days, £39,200")
    assert figure(page, "days-planned") == "63 days, £44,100"
    assert figure(page, "days-left") == "23 days"
    assert figure(page, "consultant").endswith("7 days, £7,000")
    assert figure(page, "projected").startswith("£90,300")
    assert figure(page, "remaining") == "£9,700"
    assert "Within budget" in page
    for source in ("Entered", "Recorded", "Planned"):
        assert f"{source}</strong>" in page
    shortfalls = page.split('id="shortfalls"')[1].split("</table>")[0]
    assert shortfalls.count("Bow") == 7
    assert shortfalls.count("(1 short)") == 7
    assert "7 past shifts had fewer floor walkers on the rota than planned" in page
    # supervisors read the page, but only administrators change the figures
    assert reverse("training:support-budget-edit") not in page


def test_the_query_count_does_not_grow_with_the_rota(
    client: Any, plan: Any, administrator: Any, make_user: Any, django_assert_num_queries: Any
) -> None:
    enter_budget(administrator, plan["today"])
    enter_budget(administrator, plan["today"], total=Decimal("90000"))
    more = [make_user(f"fx{i}", "Floor walker") for i in range(5)]
    for back in range(8, 40):
        for walker in more:
            RotaAssignment.objects.create(
                date=plan["today"] - timedelta(days=back),
                site=site("bow"),
                shift=Shift.LATE,
                floor_walker=walker,
            )
    client.force_login(administrator)
    client.get("/")
    with django_assert_num_queries(6):
        page = client.get(reverse("training:support-budget")).content.decode()
    assert figure(page, "budget") == "£90,000"
    assert "Earlier budget figures" in page
    assert figure(page, "days-used").startswith(f"{56 + 32 * 5} days")


def test_overspend_is_shown(client: Any, plan: Any, administrator: Any, trainer: Any) -> None:
    enter_budget(administrator, plan["today"], total=Decimal("50000"))
    client.force_login(trainer)
    page = client.get(reverse("training:support-budget")).content.decode()
    assert "Over budget" in page
    assert figure(page, "remaining") == "£40,300"
    assert figure(page, "days-left").startswith("None: 48 days more are used and planned than funded")


def test_without_a_budget_the_page_shows_the_recorded_days_and_shortfalls(
    client: Any, plan: Any, administrator: Any
) -> None:
    client.force_login(administrator)
    page = client.get(reverse("training:support-budget")).content.decode()
    assert "No support budget has been entered yet" in page
    assert reverse("training:support-budget-edit") in page
    assert figure(page, "days-used").startswith("56 days")
    assert page.split('id="shortfalls"')[1].count("Bow") == 7


def test_shortfalls_are_paginated(client: Any, administrator: Any) -> None:
    RotaPlanPeriod.objects.create(starts_on=timezone.localdate() - timedelta(days=10), walkers_per_shift=1)
    client.force_login(administrator)
    first = client.get(reverse("training:support-budget")).content.decode()
    assert "90 past shifts had fewer floor walkers" in first  # 10 days x 9 shifts, nobody on the rota
    assert first.split('id="shortfalls"')[1].split("</table>")[0].count("<tr") == 26  # header and 25
    second = client.get(reverse("training:support-budget") + "?page=4").content.decode()
    assert second.split('id="shortfalls"')[1].split("</table>")[0].count("<tr") == 16


def test_the_form_offers_the_plans_figures_and_saves_them(client: Any, administrator: Any) -> None:
    client.force_login(administrator)
    url = reverse("training:support-budget-edit")
    page = client.get(url).content.decode()
    assert 'value="1500000"' in page
    assert 'value="706"' in page
    end = timezone.localdate() + timedelta(days=180)
    response = client.post(
        url,
        {
            "total": "£1,500,000",
            "day_rate": "706",
            "consultant_day_rate": "706.50",
            "consultant_days_per_week": "2.5",
            "plan_ends_on_0": str(end.day),
            "plan_ends_on_1": str(end.month),
            "plan_ends_on_2": str(end.year),
            "note": "As approved",
        },
    )
    assert response.status_code == 302
    budget = SupportBudget.objects.get()
    assert (budget.total, budget.day_rate, budget.consultant_day_rate, budget.consultant_days_per_week) == (
        Decimal("1500000"),
        Decimal("706"),
        Decimal("706.50"),
        Decimal("2.5"),
    )
    assert (budget.plan_ends_on, budget.note, budget.entered_by) == (end, "As approved", administrator)
    (event,) = AuditEvent.objects.filter(action="training.supportbudget.entered")
    assert event.data["old"] is None
    assert event.data["new"]["total"] == "1500000.00"
    # the form now shows the figures entered
    assert 'value="706.50"' in client.get(url).content.decode()


def test_bad_figures_are_a_400_with_clear_messages(client: Any, administrator: Any) -> None:
    client.force_login(administrator)
    response = client.post(
        reverse("training:support-budget-edit"),
        {"total": "lots", "day_rate": "0", "consultant_day_rate": "", "consultant_days_per_week": "8"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    for message in (
        "Enter the budget in pounds, like 706 or 1,500,000",
        "Enter the floor walker&#x27;s day rate: at least £1",
        "Enter the senior consultant&#x27;s day rate",
        "Enter the senior consultant&#x27;s days a week: from 0 to 7",
    ):
        assert message in page, message
    assert not SupportBudget.objects.exists()


def test_a_new_entry_keeps_the_old_one_as_history_in_the_audit(administrator: Any) -> None:
    today = timezone.localdate()
    first = enter_budget(administrator, today)
    second = enter_budget(administrator, today, day_rate=Decimal("650"))
    assert SupportBudget.objects.count() == 2
    event = AuditEvent.objects.filter(action="training.supportbudget.entered").latest("id")
    assert event.data["old"]["day_rate"] == "700.00"
    assert event.data["new"]["day_rate"] == "650.00"
    assert event.target_id == str(second.pk) != str(first.pk)
    with pytest.raises(ValidationError):
        first.save()


def test_only_administrators_enter_the_budget(trainer: Any, administrator: Any) -> None:
    with pytest.raises(PermissionDenied):
        enter_budget(trainer, timezone.localdate())
    with pytest.raises(ValidationError, match="Enter the senior consultant's days a week: from 0 to 7"):
        enter_budget(administrator, timezone.localdate(), consultant_days_per_week=Decimal("7.5"))
