"""Trainers' gaps: a completion recorded outside a session (trained elsewhere or by another
route), linking a roster entry to a sign-in account by hand, and the floor-walker rota read-only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rcrp.accounts.models import AuditEvent
from tests.training.factories import (
    BookingFactory,
    CompletionFactory,
    CourseFactory,
    StaffMemberFactory,
    TrainingSessionFactory,
    site,
)
from training import services
from training.gate import call_gate_check
from training.models import Booking, Completion, RotaAssignment, Shift, StaffMember

pytestmark = pytest.mark.django_db
Route = Completion.Route


@pytest.fixture
def course() -> Any:
    return CourseFactory()


@pytest.fixture
def ana() -> StaffMember:
    return StaffMemberFactory(full_name="Ana Example", staff_number="700001", site=site("bow"))


def date_fields(day: Any, name: str = "completed_on") -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


# --- A completion outside a session -----------------------------------------------------------


def test_a_completion_outside_a_session_keeps_route_evidence_and_who_recorded_it(
    ana: Any, course: Any, trainer: Any, call_handler: Any
) -> None:
    ana.user = call_handler
    ana.save()
    booking = BookingFactory(staff=ana, session=TrainingSessionFactory(course=course))
    day = timezone.localdate() - timedelta(days=30)
    completion = services.completion_record_outside_session(
        staff=ana,
        course=course,
        completed_on=day,
        route=Route.ELSEWHERE,
        evidence_note="  Certificate from Kent Police, March  ",
        actor=trainer,
    )
    assert (completion.session, completion.trainer, completion.completed_on) == (None, None, day)
    assert (completion.route, completion.evidence_note) == (
        Route.ELSEWHERE,
        "Certificate from Kent Police, March",
    )
    assert completion.recorded_by == trainer
    assert completion.recorded_at <= timezone.now()
    assert completion.history.get().history_user == trainer
    (event,) = AuditEvent.objects.filter(action="training.record.recorded_outside_session")
    assert (event.actor, event.subject_user) == (trainer, call_handler)
    assert event.data["new"]["route"] == "elsewhere"
    assert event.data["new"]["evidence_note"] == "Certificate from Kent Police, March"
    # the place they held on a session is freed, and the gate sees them trained
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert call_gate_check(user=call_handler).ready


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"route": Route.SESSION}, "Choose how they completed the course"),
        ({"evidence_note": "  "}, "Say what shows they completed the course"),
        ({"evidence_note": "x" * 501}, "500 characters or fewer"),
        ({"completed_on": timezone.localdate() + timedelta(days=1)}, "must be today or in the past"),
    ],
)
def test_a_completion_outside_a_session_is_refused_for_bad_input(
    ana: Any, course: Any, trainer: Any, change: dict[str, Any], message: str
) -> None:
    values = {
        "completed_on": timezone.localdate(),
        "route": Route.OTHER,
        "evidence_note": "One-to-one with the trainer",
        **change,
    }
    with pytest.raises(ValidationError, match=message):
        services.completion_record_outside_session(staff=ana, course=course, actor=trainer, **values)
    assert not Completion.objects.exists()


def test_a_leaver_or_someone_already_trained_is_refused(ana: Any, course: Any, trainer: Any) -> None:
    values = {"completed_on": timezone.localdate(), "route": Route.OTHER, "evidence_note": "E-learning"}
    CompletionFactory(staff=ana, course=course, completed_on=timezone.localdate() - timedelta(days=3))
    with pytest.raises(ValidationError, match="Ana Example has already completed the RCRP course"):
        services.completion_record_outside_session(staff=ana, course=course, actor=trainer, **values)
    leaver = StaffMemberFactory(full_name="Leo Leaver", active=False)
    with pytest.raises(ValidationError, match="Leo Leaver has left"):
        services.completion_record_outside_session(staff=leaver, course=course, actor=trainer, **values)


def test_a_trainer_records_a_completion_from_the_staff_page(
    client: Any, ana: Any, course: Any, trainer: Any
) -> None:
    client.force_login(trainer)
    detail = client.get(reverse("training:staff-detail", args=[ana.pk])).content.decode()
    url = reverse("training:staff-completion", args=[ana.pk])
    assert url in detail
    day = timezone.localdate() - timedelta(days=2)
    response = client.post(
        url,
        {"course": course.pk, "route": "other", "evidence_note": "One-to-one on nights", **date_fields(day)},
    )
    assert response.status_code == 302
    detail = client.get(reverse("training:staff-detail", args=[ana.pk])).content.decode()
    assert "Another route (for example one-to-one or e-learning): One-to-one on nights" in detail
    assert "Tom Trainer," in detail  # who recorded it
    assert Completion.objects.get(staff=ana).completed_on == day


def test_the_completion_form_shows_clear_errors_with_a_400(
    client: Any, ana: Any, course: Any, trainer: Any
) -> None:
    client.force_login(trainer)
    url = reverse("training:staff-completion", args=[ana.pk])
    response = client.post(url, {"course": course.pk})
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Choose how they completed the course" in page
    assert "Say what shows they completed the course, for example a certificate" in page
    CompletionFactory(staff=ana, course=course)
    response = client.post(
        url,
        {
            "course": course.pk,
            "route": "elsewhere",
            "evidence_note": "Certificate",
            **date_fields(timezone.localdate()),
        },
    )
    assert response.status_code == 400
    assert "Ana Example has already completed the RCRP course (version 1)" in response.content.decode()


# --- Linking a roster entry to a sign-in account -----------------------------------------------


def test_linking_an_account_by_hand_is_audited_and_the_gate_then_sees_the_training(
    ana: Any, course: Any, trainer: Any, call_handler: Any
) -> None:
    CompletionFactory(staff=ana, course=course)
    assert not call_gate_check(user=call_handler).ready  # not linked: the gate cannot see it
    services.staff_link_account(staff=ana, user=call_handler, actor=trainer)
    ana.refresh_from_db()
    assert ana.user == call_handler
    assert ana.history.first().history_user == trainer
    (event,) = AuditEvent.objects.filter(action="training.staff.linked")
    assert (event.actor, event.subject_user, event.target_id) == (trainer, call_handler, str(ana.pk))
    assert event.data == {"old": {"user": None}, "new": {"user": "h1001", "staff_number": "700001"}}
    assert call_gate_check(user=call_handler).ready


def test_an_account_already_linked_is_refused(ana: Any, trainer: Any, call_handler: Any) -> None:
    StaffMemberFactory(full_name="Hana Handler", staff_number="h1001", user=call_handler)
    with pytest.raises(
        ValidationError,
        match=r"Hana Handler \(h1001\) is already linked to the roster entry of Hana Handler \(h1001\)",
    ):
        services.staff_link_account(staff=ana, user=call_handler, actor=trainer)
    ana.refresh_from_db()
    assert ana.user is None


def test_a_roster_entry_with_an_account_or_a_deactivated_account_is_refused(
    ana: Any, trainer: Any, call_handler: Any, second_call_handler: Any
) -> None:
    second_call_handler.is_active = False
    second_call_handler.save()
    with pytest.raises(ValidationError, match="is deactivated"):
        services.staff_link_account(staff=ana, user=second_call_handler, actor=trainer)
    services.staff_link_account(staff=ana, user=call_handler, actor=trainer)
    with pytest.raises(ValidationError, match="Ana Example's roster entry is already linked to Hana Handler"):
        services.staff_link_account(staff=ana, user=second_call_handler, actor=trainer)


def test_the_link_page_lists_unlinked_accounts_and_links_by_staff_number(
    client: Any, ana: Any, administrator: Any, call_handler: Any, supervisor: Any
) -> None:
    StaffMemberFactory(user=supervisor, staff_number=supervisor.staff_number)
    client.force_login(administrator)
    url = reverse("training:staff-link-account", args=[ana.pk])
    page = client.get(url).content.decode()
    unlinked = page.split('id="unlinked"')[1].split("</table>")[0]
    assert "Hana Handler" in unlinked
    assert "Sam Supervisor" not in unlinked  # already on the roster

    response = client.post(url, {"account": "nobody-99"})
    assert response.status_code == 400
    assert "There is no sign-in account with the staff number nobody-99" in response.content.decode()
    response = client.post(url, {"account": supervisor.staff_number})
    assert response.status_code == 400
    assert "Sam Supervisor (s2001) is already linked to the roster entry" in response.content.decode()
    response = client.post(url, {"account": "H1001"})  # case does not matter
    assert response.status_code == 302
    ana.refresh_from_db()
    assert ana.user == call_handler
    detail = client.get(reverse("training:staff-detail", args=[ana.pk])).content.decode()
    assert "Hana Handler (h1001)" in detail
    assert url not in detail  # nothing left to link


# --- Trainers read the rota -------------------------------------------------------------------


def test_trainers_read_the_rota_without_changing_it(client: Any, trainer: Any, floor_walker: Any) -> None:
    assignment = RotaAssignment.objects.create(
        date=timezone.localdate(), site=site("bow"), shift=Shift.EARLY, floor_walker=floor_walker
    )
    client.force_login(trainer)
    response = client.get(reverse("training:rota"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Fay Floorwalker" in page
    assert reverse("training:rota-assign") not in page
    assert reverse("training:rota-remove", args=[assignment.pk]) not in page
    assert client.post(reverse("training:rota-remove", args=[assignment.pk])).status_code == 403
    assert client.get(reverse("training:rota-assign")).status_code == 403
