"""Training pages through real URLs: the permission ladder on every page, forms and their errors,
CSV export, and query counts that do not grow with the roster."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from rcrp.accounts.models import AuditEvent
from tests.training.factories import (
    BookingFactory,
    CompletionFactory,
    CourseFactory,
    StaffMemberFactory,
    TrainingSessionFactory,
    at,
    csv_bytes,
    policy_version,
    site,
)
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


@pytest.fixture
def world(trainer: Any, policy_owner: Any, supervisor: Any, floor_walker: Any) -> dict[str, Any]:
    """One of everything the pages show."""
    course = CourseFactory()
    staff = StaffMemberFactory(site=site("bow"))
    session = TrainingSessionFactory(
        course=course, trainer=trainer, starts_at=at(timezone.localdate() - timedelta(days=1))
    )
    booking = BookingFactory(session=session, staff=staff)
    missed = BookingFactory(session=session, status=Booking.Status.NO_SHOW)
    TrainingSessionFactory(course=course, trainer=trainer)  # an upcoming session with places
    version = policy_version(author=policy_owner)
    period = RotaPlanPeriod.objects.create(starts_on=timezone.localdate(), walkers_per_shift=2)
    assignment = RotaAssignment.objects.create(
        date=timezone.localdate(), site=site("bow"), shift="early", floor_walker=floor_walker
    )
    return {
        "course": course,
        "staff": staff,
        "session": session,
        "booking": booking,
        "missed": missed,
        "version": version,
        "period": period,
        "assignment": assignment,
    }


TRAINER_PAGES = [
    ("training:dashboard", None),
    ("training:untrained-csv", None),
    ("training:roster", None),
    ("training:import", None),
    ("training:staff-detail", "staff"),
    ("training:staff-book", "staff"),
    ("training:courses", None),
    ("training:course-create", None),
    ("training:sessions", None),
    ("training:session-create", None),
    ("training:session-detail", "session"),
    ("training:session-attendance", "session"),
    ("training:booking-rebook", "missed"),
    ("training:acknowledgements", None),
    ("training:acknowledgement-detail", "version"),
    ("training:rota-plan", None),
    ("training:course-practice", "course"),
    ("training:staff-completion", "staff"),
    ("training:staff-link-account", "staff"),
]
# The rota: floor walkers (and supervisors) use it; trainers read it too.
ROTA_PAGES = [("training:rota", None)]
FLOOR_PAGES = [("training:support", None)]
SUPERVISOR_PAGES = [("training:rota-assign", None), ("training:support-summary", None)]
POST_ONLY = [
    ("training:staff-active", "staff", "trainer", "call_handler"),
    ("training:course-make-current", "course", "trainer", "call_handler"),
    ("training:session-fill", "session", "trainer", "call_handler"),
    ("training:booking-cancel", "booking", "trainer", "call_handler"),
    ("training:rota-plan-delete", "period", "trainer", "floor_walker"),
    ("training:rota-remove", "assignment", "supervisor", "floor_walker"),
]
LADDER = (
    [(name, obj, "trainer", "call_handler") for name, obj in TRAINER_PAGES]
    + [(name, obj, "floor_walker", "call_handler") for name, obj in ROTA_PAGES]
    + [(name, obj, "trainer", "call_handler") for name, obj in ROTA_PAGES]
    + [(name, obj, "floor_walker", "trainer") for name, obj in FLOOR_PAGES]
    + [(name, obj, "supervisor", "floor_walker") for name, obj in SUPERVISOR_PAGES]
)


def url(name: str, obj: Any = None) -> str:
    return reverse(name, args=[obj.pk] if obj is not None else [])


@pytest.mark.parametrize(
    ("name", "obj", "allowed", "refused"), LADDER, ids=[f"{row[0]} as {row[2]}" for row in LADDER]
)
def test_permission_ladder(
    client: Any,
    request: pytest.FixtureRequest,
    world: Any,
    name: str,
    obj: str | None,
    allowed: str,
    refused: str,
) -> None:
    target = url(name, world[obj] if obj else None)
    response = client.get(target)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    client.force_login(request.getfixturevalue(refused))
    assert client.get(target).status_code == 403
    client.force_login(request.getfixturevalue("outsider"))
    assert client.get(target).status_code == 403
    client.force_login(request.getfixturevalue(allowed))
    assert client.get(target).status_code == 200
    client.force_login(request.getfixturevalue("administrator"))
    assert client.get(target).status_code == 200
    if obj:
        assert client.get(reverse(name, args=[999999])).status_code == 404


@pytest.mark.parametrize(("name", "obj", "allowed", "refused"), POST_ONLY, ids=[row[0] for row in POST_ONLY])
def test_post_only_actions_are_refused_to_other_roles_and_to_get(
    client: Any, request: pytest.FixtureRequest, world: Any, name: str, obj: str, allowed: str, refused: str
) -> None:
    target = url(name, world[obj])
    assert client.post(target).status_code == 302
    client.force_login(request.getfixturevalue(refused))
    assert client.post(target).status_code == 403
    client.force_login(request.getfixturevalue(allowed))
    assert client.get(target).status_code == 405
    assert client.post(reverse(name, args=[999999])).status_code == 404
    assert client.post(target).status_code == 302


def test_the_acknowledge_page_answers_every_signed_in_user(
    client: Any, world: Any, outsider: Any, trainer: Any
) -> None:
    assert client.get(reverse("training:acknowledge")).status_code == 302
    for user in (outsider, trainer):
        client.force_login(user)
        response = client.get(reverse("training:acknowledge"))
        assert response.status_code == 200
        assert "You have nothing to acknowledge." in response.content.decode()
        assert (
            client.post(reverse("training:acknowledge"), {"version": world["version"].pk}).status_code == 403
        )
    assert not PolicyAcknowledgement.objects.exists()


def test_a_handler_reads_and_acknowledges_a_policy_change(client: Any, world: Any, call_handler: Any) -> None:
    client.force_login(call_handler)
    page = client.get(reverse("training:acknowledge")).content.decode()
    assert f'id="version-{world["version"].pk}"' in page
    assert "Walkouts from A&amp;E: ask about the time they left." in page
    response = client.post(reverse("training:acknowledge"), {"version": world["version"].pk}, follow=True)
    assert "You have acknowledged the change to Concern for welfare v2." in response.content.decode()
    assert PolicyAcknowledgement.objects.get().user == call_handler
    assert client.post(reverse("training:acknowledge"), {"version": "x"}).status_code == 404


def test_the_dashboard_shows_the_figures(client: Any, world: Any, trainer: Any) -> None:
    # world: one booked, one no-show (not booked); plus one trained and one more not booked
    CompletionFactory(course=world["course"], staff=StaffMemberFactory(site=site("hendon")))
    StaffMemberFactory()
    client.force_login(trainer)
    page = client.get(reverse("training:dashboard")).content.decode()
    assert '<span class="rcrp-figure__number">1</span> trained (25%)' in page
    assert '<span class="rcrp-figure__number">1</span> booked' in page
    assert '<span class="rcrp-figure__number">2</span> not booked' in page
    assert 'data-chart="weekly" data-chart-source="weekly-chart-data"' in page
    assert '<script id="weekly-chart-data" type="application/json">' in page
    assert "vendor/chartjs/chart.umd.min.js" in page


def test_the_dashboard_without_a_course_says_so(client: Any, trainer: Any) -> None:
    client.force_login(trainer)
    assert "There is no current course yet" in client.get(reverse("training:dashboard")).content.decode()


def test_query_counts_do_not_grow_with_the_roster(
    client: Any, world: Any, trainer: Any, django_assert_num_queries: Any
) -> None:
    client.force_login(trainer)
    client.get("/")  # the first request renews the idle session (a write); later ones within a minute do not
    # Each count includes 2 queries for the session and the user with their roles.
    pages = {
        reverse("training:dashboard"): 9,
        reverse("training:roster"): 8,
        reverse("training:roster") + "?status=untrained&site=bow": 8,
        reverse("training:sessions"): 7,
        url("training:session-detail", world["session"]): 4,
        url("training:session-attendance", world["session"]): 4,
    }
    for page, queries in pages.items():
        with django_assert_num_queries(queries):
            assert client.get(page).status_code == 200
    StaffMemberFactory.create_batch(60, site=site("lambeth"))
    for b in StaffMemberFactory.create_batch(5):
        BookingFactory(session=world["session"], staff=b)
    for page, queries in pages.items():
        with django_assert_num_queries(queries):
            assert client.get(page).status_code == 200


def test_the_untrained_csv_lists_who_is_not_trained(client: Any, world: Any, trainer: Any) -> None:
    StaffMemberFactory(site=site("bow"), full_name="=HYPERLINK(1)", team="Team 2")
    CompletionFactory(course=world["course"], staff=StaffMemberFactory(site=site("bow")))
    client.force_login(trainer)
    response = client.get(reverse("training:untrained-csv") + "?site=bow")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="untrained-staff-bow-' in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "staff_number,full_name,site,role,team,status,booked_session"
    assert len(lines) == 3
    assert any(",'=HYPERLINK(1),Bow," in line for line in lines)  # not a formula in a spreadsheet
    assert any(line.startswith(world["staff"].staff_number) and ",booked," in line for line in lines)
    response = client.get(reverse("training:untrained-csv") + "?site=bow&team=Team 2")
    assert len(response.content.decode("utf-8-sig").splitlines()) == 2


def upload(client: Any, data: bytes, name: str = "roster.csv", **extra: Any) -> Any:
    return client.post(
        reverse("training:import"), {"file": SimpleUploadedFile(name, data, "text/csv"), **extra}
    )


def test_uploading_a_good_roster(client: Any, trainer: Any) -> None:
    client.force_login(trainer)
    response = upload(client, csv_bytes("1001,Ann Able,Lambeth,Call handler,T1", "1002,Bob,Bow,Dispatcher,"))
    assert response.status_code == 302
    assert response.url == reverse("training:roster")
    assert StaffMember.objects.count() == 2
    page = client.get(response.url).content.decode()
    assert "Roster imported: 2 added, 0 updated, 0 unchanged." in page


def test_uploading_bad_rows_lists_each_line_in_the_error_summary_and_changes_nothing(
    client: Any, trainer: Any
) -> None:
    client.force_login(trainer)
    response = upload(
        client,
        csv_bytes("1001,Ann,Croydon,Call handler,", "1002,,Bow,Call handler,", "1003,Cat,Bow,Call handler,"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="govuk-error-summary"' in page
    assert '<a href="#id_file">Line 2: site \u201cCroydon\u201d is not Bow, Hendon or Lambeth</a>' in page
    assert '<a href="#id_file">Line 3: full name is missing</a>' in page
    assert "Rows to fix (2)" in page
    assert StaffMember.objects.count() == 0


def test_uploading_with_partial_imports_the_good_rows(client: Any, trainer: Any) -> None:
    client.force_login(trainer)
    response = upload(
        client, csv_bytes("1001,Ann,Croydon,Call handler,", "1003,Cat,Bow,Call handler,"), partial="on"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Roster imported: 1 added" in page
    assert "1 bad row was not imported." in page
    assert "Rows that were not imported (1)" in page
    assert list(StaffMember.objects.values_list("staff_number", flat=True)) == ["1003"]


def test_a_long_list_of_bad_rows_is_summarised_and_listed_in_full(client: Any, trainer: Any) -> None:
    client.force_login(trainer)
    response = upload(client, csv_bytes(*(f"{i},Person,Croydon,Call handler," for i in range(60))))
    page = response.content.decode()
    assert "And 10 more bad rows: all are listed below the form" in page
    assert "Rows to fix (60)" in page
    assert "Line 51: site" in page
    assert "Line 52: site" not in page
    assert '<td class="govuk-table__cell">61</td>' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00IHDR\x00", "The file is not a CSV file: it contains binary data."),
        (
            "staff_number,full_name,site,role,team\n1,Zo\u00eb,Bow,X,\n".encode("cp1252"),
            "The file is not UTF-8 text",
        ),
        (b"", "The selected file is empty"),
        (b"name,age\nAnn,3\n", "the header is missing the columns staff_number, full_name, site, role, team"),
    ],
    ids=["binary", "cp1252", "empty", "wrong-header"],
)
def test_garbage_uploads_get_a_400_with_an_error_summary(
    client: Any, trainer: Any, data: bytes, message: str
) -> None:
    client.force_login(trainer)
    response = upload(client, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert message in page
    assert StaffMember.objects.count() == 0


def test_uploading_nothing(client: Any, trainer: Any) -> None:
    client.force_login(trainer)
    response = client.post(reverse("training:import"), {})
    assert response.status_code == 400
    assert "Select a CSV file" in response.content.decode()


def test_leavers_are_deactivated_from_their_page(client: Any, world: Any, trainer: Any) -> None:
    client.force_login(trainer)
    staff = world["staff"]
    response = client.post(url("training:staff-active", staff), {"active": "0"}, follow=True)
    assert "is deactivated (a leaver)" in response.content.decode()
    staff.refresh_from_db()
    assert not staff.active
    client.post(url("training:staff-active", staff), {"active": "1"})
    staff.refresh_from_db()
    assert staff.active


def test_booking_from_a_persons_page(client: Any, world: Any, trainer: Any) -> None:
    person = StaffMemberFactory()
    upcoming = TrainingSession.objects.filter(starts_at__gt=timezone.now()).get()
    client.force_login(trainer)
    assert client.post(url("training:staff-book", person), {}).status_code == 400
    response = client.post(url("training:staff-book", person), {"session": upcoming.pk})
    assert response.status_code == 302
    assert Booking.objects.get(staff=person).session == upcoming


def test_course_and_session_forms(client: Any, trainer: Any) -> None:
    client.force_login(trainer)
    response = client.post(
        reverse("training:course-create"), {"title": "", "version": "", "duration_minutes": "5"}
    )
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    response = client.post(
        reverse("training:course-create"),
        {"title": "RCRP course", "version": "1", "duration_minutes": "210", "make_current": "on"},
    )
    assert response.status_code == 302
    course = Course.objects.get()
    assert course.is_current
    bad = client.post(reverse("training:session-create"), {"course": course.pk, "start": "25:00"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "Enter a start time like 09:30" in page
    assert "Select the site" in page
    response = client.post(
        reverse("training:session-create"),
        {
            "course": course.pk,
            "site": site("hendon").pk,
            "date_0": "21",
            "date_1": "8",
            "date_2": "2023",
            "start": "13:30",
            "trainer": trainer.pk,
            "capacity": "20",
            "room": "Room 2",
        },
    )
    session = TrainingSession.objects.get()
    assert response.status_code == 302
    assert response.url == url("training:session-detail", session)
    assert timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M") == "2023-08-21 13:30"


def test_booking_staff_numbers_on_a_session(client: Any, world: Any, trainer: Any) -> None:
    upcoming = TrainingSession.objects.filter(starts_at__gt=timezone.now()).get()
    a, b = StaffMemberFactory(), StaffMemberFactory()
    client.force_login(trainer)
    response = client.post(
        url("training:session-detail", upcoming), {"staff_numbers": f"{a.staff_number}, nobody"}
    )
    assert response.status_code == 400
    assert "nobody is not on the roster." in response.content.decode()
    response = client.post(
        url("training:session-detail", upcoming), {"staff_numbers": f"{a.staff_number}\n{b.staff_number}"}
    )
    assert response.status_code == 302
    assert upcoming.bookings.count() == 2
    response = client.post(url("training:session-fill", upcoming), follow=True)
    assert response.status_code == 200
    booked = upcoming.bookings.count()
    response = client.post(url("training:session-fill", upcoming), {"team": "No such team"}, follow=True)
    assert "Choose a team at Lambeth: there is no team called No such team there" in response.content.decode()
    assert upcoming.bookings.count() == booked


def test_marking_attendance_for_the_whole_session(client: Any, world: Any, trainer: Any) -> None:
    session, booking, missed = world["session"], world["booking"], world["missed"]
    client.force_login(trainer)
    page = client.get(url("training:session-attendance", session)).content.decode()
    assert f'name="booking_{booking.pk}" type="radio" value="booked" checked' in page
    response = client.post(url("training:session-attendance", session), {f"booking_{booking.pk}": "nonsense"})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    response = client.post(
        url("training:session-attendance", session),
        {f"booking_{booking.pk}": "completed", f"booking_{missed.pk}": "no_show"},
    )
    assert response.status_code == 302
    assert Completion.objects.get().staff == booking.staff
    assert AuditEvent.objects.filter(action="training.record.completed").count() == 1


def test_attendance_for_a_future_session_is_refused_with_an_error(
    client: Any, world: Any, trainer: Any
) -> None:
    future = TrainingSession.objects.filter(starts_at__gt=timezone.now()).get()
    booking = BookingFactory(session=future)
    client.force_login(trainer)
    response = client.post(url("training:session-attendance", future), {f"booking_{booking.pk}": "completed"})
    assert response.status_code == 400
    assert "Attendance can be recorded from the day of the session." in response.content.decode()


def test_rebooking_a_no_show(client: Any, world: Any, trainer: Any) -> None:
    upcoming = TrainingSession.objects.filter(starts_at__gt=timezone.now()).get()
    client.force_login(trainer)
    assert world["missed"].staff.full_name in client.get(reverse("training:sessions")).content.decode()
    assert client.post(url("training:booking-rebook", world["missed"]), {"session": "0"}).status_code == 400
    response = client.post(url("training:booking-rebook", world["missed"]), {"session": upcoming.pk})
    assert response.status_code == 302
    assert Booking.objects.get(session=upcoming).staff == world["missed"].staff


def test_cancelling_a_booking(client: Any, world: Any, trainer: Any) -> None:
    client.force_login(trainer)
    client.post(url("training:booking-cancel", world["booking"]))
    world["booking"].refresh_from_db()
    assert world["booking"].status == Booking.Status.CANCELLED
    response = client.post(url("training:booking-cancel", world["booking"]), follow=True)
    assert "Only an open booking can be cancelled." in response.content.decode()


def test_the_rota_and_its_plan(
    client: Any, world: Any, supervisor: Any, administrator: Any, floor_walker: Any
) -> None:
    client.force_login(supervisor)
    page = client.get(reverse("training:rota")).content.decode()
    assert "Fay Floorwalker" in page
    assert "(1 short)" in page
    day = timezone.localdate()
    form = {
        "date_0": day.day,
        "date_1": day.month,
        "date_2": day.year,
        "site": site("bow").pk,
        "shift": "early",
        "floor_walker": floor_walker.pk,
    }
    response = client.post(reverse("training:rota-assign"), form)
    assert response.status_code == 400
    assert "Fay Floorwalker is already on that shift at Bow." in response.content.decode()
    response = client.post(reverse("training:rota-assign"), {**form, "shift": "late"})
    assert response.status_code == 302
    assert RotaAssignment.objects.count() == 2
    client.force_login(administrator)
    assert client.post(reverse("training:rota-plan"), {"walkers_per_shift": "-1"}).status_code == 400
    response = client.post(
        reverse("training:rota-plan"),
        {
            "starts_on_0": "1",
            "starts_on_1": "2",
            "starts_on_2": "2024",
            "walkers_per_shift": "1",
            "note": "Taper",
        },
    )
    assert response.status_code == 302
    assert RotaPlanPeriod.objects.count() == 2


def test_recording_support_and_the_summary(
    client: Any, world: Any, floor_walker: Any, supervisor: Any
) -> None:
    client.force_login(floor_walker)
    response = client.post(
        reverse("training:support"),
        {"handler": "nobody", "topic": "other", "decision_reference": "not valid!"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is no current member of staff with that staff number" in page
    assert "letters, numbers and dashes" in page
    response = client.post(
        reverse("training:support"),
        {"handler": world["staff"].staff_number, "topic": "partner", "decision_reference": "3f1c9a52-5a53"},
    )
    assert response.status_code == 302
    entry = SupportLogEntry.objects.get()
    assert (entry.floor_walker, entry.handler, entry.decision_reference) == (
        floor_walker,
        world["staff"],
        "3f1c9a52-5a53",
    )
    client.force_login(supervisor)
    page = client.get(reverse("training:support-summary") + "?weeks=nonsense").content.decode()
    assert "Partner agency dispute or escalation" in page
    assert "3f1c9a52-5a53" in page
