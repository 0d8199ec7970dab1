"""Structured logs: one JSON object per line, every line of a request carrying its request id.

The in-process tests build the handler exactly as settings.LOGGING configures it (filter and
formatter), attach it to the root logger for the test and read what it wrote. One test runs the
production settings in a subprocess and reads the real standard error.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client
from django.urls import include, path
from django.utils.module_loading import import_string

from rcrp.accounts.audit import current_request_id as audit_request_id
from rcrp.logging import ConsoleFormatter, audit_uuid, request_id_from_header

ROOT = Path(__file__).resolve().parents[1]
HEX_ID = re.compile(r"[0-9a-f]{32}")
BASE_FIELDS = {"time", "level", "logger", "message", "request_id"}
ACCESS_FIELDS = BASE_FIELDS | {"method", "path", "status", "duration_ms", "user_id"}


# --- a URLconf of our own for the views these tests need (@pytest.mark.urls) -----------------
def noisy(request: HttpRequest) -> HttpResponse:
    logging.getLogger("toolkit.example").info("first line from the view")
    logging.getLogger("policies.example").warning("second line from another logger")
    return HttpResponse("ok")


def audit_id(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"audit_request_id": str(audit_request_id.get())})


def broken(request: HttpRequest) -> HttpResponse:
    raise ValueError("CAD 4321/02DEC26 must never reach the log")


urlpatterns = [
    path("noisy/", noisy),
    path("audit-id/", audit_id),
    path("broken/", broken),
    path("", include("rcrp.urls")),  # the real pages too, so their templates' links resolve
]
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The root logger writes through the handler settings.LOGGING configures, into a buffer."""
    handler_config = settings.LOGGING["handlers"]["console"]
    formatter_config = settings.LOGGING["formatters"][handler_config["formatter"]]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(import_string(formatter_config["()"])())
    for name in handler_config["filters"]:
        handler.addFilter(import_string(settings.LOGGING["filters"][name]["()"])())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def entries(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_production_logging_is_json_through_the_request_id_filter() -> None:
    assert not settings.DEBUG
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["formatter"] == "json"
    assert "request_id" in handler["filters"]
    assert "console" in settings.LOGGING["root"]["handlers"]
    assert "rcrp.logging.RequestIdMiddleware" in settings.MIDDLEWARE


@pytest.mark.urls("tests.test_logging")
def test_every_line_of_a_request_carries_the_request_id_of_its_response(
    client: Client, log_lines: io.StringIO
) -> None:
    logging.getLogger("toolkit.example").info("before the request")
    response = client.get("/noisy/")
    logging.getLogger("toolkit.example").info("after the request")

    request_id = response["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id)
    lines = entries(log_lines)
    assert [line["message"] for line in lines] == [
        "before the request",
        "first line from the view",
        "second line from another logger",
        "GET /noisy/ 200 " + f"{lines[3]['duration_ms']:.1f}ms",
        "after the request",
    ]
    assert [line["request_id"] for line in lines] == ["-", request_id, request_id, request_id, "-"]
    assert lines[1]["logger"] == "toolkit.example"
    assert lines[2]["level"] == "WARNING"


def test_a_not_found_page_logs_its_warning_and_access_line_under_one_id(
    client: Client, log_lines: io.StringIO
) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    lines = entries(log_lines)
    assert {line["logger"] for line in lines} == {"django.request", "rcrp.access"}
    assert {line["request_id"] for line in lines} == {response["X-Request-ID"]}


@pytest.mark.urls("tests.test_logging")
def test_each_request_gets_its_own_id(client: Client, log_lines: io.StringIO) -> None:
    first = client.get("/noisy/")["X-Request-ID"]
    second = client.get("/noisy/")["X-Request-ID"]
    assert first != second
    assert [line["request_id"] for line in entries(log_lines)] == [first] * 3 + [second] * 3


@pytest.mark.urls("tests.test_logging")
def test_the_access_line_has_method_path_status_duration_and_user(
    client: Client, call_handler: Any, log_lines: io.StringIO
) -> None:
    client.force_login(call_handler)
    response = client.get("/noisy/?ref=CAD+1234/26NOV26")
    assert response.status_code == 200
    (access,) = [line for line in entries(log_lines) if line["logger"] == "rcrp.access"]
    assert set(access) == ACCESS_FIELDS
    assert access["level"] == "INFO"
    assert access["method"] == "GET"
    assert access["path"] == "/noisy/"
    assert access["status"] == 200
    assert isinstance(access["duration_ms"], float)
    assert access["duration_ms"] >= 0
    assert access["user_id"] == call_handler.pk


def test_an_anonymous_request_logs_no_user(client: Client, db: None, log_lines: io.StringIO) -> None:
    client.get("/healthz")
    (access,) = entries(log_lines)
    assert access["user_id"] is None
    assert access["status"] == 200


@pytest.mark.urls("tests.test_logging")
def test_an_incoming_request_id_is_honoured(client: Client, log_lines: io.StringIO) -> None:
    response = client.get("/noisy/", headers={"X-Request-ID": "lb-7f3a9c.2026:edge_1"})
    assert response["X-Request-ID"] == "lb-7f3a9c.2026:edge_1"
    assert {line["request_id"] for line in entries(log_lines)} == {"lb-7f3a9c.2026:edge_1"}


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 101,  # overlong
        "abc\ndef",  # a newline: a forged second log line
        "abc\r\nX-Injected: 1",
        'abc" "level": "CRITICAL',
        "has space",
        "<script>",
        "",
        "-",  # the "outside a request" marker is not an id
    ],
)
@pytest.mark.urls("tests.test_logging")
def test_a_hostile_request_id_is_replaced(client: Client, log_lines: io.StringIO, hostile: str) -> None:
    response = client.get("/noisy/", headers={"X-Request-ID": hostile})
    request_id = response["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id)
    assert {line["request_id"] for line in entries(log_lines)} == {request_id}
    assert len(log_lines.getvalue().splitlines()) == 3


def test_the_sane_token_rule() -> None:
    assert request_id_from_header("a" * 100) == "a" * 100
    assert request_id_from_header("a" * 101) != "a" * 101
    assert request_id_from_header(None) != request_id_from_header(None)


@pytest.mark.urls("tests.test_logging")
def test_the_audit_rows_of_a_request_are_grouped_under_its_id(client: Client) -> None:
    incoming = uuid.uuid4()
    response = client.get("/audit-id/", headers={"X-Request-ID": str(incoming)})
    assert response.json() == {"audit_request_id": str(incoming)}

    response = client.get("/audit-id/")
    assert response.json() == {"audit_request_id": str(uuid.UUID(response["X-Request-ID"]))}

    response = client.get("/audit-id/", headers={"X-Request-ID": "nginx-edge-42"})
    assert response.json() == {"audit_request_id": str(audit_uuid("nginx-edge-42"))}
    assert audit_uuid("nginx-edge-42") == audit_uuid("nginx-edge-42") != audit_uuid("nginx-edge-43")
    assert audit_request_id.get() is None  # reset after the request


def test_no_query_string_form_value_name_or_session_key_is_logged(
    client: Client, call_handler: Any, log_lines: io.StringIO
) -> None:
    client.post(
        "/accounts/login/?next=/toolkit/secret-next-page/",
        {"username": "h1001", "password": "hunter2-not-logged"},
    )
    client.force_login(call_handler)
    client.get("/toolkit/start/?element=welfare&ref=CAD 1234/26NOV26")
    client.get("/toolkit/decisions/?incident=CAD+9876/26NOV26&handler=Hana")
    text = log_lines.getvalue()
    lines = entries(log_lines)
    assert any(line.get("path") == "/toolkit/start/" for line in lines)
    assert any(line.get("path") == "/accounts/login/" and line["method"] == "POST" for line in lines)
    for secret in [
        "secret-next-page",
        "next=",
        "hunter2",
        "h1001",
        "CAD",
        "9876",
        "element=",
        "Hana",
        call_handler.display_name,
        client.cookies[settings.SESSION_COOKIE_NAME].value,
        settings.SECRET_KEY,
    ]:
        assert secret not in text


@pytest.mark.urls("tests.test_logging")
def test_an_exception_is_logged_by_type_and_frames_never_its_message(log_lines: io.StringIO) -> None:
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    lines = entries(log_lines)
    (error,) = [line for line in lines if line["level"] == "ERROR"]
    assert error["logger"] == "django.request"
    assert error["exc_type"] == "builtins.ValueError"
    assert any("in broken" in frame for frame in error["stack"])
    assert {line["request_id"] for line in lines} == {response["X-Request-ID"]}
    assert "CAD 4321" not in log_lines.getvalue()


def test_every_entry_is_one_line_of_json_even_for_awkward_messages(log_lines: io.StringIO) -> None:
    logging.getLogger("toolkit.example").warning('a "quoted"\nsecond line\tand \u2603 unicode')
    (line,) = log_lines.getvalue().splitlines()
    entry = json.loads(line)
    assert set(entry) == BASE_FIELDS
    assert entry["message"] == 'a "quoted"\nsecond line\tand \u2603 unicode'
    assert entry["request_id"] == "-"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


def test_the_development_format_is_readable_and_carries_the_request_id() -> None:
    record = logging.LogRecord("toolkit.example", logging.INFO, __file__, 1, "hello %s", ("there",), None)
    assert ConsoleFormatter().format(record).endswith("INFO [-] toolkit.example hello there")
    record.request_id = "abc123"
    assert "INFO [abc123] toolkit.example hello there" in ConsoleFormatter().format(record)


def _clean_env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "TEST_"))}
    keep.pop("DEBUG", None)
    return {**keep, "RCRP_READ_DOTENV": "0", "PYTHONWARNINGS": "ignore", **extra}


def test_debug_settings_use_the_readable_format() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from rcrp import settings; print(settings.LOGGING['handlers']['console'])"],
        cwd=ROOT,
        env=_clean_env(DEBUG="1"),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "'formatter': 'console'" in result.stdout
    assert "'filters': ['request_id']" in result.stdout


PRODUCTION_REQUEST = """
import django
django.setup()
import logging
from django.test import Client
logging.getLogger("toolkit.example").info("outside a request")
response = Client().get("/healthz?ref=CAD+1234/26NOV26", headers={"X-Request-ID": "probe-1"})
print(response.status_code, response["X-Request-ID"])
print(Client().post("/healthz?name=Hana", {"password": "hunter2"}).status_code)
"""


def test_the_production_settings_write_json_lines_to_standard_error() -> None:
    env = _clean_env(
        DJANGO_SETTINGS_MODULE="rcrp.settings",
        DEBUG="0",
        SECRET_KEY="a-production-like-secret-key-that-is-long-and-random-0123456789abcdef",
        ALLOWED_HOSTS="testserver",
        SECURE="0",
        DATABASE_URL="sqlite:///:memory:",
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_REQUEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "probe-1", "405"]
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["logger"], line["request_id"]) for line in lines[:2]] == [
        ("toolkit.example", "-"),
        ("rcrp.access", "probe-1"),
    ]
    assert lines[1]["path"] == "/healthz"
    assert {line["logger"] for line in lines[2:]} == {"django.request", "rcrp.access"}
    assert len({line["request_id"] for line in lines[2:]}) == 1
    assert "CAD" not in result.stderr
    assert "Hana" not in result.stderr
    assert "hunter2" not in result.stderr
