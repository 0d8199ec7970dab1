"""Fault tests' machinery: a PostgreSQL cluster of their own, gunicorn on the production settings,
and a call handler's browser made of `requests` (session cookie and CSRF token, as a browser sends);
the processes themselves are tests/_processes.py's.

Everything runs on 127.0.0.1 and is stopped by the fixtures themselves, with bounded timeouts.
The cluster is separate from the session's test database (tests/conftest.py): these tests stop and
start it. Without PostgreSQL binaries the process tests are skipped with the reason, unless
REQUIRE_POSTGRES=1, which makes that a failure.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests._processes import (
    ROOT,
    Browser,
    Gunicorn,
    MigratedTemplate,
    Postgres,
    form_with_id,
    hidden_fields,
    postgres_workdir,
    production_env,
    remove,
    require_pg_bin,
    run,
)

HANDLER = ("faulth1", "fault-handler-password-9")
START_TIMEOUT = 60.0  # gunicorn imports Django in each worker: slow on a busy machine


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: starts real processes (PostgreSQL, gunicorn) and breaks them (tests/faults)"
    )


@dataclass
class App:
    """The project on its own cluster, and the production environment variables gunicorn runs with."""

    cluster: Postgres  # stopped and started by the tests
    env: dict[str, str]
    workdir: Path


@pytest.fixture(scope="session")
def fault_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """A cluster of the fault tests' own (a copy of the migrated template), seeded, and the
    production environment. Separate from the session's test database (tests/conftest.py): these
    tests stop and start it."""
    bindir = require_pg_bin("initdb", "pg_ctl", needed_for="fault tests need a real cluster")
    workdir = postgres_workdir("rcrp-faults-")
    cluster = Postgres(bindir, workdir / "data", max_connections=200)
    try:
        MigratedTemplate(request.config, tmp_path_factory, bindir).copy_to(cluster.data)
        cluster.start()
        env = production_env("tests.faults.prod_settings", DATABASE_URL=cluster.url, TRAINING_GATE_MODE="off")
        run([sys.executable, "-m", "tests.faults.seed", *HANDLER], cwd=ROOT, env=env)
        yield App(cluster=cluster, env=env, workdir=workdir)
    finally:
        cluster.stop(check=False)
        remove(workdir)


@pytest.fixture
def cluster_running(fault_app: App) -> Iterator[Postgres]:
    """The cluster, up at the start of the test and again at its end whatever the test did."""
    if not fault_app.cluster.running:
        fault_app.cluster.start()
    yield fault_app.cluster
    if not fault_app.cluster.running:
        fault_app.cluster.start()


# --- gunicorn -------------------------------------------------------------------------------------


@pytest.fixture
def serve(cluster_running: Postgres, fault_app: App) -> Iterator[Any]:
    """serve(workers=1): gunicorn on the fault cluster, ready, and stopped at the end of the test."""
    servers: list[Gunicorn] = []

    def start(workers: int = 1) -> Gunicorn:
        server = Gunicorn(fault_app.env, fault_app.workdir / f"gunicorn-{len(servers)}.log", workers)
        servers.append(server)
        server.wait_ready(START_TIMEOUT)
        return server

    yield start
    for server in servers:
        server.stop()


# --- A handler's browser ----------------------------------------------------------------------------


class HandlerBrowser(Browser):
    """A call handler's browser (one `requests` session: cookies) against one server."""

    def sign_in_handler(self) -> None:
        self.sign_in(*HANDLER)

    def _hidden(self, page: str, form_id: str) -> dict[str, str]:
        form = form_with_id(page, form_id)
        assert form, f"no form {form_id!r} on the page:\n{page[-2000:]}"
        return hidden_fields(form)

    def start_call(self, cluster: Postgres, ref: str = "CAD 4242/02DEC26") -> str:
        """Start a welfare call from the start page; the call's reference."""
        page = self.get("/toolkit/start/")
        assert page.status_code == 200, page.text[-2000:]
        data = self._hidden(page.text, "start-form")
        ((element,),) = cluster.query("SELECT id FROM policies_element WHERE slug = 'welfare'")
        data.update({"element": element, "caller_type": "public", "incident_ref": ref})
        response = self.post("/toolkit/start/", data)
        assert response.status_code == 302, response.text[-2000:]
        return str(response.headers["Location"]).rstrip("/").split("/")[-1]

    def answer_form(self, reference: str) -> dict[str, str]:
        """The question page's answer form as the browser holds it (step token, CSRF token...)."""
        page = self.get(f"/toolkit/calls/{reference}/")
        assert page.status_code == 200, page.text[-2000:]
        return self._hidden(page.text, "answer-form")

    def answer(self, reference: str, form: dict[str, str], value: str) -> Any:
        return self.post(f"/toolkit/calls/{reference}/answer/", {**form, "answer": value})


@pytest.fixture
def signed_in() -> Any:
    """signed_in(server): a call handler's browser, signed in on that server."""

    def make(server: Gunicorn) -> HandlerBrowser:
        browser = HandlerBrowser(server)
        browser.sign_in_handler()
        return browser

    return make


def answers_of(cluster: Postgres, reference: str) -> list[tuple[int, int, str, Any]]:
    """(sequence, position, question id, value) of every answer stored on the call."""
    return cluster.query(
        "SELECT a.sequence, a.position, a.question_id, a.value FROM toolkit_decisionanswer a "
        "JOIN toolkit_decision d ON d.id = a.decision_id WHERE d.reference = %s ORDER BY a.sequence",
        reference,
    )


def waiting_on_locks(cluster: Postgres) -> int:
    """How many of the app's database sessions are waiting for a lock."""
    ((count,),) = cluster.query(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'rcrp' AND wait_event_type = 'Lock' "
        "AND pid <> pg_backend_pid()"
    )
    return int(count)
