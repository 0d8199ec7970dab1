"""Site-by-site go-live, the support budget and trainers' records in a real browser, by keyboard
alone, with axe on every page: an administrator switches a site on below the threshold, enters
the support budget and reads it; a trainer records a completion outside a session."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.e2e.helpers import assert_accessible
from tests.e2e.test_training import tab_to
from tests.training.factories import (
    BookingFactory,
    CompletionFactory,
    CourseFactory,
    StaffMemberFactory,
    TrainingSessionFactory,
    element,
    not_live_site,
    policy_version,
    site,
)
from training.models import (
    Completion,
    PracticeCard,
    PracticeResult,
    PracticeSet,
    PracticeSetCard,
    RotaAssignment,
    RotaPlanPeriod,
    Shift,
    SiteGoLive,
    SupportBudget,
)


def press_enter_and_wait(page: Any) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.django_db(transaction=True)
def test_an_administrator_switches_a_site_on_below_the_threshold_by_keyboard(
    live_server: Any, login_page: Any, administrator: Any
) -> None:
    course = CourseFactory()
    CompletionFactory(staff=StaffMemberFactory(site=site("hendon")), course=course)
    StaffMemberFactory(site=site("hendon"))
    hendon = not_live_site("hendon")

    page = login_page(administrator)
    page.goto(live_server.url + reverse("training:go-live"))
    assert "50.0% (1 of 2)" in page.inner_text("#go-live-sites")
    assert_accessible(page)

    tab_to(page, f'a[href="{reverse("training:go-live-site", args=[hendon.pk])}"]')
    press_enter_and_wait(page)
    assert page.inner_text("h1") == "Switch RCRP on at Hendon"
    assert_accessible(page)

    # Without the confirmation and a note the switch is refused, and says why
    tab_to(page, "main #id_submit")
    press_enter_and_wait(page)
    summary = page.inner_text(".govuk-error-summary")
    assert "Confirm that RCRP should go live at Hendon below the threshold" in summary
    assert "Say why RCRP goes live at Hendon below the threshold" in summary
    assert_accessible(page)
    assert not site("hendon").is_live

    tab_to(page, "#id_confirm")
    page.keyboard.press("Space")
    tab_to(page, "#id_note")
    page.keyboard.type("Partner agencies ready; the rest train next week")
    tab_to(page, "main #id_submit")
    press_enter_and_wait(page)
    assert "RCRP is switched on at Hendon (50.0% of its staff trained)." in page.inner_text("main")
    assert "Partner agencies ready" in page.inner_text("#go-live-history")
    assert_accessible(page)
    assert site("hendon").is_live
    record = SiteGoLive.objects.get(by=administrator)
    assert (record.live, str(record.trained_share), record.trained, record.staff) == (True, "50.0", 1, 2)


@pytest.mark.django_db(transaction=True)
def test_an_administrator_enters_the_support_budget_by_keyboard(
    live_server: Any, login_page: Any, administrator: Any, floor_walker: Any
) -> None:
    today = timezone.localdate()
    RotaPlanPeriod.objects.create(starts_on=today - timedelta(days=3), walkers_per_shift=2)
    RotaAssignment.objects.create(
        date=today - timedelta(days=1), site=site("bow"), shift=Shift.EARLY, floor_walker=floor_walker
    )

    page = login_page(administrator)
    page.goto(live_server.url + reverse("training:support-budget"))
    assert "No support budget has been entered yet" in page.inner_text("#no-budget")
    assert "27 past shifts had fewer floor walkers" in page.inner_text("#shortfall-summary")  # 3 days x 9
    assert_accessible(page)

    tab_to(page, f'a[href="{reverse("training:support-budget-edit")}"]')
    press_enter_and_wait(page)
    assert page.input_value("#id_total") == "1500000"
    assert page.input_value("#id_day_rate") == "706"
    assert_accessible(page)

    tab_to(page, "#id_consultant_day_rate")
    page.keyboard.type("706")
    page.keyboard.press("Tab")
    page.keyboard.type("eight")
    end = today + timedelta(days=10)
    for part, value in zip(("0", "1", "2"), (end.day, end.month, end.year), strict=True):
        tab_to(page, f"#id_plan_ends_on_{part}")
        page.keyboard.type(str(value))
    tab_to(page, "main #id_submit")
    press_enter_and_wait(page)
    assert "Enter the senior consultant's days a week as a number" in page.inner_text(".govuk-error-summary")
    assert_accessible(page)

    tab_to(page, "#id_consultant_days_per_week")
    page.keyboard.press("Control+a")
    page.keyboard.type("2")
    tab_to(page, "main #id_submit")
    press_enter_and_wait(page)
    assert "The support budget is saved." in page.inner_text("main")
    figures = page.inner_text("#budget-figures")
    assert "£1,500,000" in figures
    assert "2,124 days" in figures  # days funded
    assert "1 day, £706" in figures  # recorded: the one floor walker on the rota yesterday
    assert_accessible(page)
    assert SupportBudget.objects.get().plan_ends_on == end


@pytest.mark.django_db(transaction=True)
def test_a_trainer_records_a_completion_outside_a_session_by_keyboard(
    live_server: Any, login_page: Any, trainer: Any
) -> None:
    CourseFactory()
    ana = StaffMemberFactory(full_name="Ana Example", site=site("bow"))

    page = login_page(trainer)
    page.goto(live_server.url + reverse("training:staff-detail", args=[ana.pk]))
    assert_accessible(page)
    tab_to(page, f'a[href="{reverse("training:staff-completion", args=[ana.pk])}"]')
    press_enter_and_wait(page)
    assert page.inner_text("h1") == "Record a completion outside a session"
    assert_accessible(page)

    tab_to(page, "main #id_submit")
    press_enter_and_wait(page)
    summary = page.inner_text(".govuk-error-summary")
    assert "Choose how they completed the course" in summary
    assert "Say what shows they completed the course" in summary
    assert_accessible(page)

    day = timezone.localdate() - timedelta(days=14)
    for part, value in zip(("0", "1", "2"), (day.day, day.month, day.year), strict=True):
        tab_to(page, f"#id_completed_on_{part}")
        page.keyboard.type(str(value))
    tab_to(page, 'input[name="route"]')  # the radio group: the arrow keys choose
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.value") == "elsewhere"
    tab_to(page, "#id_evidence_note")
    page.keyboard.type("Certificate from Kent Police")
    tab_to(page, "main #id_submit")
    press_enter_and_wait(page)
    assert "Ana Example has completed the RCRP course (version 1)." in page.inner_text("main")
    assert (
        "Trained elsewhere (another force or organisation): Certificate from Kent Police"
        in page.inner_text("main")
    )
    assert_accessible(page)
    completion = Completion.objects.get(staff=ana)
    assert (completion.route, completion.recorded_by, completion.completed_on) == ("elsewhere", trainer, day)


@pytest.mark.django_db(transaction=True)
def test_the_new_training_pages_pass_axe(
    live_server: Any, login_page: Any, administrator: Any, policy_owner: Any, make_user: Any
) -> None:
    """The readiness page's go-live table, linking an account, a course's practice requirement,
    and the session pages with each attendee's practice progress."""
    version = policy_version(author=policy_owner, number=5, acknowledgement_required=False)
    card = PracticeCard.objects.create(
        element=element("welfare"),
        title="A neighbour",
        situation="A caller is worried",
        expected_category="SIGNPOST",
        policy_version=version,
    )
    practice_set = PracticeSet.objects.create(title="Welfare basics", pass_mark=1)
    PracticeSetCard.objects.create(practice_set=practice_set, card=card, order=1)
    course = CourseFactory(practice_set=practice_set, requires_practice=True)
    session = TrainingSessionFactory(course=course, starts_at=timezone.now() - timedelta(hours=2))
    user = make_user("h9001", "Call handler", "Pat Practised")
    linked = StaffMemberFactory(full_name="Pat Practised", user=user)
    PracticeResult.objects.create(
        user=user,
        card=card,
        practice_set=practice_set,
        decision_reference=uuid.uuid4(),
        policy_version=version,
        passed=True,
    )
    BookingFactory(session=session, staff=linked)
    BookingFactory(session=session, staff=StaffMemberFactory(full_name="Una Unlinked"))
    not_live_site("bow")

    page = login_page(administrator)
    for path in [
        reverse("training:dashboard"),
        reverse("training:staff-link-account", args=[StaffMemberFactory().pk]),
        reverse("training:course-practice", args=[course.pk]),
        reverse("training:courses"),
        reverse("training:session-detail", args=[session.pk]),
        reverse("training:session-attendance", args=[session.pk]),
        reverse("training:go-live-site", args=[site("lambeth").pk]),
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert_accessible(page)
    page.goto(live_server.url + reverse("training:session-detail", args=[session.pk]))
    assert "Passed" in page.inner_text("main")
    assert "No sign-in account linked" in page.inner_text("main")
