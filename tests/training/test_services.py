"""Training services: state, audit rows, and the business rules (capacity, one open booking...)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from rcrp.accounts.models import AuditEvent
from tests.training.factories import (
    BookingFactory,
    CompletionFactory,
    CourseFactory,
    StaffMemberFactory,
    TrainingSessionFactory,
    at,
    policy_version,
    site,
)
from training import services
from training.models import (
    Booking,
    Completion,
    Course,
    PolicyAcknowledgement,
    RotaAssignment,
    RotaPlanPeriod,
    StaffMember,
    SupportLogEntry,
    TrainingSession,
)

pytestmark = pytest.mark.django_db
Status = Booking.Status


def audit(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def session(trainer: Any) -> Any:
    return TrainingSessionFactory(
        trainer=trainer, capacity=2, starts_at=at(timezone.localdate() - timedelta(days=1))
    )


def test_booking_takes_a_place_and_is_audited(session: Any, trainer: Any, call_handler: Any) -> None:
    staff = StaffMemberFactory(user=call_handler)
    booking = services.booking_create(session=session, staff=staff, actor=trainer)
    assert booking.status == Status.BOOKED
    (event,) = audit("training.booking.created")
    assert event.actor == trainer
    assert event.subject_user == call_handler
    assert event.data == {"old": None, "new": {"session": session.pk, "staff": staff.staff_number}}
    assert booking.history.first().history_user == trainer


def test_a_session_is_never_overbooked(session: Any, trainer: Any) -> None:
    services.booking_create(session=session, staff=StaffMemberFactory(), actor=trainer)
    services.booking_create(session=session, staff=StaffMemberFactory(), actor=trainer)
    with pytest.raises(ValidationError, match=r"This session is full \(2 places\)"):
        services.booking_create(session=session, staff=StaffMemberFactory(), actor=trainer)
    assert session.bookings.count() == 2


def test_a_cancelled_place_is_free_again_and_the_booking_reopens(session: Any, trainer: Any) -> None:
    staff = StaffMemberFactory()
    booking = services.booking_create(session=session, staff=staff, actor=trainer)
    services.booking_cancel(booking=booking, actor=trainer)
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED
    assert audit("training.booking.cancelled")[0].data == {"old": "booked", "new": "cancelled"}
    again = services.booking_create(session=session, staff=staff, actor=trainer)
    assert again.pk == booking.pk
    assert again.status == Status.BOOKED
    with pytest.raises(ValidationError, match="Only an open booking"):
        services.booking_cancel(booking=BookingFactory(session=session, status=Status.NO_SHOW), actor=trainer)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda s, staff: StaffMember.objects.filter(pk=staff.pk).update(active=False), "has left"),
        (lambda s, staff: CompletionFactory(staff=staff, course=s.course), "already completed"),
        (
            lambda s, staff: BookingFactory(staff=staff, session=TrainingSessionFactory(course=s.course)),
            "already booked on",
        ),
        (lambda s, staff: BookingFactory(staff=staff, session=s), "already booked on this session"),
        (lambda s, staff: BookingFactory(staff=staff, session=s, status="no_show"), "already has a place"),
    ],
    ids=["leaver", "trained", "booked-elsewhere", "booked-here", "no-show-here"],
)
def test_who_cannot_be_booked(session: Any, trainer: Any, setup: Any, message: str) -> None:
    staff = StaffMemberFactory()
    setup(session, staff)
    staff.refresh_from_db()
    with pytest.raises(ValidationError, match=message):
        services.booking_create(session=session, staff=staff, actor=trainer)


def test_the_database_allows_only_one_open_booking_per_person(session: Any) -> None:
    staff = StaffMemberFactory()
    BookingFactory(staff=staff, session=session)
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(staff=staff, session=TrainingSessionFactory(course=session.course))


def test_booking_many_is_all_or_nothing(session: Any, trainer: Any) -> None:
    a, b = StaffMemberFactory(), StaffMemberFactory()
    bookings, problems = services.booking_create_many(
        session=session, staff_numbers=[a.staff_number, "nobody", b.staff_number], actor=trainer
    )
    assert bookings == []
    assert problems == ["nobody is not on the roster."]
    assert session.bookings.count() == 0
    bookings, problems = services.booking_create_many(
        session=session, staff_numbers=[a.staff_number, b.staff_number, a.staff_number], actor=trainer
    )
    assert problems == []
    assert len(bookings) == 2


def test_fill_books_unbooked_untrained_staff_from_the_site_up_to_capacity(trainer: Any) -> None:
    session = TrainingSessionFactory(trainer=trainer, capacity=3, site=site("bow"))
    trained = StaffMemberFactory(site=site("bow"), full_name="A Trained")
    CompletionFactory(staff=trained, course=session.course)
    booked = StaffMemberFactory(site=site("bow"), full_name="B Booked")
    BookingFactory(staff=booked, session=TrainingSessionFactory(course=session.course, site=site("bow")))
    StaffMemberFactory(site=site("bow"), full_name="C Leaver", active=False)
    StaffMemberFactory(site=site("hendon"), full_name="D Elsewhere")
    wanted = [StaffMemberFactory(site=site("bow"), full_name=f"E{i}", team="Team 2") for i in range(4)]
    BookingFactory(session=session, staff=StaffMemberFactory(site=site("bow"), full_name="F Already"))
    made = services.session_fill(session=session, actor=trainer)
    assert [b.staff for b in made] == wanted[:2]
    assert services.session_fill(session=session, actor=trainer) == []


def test_fill_can_be_limited_to_a_team(trainer: Any) -> None:
    session = TrainingSessionFactory(trainer=trainer, capacity=5, site=site("bow"))
    StaffMemberFactory(site=site("bow"), team="Team 1")
    team_two = StaffMemberFactory(site=site("bow"), team="Team 2")
    assert [b.staff for b in services.session_fill(session=session, actor=trainer, team="Team 2")] == [
        team_two
    ]


def test_attendance_records_completion_with_date_session_and_trainer(
    session: Any, trainer: Any, administrator: Any, call_handler: Any
) -> None:
    done = BookingFactory(session=session, staff=StaffMemberFactory(user=call_handler))
    missed = BookingFactory(session=session)
    changed = services.session_attendance_record(
        session=session, marks={done.pk: "completed", missed.pk: "no_show"}, actor=administrator
    )
    assert changed == 2
    completion = Completion.objects.get(staff=done.staff)
    assert completion.session == session
    assert completion.trainer == trainer  # the session's trainer, whoever recorded it
    assert completion.recorded_by == administrator
    assert completion.completed_on == timezone.localdate(session.starts_at)
    assert completion.history.first().history_user == administrator
    missed.refresh_from_db()
    assert missed.status == Status.NO_SHOW
    assert not Completion.objects.filter(staff=missed.staff).exists()
    assert [e.data for e in audit("training.attendance.recorded")] == [
        {"old": "booked", "new": "completed"},
        {"old": "booked", "new": "no_show"},
    ]
    (completed,) = audit("training.record.completed")
    assert completed.subject_user == call_handler
    assert completed.target_type == "training.completion"


def test_saving_the_same_marks_again_changes_nothing(session: Any, trainer: Any) -> None:
    booking = BookingFactory(session=session)
    services.session_attendance_record(session=session, marks={booking.pk: "completed"}, actor=trainer)
    assert (
        services.session_attendance_record(session=session, marks={booking.pk: "completed"}, actor=trainer)
        == 0
    )
    assert Completion.objects.count() == 1


def test_a_correction_withdraws_the_completion_and_history_keeps_it(session: Any, trainer: Any) -> None:
    booking = BookingFactory(session=session)
    services.session_attendance_record(session=session, marks={booking.pk: "completed"}, actor=trainer)
    services.session_attendance_record(session=session, marks={booking.pk: "attended"}, actor=trainer)
    assert not Completion.objects.exists()
    assert [h.history_type for h in Completion.history.order_by("history_date", "history_id")] == ["+", "-"]
    (withdrawn,) = audit("training.record.withdrawn")
    assert withdrawn.data["new"] is None


def test_attendance_is_refused_before_the_session_day(trainer: Any) -> None:
    future = TrainingSessionFactory(starts_at=at(timezone.localdate() + timedelta(days=1)))
    booking = BookingFactory(session=future)
    with pytest.raises(ValidationError, match="from the day of the session"):
        services.session_attendance_record(session=future, marks={booking.pk: "completed"}, actor=trainer)


def test_attendance_refuses_other_sessions_bookings_and_unknown_marks(session: Any, trainer: Any) -> None:
    other = BookingFactory()
    with pytest.raises(ValidationError, match="not booked on this session"):
        services.session_attendance_record(session=session, marks={other.pk: "completed"}, actor=trainer)
    mine = BookingFactory(session=session)
    with pytest.raises(ValidationError, match="Choose completed"):
        services.session_attendance_record(session=session, marks={mine.pk: "cancelled"}, actor=trainer)


def test_someone_who_completed_elsewhere_cannot_complete_again(session: Any, trainer: Any) -> None:
    booking = BookingFactory(session=session, status=Status.ATTENDED)
    CompletionFactory(staff=booking.staff, course=session.course)
    with pytest.raises(ValidationError, match="already completed this course at another session"):
        services.session_attendance_record(session=session, marks={booking.pk: "completed"}, actor=trainer)


def test_rebooking_a_no_show_keeps_the_no_show(session: Any, trainer: Any) -> None:
    missed = BookingFactory(session=session, status=Status.NO_SHOW)
    later = TrainingSessionFactory(course=session.course)
    new = services.booking_rebook(booking=missed, session=later, actor=trainer)
    missed.refresh_from_db()
    assert missed.status == Status.NO_SHOW
    assert (new.session, new.staff, new.status) == (later, missed.staff, Status.BOOKED)


def test_rebooking_an_open_booking_moves_it(session: Any, trainer: Any) -> None:
    booking = BookingFactory(session=session)
    later = TrainingSessionFactory(course=session.course)
    services.booking_rebook(booking=booking, session=later, actor=trainer)
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED
    assert Booking.objects.get(session=later).staff == booking.staff


def test_who_cannot_be_rebooked(session: Any, trainer: Any) -> None:
    attended = BookingFactory(session=session, status=Status.COMPLETED)
    with pytest.raises(ValidationError, match="rebook only no-shows"):
        services.booking_rebook(booking=attended, session=TrainingSessionFactory(), actor=trainer)
    with pytest.raises(ValidationError, match="different session"):
        services.booking_rebook(
            booking=BookingFactory(session=session, status="no_show"), session=session, actor=trainer
        )


def test_making_a_course_current_switches_from_the_previous_one(trainer: Any, policy_owner: Any) -> None:
    first = CourseFactory(version=1)
    version = policy_version(author=policy_owner, number=2)
    second = services.course_create(
        title="RCRP course",
        version=2,
        duration_minutes=180,
        policy_versions=[version],
        make_current=True,
        actor=trainer,
    )
    assert Course.objects.current() == second
    first.refresh_from_db()
    assert not first.is_current
    assert list(second.policy_versions.all()) == [version]
    assert audit("training.course.created")[0].data["new"]["policy_versions"] == [version.pk]
    assert audit("training.course.made_current")[0].data == {"old": 1, "new": 2}
    services.course_make_current(course=second, actor=trainer)  # already current: nothing to do
    assert len(audit("training.course.made_current")) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=first.pk).update(is_current=True)


def test_course_versions_are_unique(trainer: Any) -> None:
    CourseFactory(version=1)
    with pytest.raises(ValidationError):
        services.course_create(title="Again", version=1, duration_minutes=200, actor=trainer)


def test_session_create_is_audited(trainer: Any) -> None:
    course = CourseFactory()
    session = services.session_create(
        course=course,
        site=site("hendon"),
        starts_at=at(date(2023, 8, 21)),
        trainer=trainer,
        capacity=20,
        actor=trainer,
    )
    assert session.ends_at - session.starts_at == timedelta(minutes=210)
    assert audit("training.session.created")[0].data["new"]["site"] == "hendon"


def test_deactivating_a_leaver_keeps_them_and_is_audited(trainer: Any) -> None:
    staff = StaffMemberFactory()
    services.staff_set_active(staff=staff, active=False, actor=trainer)
    staff.refresh_from_db()
    assert staff.active is False
    assert audit("training.staff.deactivated")[0].data == {
        "old": {"active": True},
        "new": {"active": False, "bookings_cancelled": 0},
    }
    services.staff_set_active(staff=staff, active=False, actor=trainer)
    assert len(audit("training.staff.deactivated")) == 1
    services.staff_set_active(staff=staff, active=True, actor=trainer)
    assert len(audit("training.staff.reactivated")) == 1


def test_acknowledging_a_policy_change_once(call_handler: Any, policy_owner: Any) -> None:
    version = policy_version(author=policy_owner)
    first = services.acknowledgement_record(user=call_handler, version=version)
    again = services.acknowledgement_record(user=call_handler, version=version)
    assert first.pk == again.pk
    assert PolicyAcknowledgement.objects.count() == 1
    (event,) = audit("training.acknowledgement.recorded")
    assert (event.actor, event.subject_user) == (call_handler, call_handler)


def test_acknowledgements_are_append_only(call_handler: Any, policy_owner: Any) -> None:
    ack = services.acknowledgement_record(user=call_handler, version=policy_version(author=policy_owner))
    with pytest.raises(ValidationError):
        ack.delete()
    with pytest.raises(ValidationError):
        PolicyAcknowledgement.objects.all().update(acknowledged_at=timezone.now())


def test_only_call_takers_acknowledge_and_only_versions_that_need_it(
    trainer: Any, call_handler: Any, policy_owner: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.acknowledgement_record(user=trainer, version=policy_version(author=policy_owner))
    for version in (
        policy_version(author=policy_owner, slug="awol", acknowledgement_required=False),
        policy_version(author=policy_owner, slug="s136", status="approved"),
    ):
        with pytest.raises(ValidationError, match="does not need acknowledging"):
            services.acknowledgement_record(user=call_handler, version=version)


def test_rota_assignments_one_site_per_shift(supervisor: Any, floor_walker: Any, call_handler: Any) -> None:
    day = date(2023, 11, 1)
    services.rota_assign(
        day=day, site=site("bow"), shift="early", floor_walker=floor_walker, actor=supervisor
    )
    with pytest.raises(ValidationError, match="already on that shift at Bow"):
        services.rota_assign(
            day=day, site=site("hendon"), shift="early", floor_walker=floor_walker, actor=supervisor
        )
    late = services.rota_assign(
        day=day, site=site("hendon"), shift="late", floor_walker=floor_walker, actor=supervisor
    )
    with pytest.raises(ValidationError, match="not a floor walker"):
        services.rota_assign(
            day=day, site=site("bow"), shift="late", floor_walker=call_handler, actor=supervisor
        )
    services.rota_remove(assignment=late, actor=supervisor)
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["training.rota.assigned"] * 2 + [
        "training.rota.removed"
    ]


def test_the_plan_is_set_per_start_date(administrator: Any) -> None:
    services.rota_plan_set(
        starts_on=date(2023, 11, 1), walkers_per_shift=2, note="Go-live", actor=administrator
    )
    period = services.rota_plan_set(starts_on=date(2023, 11, 1), walkers_per_shift=3, actor=administrator)
    assert RotaPlanPeriod.objects.get().walkers_per_shift == 3
    assert audit("training.rotaplan.changed")[1].data["old"] == {"walkers_per_shift": 2, "note": "Go-live"}
    services.rota_plan_delete(period=period, actor=administrator)
    assert not RotaPlanPeriod.objects.exists()


def test_support_is_logged_with_site_shift_and_decision_reference(
    floor_walker: Any, call_handler: Any
) -> None:
    handler = StaffMemberFactory(user=call_handler, site=site("hendon"))
    when = at(date(2023, 11, 2), 16)
    entry = services.support_record(
        floor_walker=floor_walker,
        handler=handler,
        topic="partner",
        notes="  Helped with the AMHP call back.  ",
        decision_reference="3f1c9a52-5a53-4c1e-9d7e-0b2f1b1f4a10",
        occurred_at=when,
    )
    assert (entry.site.slug, entry.shift, entry.notes) == (
        "hendon",
        "late",
        "Helped with the AMHP call back.",
    )
    (event,) = audit("training.support.recorded")
    assert event.subject_user == call_handler
    assert event.data["new"]["decision"] == "3f1c9a52-5a53-4c1e-9d7e-0b2f1b1f4a10"
    with pytest.raises(PermissionDenied):
        services.support_record(floor_walker=call_handler, handler=handler, topic="other")


def test_acknowledgements_cannot_be_changed_in_the_database_on_postgresql(
    call_handler: Any, policy_owner: Any
) -> None:
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    ack = services.acknowledgement_record(user=call_handler, version=policy_version(author=policy_owner))
    for sql in (
        "UPDATE training_policyacknowledgement SET acknowledged_at = now() WHERE id = %s",
        "DELETE FROM training_policyacknowledgement WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [ack.pk])


def test_a_leavers_open_booking_is_cancelled_to_free_the_place(session: Any, trainer: Any) -> None:
    booking = BookingFactory(session=session)
    services.staff_set_active(staff=booking.staff, active=False, actor=trainer)
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED
    assert audit("training.staff.deactivated")[0].data["new"]["bookings_cancelled"] == 1


# --- Services check their own inputs (the forms are not the only guard) --------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"duration_minutes": 5}, "Enter a length from 15 to 600 minutes"),
        ({"duration_minutes": 601}, "Enter a length from 15 to 600 minutes"),
        ({"version": 1}, "Version 1 already exists: enter a new version number"),
    ],
)
def test_course_create_refuses_bad_values_and_stores_nothing(
    trainer: Any, values: dict[str, Any], message: str
) -> None:
    CourseFactory(version=1)
    with pytest.raises(ValidationError) as refused:
        services.course_create(
            actor=trainer, **{"title": "RCRP course", "version": 2, "duration_minutes": 210, **values}
        )
    assert refused.value.messages == [message]
    assert list(Course.objects.values_list("version", flat=True)) == [1]
    assert audit("training.course.created") == []


def test_course_create_refuses_a_policy_version_not_yet_approved(trainer: Any, policy_owner: Any) -> None:
    draft = policy_version(author=policy_owner, status="draft")
    with pytest.raises(ValidationError, match="Choose policy versions that are approved or published"):
        services.course_create(
            title="RCRP course", version=2, duration_minutes=210, policy_versions=[draft], actor=trainer
        )
    assert not Course.objects.exists()
    assert audit("training.course.created") == []


@pytest.mark.parametrize(
    ("who", "capacity", "message"),
    [
        ("call_handler", 20, "cannot run training sessions"),
        ("trainer", 0, "Enter a number of places from 1 to 200"),
        ("trainer", 201, "Enter a number of places from 1 to 200"),
    ],
)
def test_session_create_refuses_a_non_trainer_or_a_bad_capacity(
    request: pytest.FixtureRequest, trainer: Any, who: str, capacity: int, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        services.session_create(
            course=CourseFactory(),
            site=site("hendon"),
            starts_at=at(date(2023, 8, 21)),
            trainer=request.getfixturevalue(who),
            capacity=capacity,
            actor=trainer,
        )
    assert not TrainingSession.objects.exists()
    assert audit("training.session.created") == []


def test_session_fill_refuses_a_team_the_site_does_not_have(trainer: Any) -> None:
    session = TrainingSessionFactory(trainer=trainer, capacity=5, site=site("bow"))
    StaffMemberFactory(site=site("bow"), team="Team 1")
    StaffMemberFactory(site=site("hendon"), team="Team 9")
    for team in ("Team 7", "Team 9"):
        with pytest.raises(ValidationError, match=f"Choose a team at Bow: there is no team called {team}"):
            services.session_fill(session=session, actor=trainer, team=team)
    assert not Booking.objects.exists()
    assert audit("training.booking.created") == []


def test_rebooking_refuses_another_course_or_a_past_session_and_keeps_the_booking(
    session: Any, trainer: Any
) -> None:
    booking = BookingFactory(session=session)
    other_course = TrainingSessionFactory(course=CourseFactory(version=2, is_current=False))
    started = TrainingSessionFactory(course=session.course, starts_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationError, match="Choose a session of the same course"):
        services.booking_rebook(booking=booking, session=other_course, actor=trainer)
    with pytest.raises(ValidationError, match="Choose a session that has not started yet"):
        services.booking_rebook(booking=booking, session=started, actor=trainer)
    booking.refresh_from_db()
    assert booking.status == Status.BOOKED
    assert Booking.objects.count() == 1
    assert audit("training.booking.cancelled") == audit("training.booking.created") == []


def test_rota_assign_refuses_a_shift_that_does_not_exist(supervisor: Any, floor_walker: Any) -> None:
    with pytest.raises(ValidationError, match="Choose the early, late or night shift"):
        services.rota_assign(
            day=date(2023, 11, 1),
            site=site("bow"),
            shift="evening",
            floor_walker=floor_walker,
            actor=supervisor,
        )
    assert not RotaAssignment.objects.exists()
    assert audit("training.rota.assigned") == []


@pytest.mark.parametrize("walkers", [-1, 21, True])
def test_rota_plan_set_refuses_a_number_out_of_range(administrator: Any, walkers: Any) -> None:
    with pytest.raises(ValidationError, match="Enter a number of floor walkers from 0 to 20"):
        services.rota_plan_set(starts_on=date(2023, 11, 1), walkers_per_shift=walkers, actor=administrator)
    assert not RotaPlanPeriod.objects.exists()
    assert audit("training.rotaplan.changed") == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"topic": "gossip"}, "Select what the support was about"),
        ({"decision_reference": "<script>"}, "Enter the decision reference as the toolkit shows it"),
        ({"leaver": True}, "has left: record support only for current staff"),
    ],
)
def test_support_record_refuses_bad_values_and_stores_nothing(
    floor_walker: Any, values: dict[str, Any], message: str
) -> None:
    handler = StaffMemberFactory(active=not values.pop("leaver", False))
    with pytest.raises(ValidationError, match=message):
        services.support_record(floor_walker=floor_walker, handler=handler, **{"topic": "other", **values})
    assert not SupportLogEntry.objects.exists()
    assert audit("training.support.recorded") == []
