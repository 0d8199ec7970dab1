"""A course that requires its practice set passed: completions (at a session and outside one) are
refused until the person's account has passed it, the course form attaches the set, and the
trainer's session pages show each attendee's progress. Practice results are made directly here
(append-only rows: created, never changed)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rcrp.accounts.models import AuditEvent
from tests.training.factories import (
    BookingFactory,
    CourseFactory,
    StaffMemberFactory,
    TrainingSessionFactory,
    at,
    element,
    policy_version,
)
from training import services
from training.models import (
    Booking,
    Completion,
    Course,
    PracticeCard,
    PracticeResult,
    PracticeSet,
    PracticeSetCard,
)

pytestmark = pytest.mark.django_db
Status = Booking.Status


@pytest.fixture
def practice(policy_owner: Any) -> dict[str, Any]:
    """A set of five cards with a pass mark of four."""
    version = policy_version(author=policy_owner, number=7, acknowledgement_required=False)
    cards = [
        PracticeCard.objects.create(
            element=element("welfare"),
            title=f"Card {i}",
            situation="A caller is worried about a neighbour",
            expected_category="SIGNPOST",
            policy_version=version,
        )
        for i in range(1, 6)
    ]
    practice_set = PracticeSet.objects.create(title="Welfare basics", pass_mark=4)
    for order, card in enumerate(cards, start=1):
        PracticeSetCard.objects.create(practice_set=practice_set, card=card, order=order)
    return {"set": practice_set, "cards": cards, "version": version}


def results(user: Any, practice: dict[str, Any], *, passed: int, failed: int = 0) -> None:
    """`passed` cards passed and the next `failed` cards attempted and not passed."""
    cards = practice["cards"]
    for card, ok in [
        *((c, True) for c in cards[:passed]),
        *((c, False) for c in cards[passed : passed + failed]),
    ]:
        PracticeResult.objects.create(
            user=user,
            card=card,
            practice_set=practice["set"],
            decision_reference=uuid.uuid4(),
            policy_version=practice["version"],
            passed=ok,
        )


@pytest.fixture
def course(practice: Any) -> Course:
    return CourseFactory(practice_set=practice["set"], requires_practice=True)


@pytest.fixture
def session(course: Any, trainer: Any) -> Any:
    return TrainingSessionFactory(
        course=course, trainer=trainer, starts_at=at(timezone.localdate() - timedelta(days=1))
    )


@pytest.fixture
def ana(call_handler: Any) -> Any:
    return StaffMemberFactory(full_name="Ana Example", user=call_handler)


def test_a_course_requiring_practice_cannot_be_completed_at_a_session_without_passing_it(
    session: Any, ana: Any, trainer: Any, call_handler: Any, practice: Any
) -> None:
    booking = BookingFactory(session=session, staff=ana)
    results(call_handler, practice, passed=2, failed=2)
    with pytest.raises(ValidationError) as refused:
        services.session_attendance_record(
            session=session, marks={booking.pk: Status.COMPLETED}, actor=trainer
        )
    assert refused.value.messages == ["Ana Example has passed 2 of 5 practice cards; the pass mark is 4."]
    assert refused.value.error_list[0].params == {"booking": booking.pk}
    booking.refresh_from_db()
    assert booking.status == Status.BOOKED
    assert not Completion.objects.exists()
    assert not AuditEvent.objects.filter(action="training.record.completed").exists()


def test_once_passed_the_completion_is_recorded(
    session: Any, ana: Any, trainer: Any, call_handler: Any, practice: Any
) -> None:
    booking = BookingFactory(session=session, staff=ana)
    results(call_handler, practice, passed=4)
    assert (
        services.session_attendance_record(
            session=session, marks={booking.pk: Status.COMPLETED}, actor=trainer
        )
        == 1
    )
    completion = Completion.objects.get(staff=ana)
    assert (completion.route, completion.session) == (Completion.Route.SESSION, session)


def test_nobody_is_completed_while_anyone_marked_has_not_passed(
    session: Any, ana: Any, trainer: Any, call_handler: Any, second_call_handler: Any, practice: Any
) -> None:
    passed = BookingFactory(session=session, staff=ana)
    results(call_handler, practice, passed=5)
    ben = BookingFactory(
        session=session, staff=StaffMemberFactory(full_name="Ben Example", user=second_call_handler)
    )
    nobody = BookingFactory(session=session, staff=StaffMemberFactory(full_name="Cal Unlinked"))
    absent = BookingFactory(session=session, staff=StaffMemberFactory(full_name="Dee Absent"))
    marks = {
        passed.pk: Status.COMPLETED,
        ben.pk: Status.COMPLETED,
        nobody.pk: Status.COMPLETED,
        absent.pk: Status.NO_SHOW,  # not completing: practice does not matter
    }
    with pytest.raises(ValidationError) as refused:
        services.session_attendance_record(session=session, marks=marks, actor=trainer)
    assert refused.value.messages == [
        "Ben Example has passed 0 of 5 practice cards; the pass mark is 4.",
        "Cal Unlinked has passed 0 of 5 practice cards; the pass mark is 4 (no sign-in account is linked "
        "to their roster entry, so their practice calls are not recorded).",
    ]
    assert not Completion.objects.exists()
    assert Booking.objects.filter(status=Status.BOOKED).count() == 4


def test_a_practice_set_without_the_requirement_does_not_hold_anyone_back(
    practice: Any, trainer: Any, ana: Any
) -> None:
    course = CourseFactory(version=2, is_current=False, practice_set=practice["set"], requires_practice=False)
    session = TrainingSessionFactory(course=course, trainer=trainer, starts_at=at(timezone.localdate()))
    booking = BookingFactory(session=session, staff=ana)
    assert (
        services.session_attendance_record(
            session=session, marks={booking.pk: Status.COMPLETED}, actor=trainer
        )
        == 1
    )


def test_a_completion_outside_a_session_also_needs_the_practice_passed(
    course: Any, ana: Any, trainer: Any, call_handler: Any, practice: Any
) -> None:
    values = {"completed_on": timezone.localdate(), "route": "elsewhere", "evidence_note": "Certificate"}
    results(call_handler, practice, passed=3)
    with pytest.raises(
        ValidationError, match=r"Ana Example has passed 3 of 5 practice cards; the pass mark is 4\."
    ):
        services.completion_record_outside_session(staff=ana, course=course, actor=trainer, **values)
    results(call_handler, practice, passed=0, failed=0)
    PracticeResult.objects.create(
        user=call_handler,
        card=practice["cards"][3],
        practice_set=None,  # a card practised on its own counts too
        decision_reference=uuid.uuid4(),
        policy_version=practice["version"],
        passed=True,
    )
    completion = services.completion_record_outside_session(staff=ana, course=course, actor=trainer, **values)
    assert completion.route == "elsewhere"


def test_the_attendance_page_refuses_with_each_persons_progress_and_a_400(
    client: Any, session: Any, ana: Any, trainer: Any, call_handler: Any, practice: Any
) -> None:
    booking = BookingFactory(session=session, staff=ana)
    results(call_handler, practice, passed=2)
    client.force_login(trainer)
    response = client.post(
        reverse("training:session-attendance", args=[session.pk]), {f"booking_{booking.pk}": "completed"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    summary = page.split("govuk-error-summary__list")[1].split("</ul>")[0]
    # the error names the person and links to their choices
    assert (
        f'href="#id_booking_{booking.pk}_0">Ana Example has passed 2 of 5 practice cards; the pass mark is 4.'
        in summary
    )
    assert Booking.objects.get(pk=booking.pk).status == Status.BOOKED


def test_the_session_pages_show_each_attendees_progress(
    client: Any,
    session: Any,
    ana: Any,
    trainer: Any,
    call_handler: Any,
    practice: Any,
    make_user: Any,
    django_assert_num_queries: Any,
) -> None:
    BookingFactory(session=session, staff=ana)
    BookingFactory(session=session, staff=StaffMemberFactory(full_name="Cal Unlinked"))
    results(call_handler, practice, passed=4, failed=1)
    client.force_login(trainer)
    client.get("/")  # the first request renews the idle session (a write)
    detail_url = reverse("training:session-detail", args=[session.pk])
    attendance_url = reverse("training:session-attendance", args=[session.pk])
    # the page's 4 queries, and 2 for everyone's practice progress
    with django_assert_num_queries(6):
        detail = client.get(detail_url).content.decode()
    assert "Welfare basics (pass mark 4): must be passed before the course is completed" in detail
    row = detail.split("Ana Example</a>")[1].split("</tr>")[0]
    assert "Passed</strong> 4 of 5 cards passed (pass mark 4)" in row
    row = detail.split("Cal Unlinked</a>")[1].split("</tr>")[0]
    assert "No sign-in account linked" in row
    with django_assert_num_queries(6):
        attendance = client.get(attendance_url).content.decode()
    assert (
        'Practice: <strong class="govuk-tag govuk-tag--green">Passed</strong> 4 of 5 cards passed'
        in attendance
    )
    # more attendees, the same number of queries
    for i in range(4):
        person = StaffMemberFactory(user=make_user(f"extra{i}", "Call handler"))
        BookingFactory(session=session, staff=person)
        results(person.user, practice, passed=i)
    with django_assert_num_queries(6):
        client.get(detail_url)
    with django_assert_num_queries(6):
        client.get(attendance_url)


# --- The course form --------------------------------------------------------------------------


def test_the_course_form_attaches_a_practice_set_and_the_requirement(
    client: Any, trainer: Any, practice: Any
) -> None:
    client.force_login(trainer)
    url = reverse("training:course-create")
    page = client.get(url).content.decode()
    assert "Welfare basics (pass mark 4)" in page
    response = client.post(
        url,
        {
            "title": "RCRP course",
            "version": "3",
            "duration_minutes": "210",
            "practice_set": practice["set"].pk,
            "requires_practice": "on",
        },
    )
    assert response.status_code == 302
    course = Course.objects.get(version=3)
    assert (course.practice_set, course.requires_practice) == (practice["set"], True)
    event = AuditEvent.objects.get(action="training.course.created")
    assert event.data["new"]["practice_set"] == practice["set"].pk
    assert event.data["new"]["requires_practice"] is True


def test_the_requirement_needs_a_set_that_can_be_passed(client: Any, trainer: Any, practice: Any) -> None:
    client.force_login(trainer)
    url = reverse("training:course-create")
    data = {"title": "RCRP course", "version": "3", "duration_minutes": "210", "requires_practice": "on"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert (
        "Choose the practice set that must be passed, or untick the requirement" in response.content.decode()
    )
    too_hard = PracticeSet.objects.create(title="Too hard", pass_mark=9)
    response = client.post(url, {**data, "practice_set": too_hard.pk})
    assert response.status_code == 400
    assert "Too hard has 0 cards and a pass mark of 9, so nobody could pass it" in response.content.decode()
    assert not Course.objects.filter(version=3).exists()


def test_an_existing_course_gets_a_practice_requirement_without_a_new_version(
    client: Any, trainer: Any, practice: Any
) -> None:
    course = CourseFactory()
    client.force_login(trainer)
    assert (
        reverse("training:course-practice", args=[course.pk])
        in client.get(reverse("training:courses")).content.decode()
    )
    url = reverse("training:course-practice", args=[course.pk])
    response = client.post(url, {"practice_set": practice["set"].pk, "requires_practice": "on"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.practice_set, course.requires_practice) == (practice["set"], True)
    (event,) = AuditEvent.objects.filter(action="training.course.practice_changed")
    assert event.data == {
        "old": {"practice_set": None, "requires_practice": False},
        "new": {"practice_set": practice["set"].pk, "requires_practice": True},
    }
    # the same again changes nothing
    assert (
        client.post(url, {"practice_set": practice["set"].pk, "requires_practice": "on"}).status_code == 302
    )
    assert AuditEvent.objects.filter(action="training.course.practice_changed").count() == 1
    response = client.post(url, {"practice_set": "", "requires_practice": "on"})
    assert response.status_code == 400
