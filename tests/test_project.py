"""Home, login, health check, error pages and the demo seed."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.utils import OperationalError
from django.test import override_settings

from rcrp.accounts.models import User
from rcrp.accounts.roles import DEMO_USERS
from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_login_with_staff_number_lands_on_home(client: Any, call_handler: Any) -> None:
    response = client.post("/accounts/login/", {"username": "h1001", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert b"Hana Handler" in response.content
    assert b"Call handler" in response.content
    assert b"Take a call" in response.content


@pytest.mark.django_db
def test_bad_login_shows_a_govuk_error_summary(client: Any, call_handler: Any) -> None:
    response = client.post("/accounts/login/", {"username": "h1001", "password": "wrong"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "Enter a correct staff number and password" in body
    assert "<title>Error: Sign in" in body


@pytest.mark.django_db
def test_empty_login_names_each_missing_field(client: Any) -> None:
    body = client.post("/accounts/login/", {}).content.decode()
    assert "Enter your staff number" in body
    assert "Enter your password" in body


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_repeated_failed_logins_lock_the_account(client: Any, call_handler: Any) -> None:
    for _ in range(3):
        client.post("/accounts/login/", {"username": "h1001", "password": "wrong"}, REMOTE_ADDR="127.0.0.9")
    response = client.post(
        "/accounts/login/", {"username": "h1001", "password": PASSWORD}, REMOTE_ADDR="127.0.0.9"
    )
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(client: Any, call_handler: Any) -> None:
    client.force_login(call_handler)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_home_shows_each_role_its_own_work(client: Any, cast: dict[str, Any]) -> None:
    expectations = {
        "call_handler": ["Take a call"],
        "supervisor": ["Take a call", "Escalations"],
        "floor_walker": ["Escalations"],
        "trainer": ["Training"],
        "policy_owner": ["Policy versions"],
        "auditor": ["Decision log"],
    }
    for role, titles in expectations.items():
        client.force_login(cast[role])
        body = client.get("/").content.decode()
        for title in titles:
            assert title in body, (role, title)
        if role != "supervisor":
            assert ("Take a call" in body) == (role == "call_handler"), role


@pytest.mark.django_db
def test_user_without_a_role_is_told_to_ask_for_one(client: Any, outsider: Any) -> None:
    client.force_login(outsider)
    assert b"Your account has no role yet" in client.get("/").content


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_does(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(client: Any) -> None:
    with mock.patch("rcrp.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_unknown_page_is_a_govuk_404_without_a_stack_trace(client: Any, call_handler: Any) -> None:
    client.force_login(call_handler)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert "Traceback" not in body
    assert "govuk-footer" in body


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.urls_broken")
def test_a_crash_is_a_govuk_500_without_a_stack_trace(client: Any) -> None:
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Sorry, there is a problem with the service" in body
    assert "Traceback" not in body
    assert "RuntimeError" not in body


@pytest.mark.django_db
def test_expired_form_is_a_clear_403(call_handler: Any) -> None:
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(call_handler)
    response = csrf_client.post("/accounts/logout/")
    assert response.status_code == 403
    assert b"Your form has expired" in response.content


@pytest.mark.django_db
def test_pages_carry_a_nonce_based_content_security_policy(client: Any) -> None:
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_seed_demo_creates_one_user_per_role_and_is_idempotent() -> None:
    call_command("seed_demo", stdout=mock.MagicMock())
    users = User.objects.count()
    call_command("seed_demo", stdout=mock.MagicMock())
    assert User.objects.count() == users  # idempotent: a second run adds nobody
    for login, (role, _name) in DEMO_USERS.items():
        user = User.objects.get(staff_number=login)
        assert user.check_password("rcrp-demo")
        assert list(user.groups.values_list("name", flat=True)) == [role]
    assert Group.objects.get(name="Administrator").user_set.get().is_staff
    # Practice (issue 11): cards for every element, a set required by the current course, the demo
    # handler's own practice and results for part of the roster; one site live, two not yet.
    from training.models import Course, PracticeCard, PracticeResult, Site

    assert set(PracticeCard.objects.values_list("element__slug", flat=True)) == {
        "welfare",
        "awol",
        "s136",
        "transport",
    }
    course = Course.objects.current()
    assert course.requires_practice
    assert course.practice_set is not None
    handler = User.objects.get(staff_number="handler")
    assert PracticeResult.objects.filter(user=handler).count() == 3
    assert PracticeResult.objects.exclude(user=handler).values("user").distinct().count() >= 20
    assert Site.objects.filter(live_from__isnull=False).count() == 1


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_when_debug_is_off() -> None:
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_session_is_renewed_while_in_use_and_ends_when_idle(
    client: Any, call_handler: Any, settings: Any
) -> None:
    import datetime as dt

    import time_machine
    from django.utils import timezone

    client.force_login(call_handler)
    t0 = timezone.now()
    with time_machine.travel(t0, tick=False):
        assert client.get("/").status_code == 200
        first = client.session["seen"]
    with time_machine.travel(t0 + dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES - 1), tick=False):
        assert client.get("/").status_code == 200  # still in use: renewed
        assert client.session["seen"] > first
    idle = t0 + dt.timedelta(minutes=2 * settings.SESSION_IDLE_MINUTES - 2)
    with time_machine.travel(idle, tick=False):
        assert client.get("/").status_code == 200  # within the idle limit of the last request
    with time_machine.travel(idle + dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1), tick=False):
        assert client.get("/").status_code == 302  # idle too long: signed out
