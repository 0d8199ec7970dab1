"""CSRF on every POST, login lock-out, other handlers' decisions, security headers, and logs that
carry no personal data or secrets. Every URL comes from the registry (tests/test_url_permissions.py)."""

from __future__ import annotations

import logging
import subprocess
import sys
import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD, ROOT
from tests.security import registry
from tests.test_url_permissions import LADDER, PATTERNS, World, climb, url_of
from toolkit.models import Decision

LOGIN = "/accounts/login/"


# --- CSRF ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_post_without_a_csrf_token_is_refused(request: pytest.FixtureRequest) -> None:
    """A POST with no token to any URL in the registry, as a role that may use it: 403, nothing stored."""
    world = World(request)
    wrong: list[str] = []
    tried = 0
    for key, row in LADDER.items():
        if url_of(key) not in PATTERNS:
            continue
        if row.on in {"submitted", "approved", "scheduled"}:
            continue  # one version in progress per World: the draft's URLs stand for them
        url = registry.row_url(world, key)
        role = registry.opener(key)
        client = Client(enforce_csrf_checks=True)
        if role is not None:
            client.force_login(world.user(role))
        before = registry.row_counts()
        data = {name: value.format(w=world) for name, value in row.data.items()}
        with transaction.atomic():
            response = client.post(url, data)
            after = registry.row_counts()
            transaction.set_rollback(True)
        tried += 1
        if response.status_code != 403 or after != before:
            wrong.append(f"{key}: {response.status_code}{' and rows changed' if after != before else ''}")
        elif b"Your form has expired" not in response.content:
            wrong.append(f"{key}: 403 without the form-expired message")
    assert not wrong, "\n".join(wrong)
    assert tried > 50


# --- Login lock-out -----------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=0.25)
def test_repeated_failures_lock_the_account_until_the_cool_off(call_handler: Any) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    wrong = {"username": call_handler.staff_number, "password": "not-the-password"}
    for attempt in range(1, limit):
        response = client.post(LOGIN, wrong)
        assert response.status_code == 400, attempt
        assert b"Enter a correct staff number and password" in response.content
    response = client.post(LOGIN, wrong)  # the limit-th failure locks
    assert 400 <= response.status_code < 500
    assert b"Too many failed sign-in attempts" in response.content
    right = {"username": call_handler.staff_number, "password": PASSWORD}
    response = client.post(LOGIN, right)
    assert 400 <= response.status_code < 500
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.post(LOGIN, right)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(call_handler.pk)


# --- Another handler's decisions ----------------------------------------------------------------------


def _decision_urls() -> list[str]:
    """Every LADDER row whose URL names a decision (by its reference)."""
    return [
        key
        for key in LADDER
        if url_of(key) in PATTERNS and "reference" in PATTERNS[url_of(key)].pattern.converters
    ]


def test_every_decision_url_refuses_another_handler_in_the_ladder() -> None:
    keys = _decision_urls()
    assert len(keys) >= 10
    allowed = {key: LADDER[key].expected["other_handler"] for key in keys}
    assert all(status in {403, 404} for status in allowed.values()), allowed


@pytest.mark.django_db
@pytest.mark.parametrize("key", _decision_urls())
def test_another_handler_cannot_use_a_decision_of_someone_else(
    request: pytest.FixtureRequest, key: str
) -> None:
    """The decision belongs to `handler`; `other_handler` gets 403/404 by GET and by POST, and
    nothing changes."""
    world = World(request)
    response = climb(world, key, ("other_handler",))["other_handler"]
    assert response.status_code in {403, 404}, f"{key}: {response.status_code}"
    url = registry.row_url(world, key)
    client = Client()
    client.force_login(world.user("other_handler"))
    before = registry.row_counts()
    for method in ("GET", "POST"):
        with transaction.atomic():
            answer = client.get(url) if method == "GET" else client.post(url, {"position": "0", "text": "x"})
            changed = registry.row_counts() != before
            transaction.set_rollback(True)
        assert answer.status_code in {403, 404, 405}, f"{method} {key}: {answer.status_code}"
        assert not changed, f"{method} {key}: rows changed"


# --- Security headers ---------------------------------------------------------------------------------

DECISION_PAGES = (
    "toolkit:call",
    "toolkit:decision",
    "toolkit:decision-evidence",
    "toolkit:decision-evidence-json",
)


@pytest.mark.django_db
@pytest.mark.parametrize("key", DECISION_PAGES)
def test_decision_pages_send_the_security_headers_and_are_never_stored(
    request: pytest.FixtureRequest, key: str
) -> None:
    world = World(request)
    response = climb(world, key, ("handler",))["handler"]
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.django_db
def test_pages_outside_the_toolkit_keep_normal_caching(client: Any, trainer: Any) -> None:
    """no-store is for the call and decision pages (the toolkit), not every page."""
    client.force_login(trainer)
    response = client.get(reverse("training:dashboard"))
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Content-Security-Policy" in response


@pytest.mark.django_db
@override_settings(
    SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True
)
def test_https_gets_hsts_and_http_is_redirected(client: Any, call_handler: Any) -> None:
    client.force_login(call_handler)
    plain = client.get(reverse("toolkit:start"))
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    secure = client.get(reverse("toolkit:start"), secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_settings_turn_on_https_and_hsts() -> None:
    """With DEBUG off and no overrides, the settings module itself asks for the redirect and HSTS."""
    code = (
        "import os; os.environ.update(DEBUG='0', SECRET_KEY='s'*60, ALLOWED_HOSTS='rcrp.example');"
        "[os.environ.pop(k, None) for k in ('SECURE', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS')];"
        "import rcrp.settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "31536000", "True"]


# --- No personal data or secrets in logs --------------------------------------------------------------

INCIDENT = "CAD 4711/02DEC26"
CALLER = "Margaret Thistlethwaite of 14 Quayside Row"


@pytest.mark.django_db
def test_logs_carry_no_password_session_secret_incident_or_caller(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    world = World(request)
    world.live  # noqa: B018 - a published policy to start a call on
    handler = world.user("handler")
    caplog.set_level(logging.DEBUG)
    client = Client()
    wrong_password = "wrong-Pa55word-for-the-log-test"
    assert (
        client.post(LOGIN, {"username": handler.staff_number, "password": wrong_password}).status_code == 400
    )
    assert client.post(LOGIN, {"username": handler.staff_number, "password": PASSWORD}).status_code == 302
    session_key = client.session.session_key
    page = client.get(reverse("toolkit:start"))
    start = next(
        f
        for f in registry.forms_on(page.content.decode(), "http://testserver/toolkit/start/")
        if "incident_ref" in f.fields
    )
    values = {
        **start.baseline(),
        "element": str(world.live.element.pk),
        "caller_type": Decision.CallerType.PUBLIC,
    }
    values.update(incident_ref=INCIDENT)
    values.pop("deploy", None)
    values.pop("not_health", None)
    response = client.post(reverse("toolkit:start"), values)
    assert response.status_code == 302, response.content[:500]
    decision = Decision.objects.get(incident_ref=INCIDENT)
    note = client.post(
        reverse("toolkit:decision-note", kwargs={"reference": decision.reference}),
        {"kind": "note", "text": CALLER},
    )
    assert note.status_code < 500
    client.get(reverse("toolkit:decision", kwargs={"reference": str(uuid.uuid4())}))  # an error: 404
    client.get(reverse("toolkit:decisions") + "?date_from=9999-99-99")  # bad input
    client.post(reverse("toolkit:start"), {"incident_ref": f"{INCIDENT}\x00"})  # refused by the gate
    logged = caplog.text + "\n".join(repr(r.args) + repr(r.__dict__.get("extra", "")) for r in caplog.records)
    assert "POST /accounts/login/" in caplog.text or caplog.records, "nothing was logged at all"
    for secret, what in [
        (wrong_password, "the wrong password"),
        (PASSWORD, "the password"),
        (session_key, "the session key"),
        (settings.SECRET_KEY, "the secret key"),
        (INCIDENT, "the incident reference"),
        ("4711/02DEC26", "the incident reference"),
        ("Thistlethwaite", "the caller's name"),
        ("Quayside", "the caller's address"),
    ]:
        assert secret not in logged, f"{what} is in the log"
