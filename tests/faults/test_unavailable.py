"""The service-unavailable page (rcrp.accounts.unavailable) and /healthz without processes: the page
renders without the database, a lost database on any path gives it (never a 500), other errors
are not disguised as it. tests/faults/test_processes.py does the same against a real cluster."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from rcrp.accounts.unavailable import (
    DatabaseUnavailableMiddleware,
    is_database_unavailable,
    unavailable_response,
)


def test_the_page_renders_with_no_database_access_at_all(rf: Any) -> None:
    # Not a django_db test: pytest-django refuses any query, so rendering proves it reads none.
    response = unavailable_response(rf.post("/toolkit/calls/x/answer/"))
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "The service is not available" in body
    assert "This answer was <strong>not saved</strong>" in body
    assert "Your answers up to the one before it are saved" in body
    assert "paper procedure" in body
    assert "deploy police" in body
    assert 'class="govuk-template"' in body
    assert "govuk-warning-text" in body
    get = unavailable_response(rf.get("/toolkit/calls/x/")).content.decode()
    assert "Your answers up to the last one the toolkit accepted are saved" in get


@pytest.mark.parametrize(
    "error",
    [OperationalError("gone"), InterfaceError("connection already closed"), psycopg.OperationalError("x")],
)
def test_database_errors_are_recognised_also_when_wrapped(error: Exception) -> None:
    assert is_database_unavailable(error)
    outer = RuntimeError("while rendering a template")
    outer.__cause__ = error  # `raise ... from error`
    assert is_database_unavailable(outer)
    assert not is_database_unavailable(ValueError("bad input"))


def test_other_errors_are_left_to_the_500_handler(rf: Any) -> None:
    middleware = DatabaseUnavailableMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    assert middleware.process_exception(rf.get("/"), ValueError("a bug")) is None


def _database_down(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.mark.django_db
def test_a_signed_in_page_with_the_database_gone_is_the_503_page_not_a_500(call_handler: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(call_handler)
    with connection.execute_wrapper(_database_down):
        # The view reads the session's user (process_exception), and IdleTimeoutMiddleware reads it
        # again on the way out (a middleware's error: the got_request_exception path).
        page = client.get("/toolkit/my-calls/")
        posted = client.post("/toolkit/start/", {"element": "1"})
    for response in (page, posted):
        assert response.status_code == 503
        body = response.content.decode()
        assert "The service is not available" in body
        assert "Traceback" not in body
        assert "OperationalError" not in body
    assert "not saved" in posted.content.decode()


@pytest.mark.django_db
def test_a_bug_is_still_a_500(call_handler: Any, monkeypatch: Any) -> None:
    import toolkit.views.start as start_views

    def broken(**kwargs: Any) -> Any:
        raise ValueError("a bug, not the database")

    monkeypatch.setattr(start_views, "decision_list_mine", broken)
    client = Client(raise_request_exception=False)
    client.force_login(call_handler)
    assert client.get("/toolkit/my-calls/").status_code == 500


def test_healthz_answers_503_when_the_connection_is_already_closed(monkeypatch: Any) -> None:
    def closed() -> Any:
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(connection, "cursor", closed)
    response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


@pytest.mark.django_db
def test_healthz_with_a_session_cookie_answers_its_json_when_the_database_is_gone(call_handler: Any) -> None:
    """A browser tab or a monitor that signed in sends the session cookie: reading that session
    fails first, and the probe still gets the health check's JSON, not the HTML page."""
    client = Client(raise_request_exception=False)
    client.force_login(call_handler)
    with connection.execute_wrapper(_database_down):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert response["Cache-Control"] == "no-store"
