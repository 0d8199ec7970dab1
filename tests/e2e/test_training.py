"""Training in a real browser: a trainer records a session's attendance and completion with the
keyboard alone, the readiness page changes accordingly, and axe finds nothing on any training page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from tests.training.factories import (
    BookingFactory,
    CompletionFactory,
    CourseFactory,
    StaffMemberFactory,
    TrainingSessionFactory,
    csv_bytes,
    policy_version,
    site,
)
from training.models import Booking, Completion, RotaAssignment, RotaPlanPeriod, SupportLogEntry


def assert_accessible(page: Any) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def tab_to(page: Any, selector: str, limit: int = 120) -> None:
    """Press Tab until the focused element matches `selector` (keyboard only, no clicks)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def figure(page: Any, name: str) -> str:
    return " ".join(page.inner_text(f"#figure-{name}").split())


@pytest.fixture
def session_today(trainer: Any) -> Any:
    course = CourseFactory()
    session = TrainingSessionFactory(
        course=course, trainer=trainer, capacity=10, starts_at=timezone.now() - timedelta(hours=4)
    )
    people = [
        StaffMemberFactory(full_name=name, site=site("lambeth"), team="Team 1")
        for name in ("Ada Attend", "Ben Attend", "Cal Absent")
    ]
    for person in people:
        BookingFactory(session=session, staff=person)
    StaffMemberFactory(full_name="Dee Unbooked", site=site("bow"))
    return session


@pytest.mark.django_db(transaction=True)
def test_a_trainer_records_attendance_by_keyboard_and_readiness_changes(
    live_server: Any, login_page: Any, trainer: Any, session_today: Any
) -> None:
    page = login_page(trainer)
    page.goto(live_server.url + reverse("training:dashboard"))
    assert figure(page, "trained") == "0 trained (0%)"
    # The weekly chart is drawn by Chart.js (the dashboards' library) beside its table.
    page.wait_for_selector("canvas[data-chart='weekly']:not([hidden])")
    assert figure(page, "booked") == "3 booked"
    assert figure(page, "not-booked") == "1 not booked"

    page.goto(live_server.url + reverse("training:session-attendance", args=[session_today.pk]))
    assert_accessible(page)
    bookings = list(session_today.bookings.order_by("staff__full_name"))
    # Each person's choices are one radio group: Tab reaches the group, the arrow keys choose.
    tab_to(page, f'input[name="booking_{bookings[0].pk}"]')
    page.keyboard.press("ArrowRight")  # Not marked -> Completed
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")  # Completed
    page.keyboard.press("Tab")
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # -> Attended, not completed -> Did not attend
    assert page.evaluate("document.activeElement.value") == "no_show"
    tab_to(page, "button[type=submit]:not(.rcrp-link-button)")
    assert page.evaluate("document.activeElement.textContent").strip() == "Save attendance"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Attendance saved: 3 changes." in page.inner_text("main")
    assert_accessible(page)

    assert [b.status for b in session_today.bookings.order_by("staff__full_name")] == [
        Booking.Status.COMPLETED,
        Booking.Status.COMPLETED,
        Booking.Status.NO_SHOW,
    ]
    assert Completion.objects.filter(session=session_today, trainer=trainer).count() == 2

    page.goto(live_server.url + reverse("training:dashboard"))
    assert figure(page, "trained") == "2 trained (50%)"
    assert figure(page, "booked") == "0 booked"
    assert figure(page, "not-booked") == "2 not booked"
    assert_accessible(page)


@pytest.mark.django_db(transaction=True)
def test_mark_everyone_completed_works_from_the_keyboard(
    live_server: Any, login_page: Any, trainer: Any, session_today: Any
) -> None:
    page = login_page(trainer)
    page.goto(live_server.url + reverse("training:session-attendance", args=[session_today.pk]))
    tab_to(page, "button[data-rcrp-mark-all]")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.textContent").startswith("3 marked as completed")
    tab_to(page, "button[type=submit]:not(.rcrp-link-button)")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Completion.objects.filter(session=session_today).count() == 3


@pytest.fixture
def training_world(trainer: Any, policy_owner: Any, floor_walker: Any, call_handler: Any) -> dict[str, Any]:
    course = CourseFactory()
    past = TrainingSessionFactory(
        course=course, trainer=trainer, starts_at=timezone.now() - timedelta(days=2)
    )
    TrainingSessionFactory(course=course, trainer=trainer, site=site("bow"))
    handler = StaffMemberFactory(
        user=call_handler, staff_number=call_handler.staff_number, full_name="Hana Handler"
    )
    CompletionFactory(staff=handler, course=course, session=past, trainer=trainer)
    booked = BookingFactory(session=past)
    missed = BookingFactory(session=past, status=Booking.Status.NO_SHOW)
    BookingFactory(session=past, staff=handler, status=Booking.Status.COMPLETED)
    version = policy_version(author=policy_owner)
    today = timezone.localdate()
    RotaPlanPeriod.objects.create(starts_on=today - timedelta(days=3), walkers_per_shift=2, note="Go-live")
    RotaAssignment.objects.create(date=today, site=site("bow"), shift="early", floor_walker=floor_walker)
    SupportLogEntry.objects.create(
        floor_walker=floor_walker,
        handler=handler,
        site=handler.site,
        shift="early",
        topic="partner",
        decision_reference="3f1c9a52-5a53",
    )
    return {"session": past, "staff": booked.staff, "missed": missed, "version": version}


@pytest.mark.django_db(transaction=True)
def test_every_training_page_passes_axe(
    live_server: Any,
    login_page: Any,
    browser: Any,
    training_world: Any,
    administrator: Any,
    call_handler: Any,
) -> None:
    w = training_world
    pages = [
        reverse("training:dashboard"),
        reverse("training:roster"),
        reverse("training:roster") + "?status=untrained",
        reverse("training:import"),
        reverse("training:staff-detail", args=[w["staff"].pk]),
        reverse("training:staff-book", args=[w["staff"].pk]),
        reverse("training:courses"),
        reverse("training:course-create"),
        reverse("training:sessions"),
        reverse("training:sessions") + "?when=past",
        reverse("training:session-create"),
        reverse("training:session-detail", args=[w["session"].pk]),
        reverse("training:session-attendance", args=[w["session"].pk]),
        reverse("training:booking-rebook", args=[w["missed"].pk]),
        reverse("training:acknowledgements"),
        reverse("training:acknowledgement-detail", args=[w["version"].pk]),
        reverse("training:rota"),
        reverse("training:rota-assign"),
        reverse("training:rota-plan"),
        reverse("training:support"),
        reverse("training:support-summary"),
        reverse("training:acknowledge"),
    ]
    page = login_page(administrator)  # the administrator can open every one of them
    for path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert_accessible(page)

    # forms with errors
    page.goto(live_server.url + reverse("training:import"))
    page.set_input_files(
        "#id_file",
        files=[{"name": "r.csv", "mimeType": "text/csv", "buffer": csv_bytes("1,Ann,Croydon,Call handler,")}],
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()
    assert "Line 2: site" in page.inner_text(".govuk-error-summary")
    assert_accessible(page)
    for path, button in [
        (reverse("training:session-create"), "Add session"),
        (reverse("training:support"), "Record support"),
        (reverse("training:rota-plan"), "Save period"),
        (reverse("training:course-create"), "Add course version"),
    ]:
        page.goto(live_server.url + path)
        if path == reverse("training:course-create"):
            page.fill("#id_title", "")  # this form comes filled in: empty a required field
        with page.expect_navigation():
            page.get_by_role("button", name=button).click()
        assert page.locator(".govuk-error-summary").is_visible(), path
        assert_accessible(page)


@pytest.mark.django_db(transaction=True)
def test_a_handler_acknowledges_a_policy_change_by_keyboard(
    live_server: Any, login_page: Any, call_handler: Any, policy_owner: Any
) -> None:
    version = policy_version(author=policy_owner)
    page = login_page(call_handler)
    page.goto(live_server.url + reverse("training:acknowledge"))
    assert "Walkouts from A&E" in page.inner_text(f"#version-{version.pk}")
    assert_accessible(page)
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "You have acknowledged the change to Concern for welfare v2." in page.inner_text("main")
    assert "You have nothing to acknowledge." in page.inner_text("main")
    assert_accessible(page)
