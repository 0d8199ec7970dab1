"""Fault tests' machinery: a PostgreSQL cluster of their own, gunicorn on the production settings,
and a call handler's browser made of `requests` (session cookie and CSRF token, as a browser sends).

Everything runs on 127.0.0.1 and is stopped by the fixtures themselves, with bounded timeouts.
The cluster is separate from the session's test database (tests/conftest.py): these tests stop and
start it. Without PostgreSQL binaries the process tests are skipped with the reason, unless
REQUIRE_POSTGRES=1, which makes that a failure.
"""

from __future__ import annotations

import glob
import html.parser
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_SCRIPT = ROOT / ".ci" / "pg_throwaway.sh"
BIN = Path(sys.executable).parent  # the virtual environment's bin (gunicorn lives beside python)
HANDLER = ("faulth1", "fault-handler-password-9")
START_TIMEOUT = 60.0  # gunicorn imports Django in each worker: slow on a busy machine
REQUEST_TIMEOUT = 20.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: starts real processes (PostgreSQL, gunicorn) and breaks them (tests/faults)"
    )


def pg_bin() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in re.findall(r"\d+", p)]
    )
    return Path(found[-1]) if found and (Path(found[-1]) / "initdb").exists() else None


def require_postgres() -> Path:
    """The PostgreSQL binaries, or skip (fail under REQUIRE_POSTGRES=1) saying why."""
    found = pg_bin()
    if found is None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("no PostgreSQL binaries under /usr/lib/postgresql and REQUIRE_POSTGRES=1")
        pytest.skip("no PostgreSQL binaries under /usr/lib/postgresql: fault tests need a real cluster")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Any, timeout: float, what: str, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# --- PostgreSQL -----------------------------------------------------------------------------------


class Cluster:
    """A throwaway cluster (.ci/pg_throwaway.sh) that a test can stop and start again."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        out = subprocess.run(
            [PG_SCRIPT, "start"], check=True, capture_output=True, text=True, timeout=60
        ).stdout
        env = dict(kv.split("=", 1) for kv in shlex.split(out.replace("export ", "")))
        self.dir = env["PGDATA_DIR"]
        self.port = int(env["PGPORT"])
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/rcrp"
        self.running = True

    def _pg_ctl(self, *args: str) -> None:
        run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*run_as, str(self.bindir / "pg_ctl"), "-D", f"{self.dir}/data", *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def stop(self) -> None:
        """pg_ctl stop -m fast: open connections are cut, as when the database server goes away."""
        self._pg_ctl("-m", "fast", "-w", "-t", "30", "stop")
        self.running = False

    def start(self) -> None:
        # The options .ci/pg_throwaway.sh starts it with, on the same port.
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._pg_ctl("-l", f"{self.dir}/server.log", "-w", "-t", "30", "start", "-o", options)
        self.running = True

    def connect(self, dbname: str = "rcrp", autocommit: bool = True) -> Any:
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=dbname,
            autocommit=autocommit,
            connect_timeout=10,
        )

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.connect() as conn:
            return conn.execute(sql, params).fetchall()

    def remove(self) -> None:
        subprocess.run([PG_SCRIPT, "stop", self.dir], check=False, capture_output=True, timeout=60)


@dataclass
class App:
    """The project on its own cluster, and the production environment variables gunicorn runs with."""

    cluster: Cluster
    env: dict[str, str]
    workdir: Path


@pytest.fixture(scope="session")
def fault_app() -> Iterator[App]:
    """A cluster of the fault tests' own, migrated and seeded, and the production environment."""
    bindir = require_postgres()
    cluster = Cluster(bindir)
    workdir = Path(tempfile.mkdtemp(prefix="rcrp-faults-"))
    try:
        with cluster.connect("postgres") as conn:
            conn.execute("CREATE DATABASE rcrp")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PG", "DATABASE_"))},
            "DJANGO_SETTINGS_MODULE": "tests.faults.prod_settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE": "0",
            "DATABASE_URL": cluster.url,
            "TRAINING_GATE_MODE": "off",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        app = App(cluster=cluster, env=env, workdir=workdir)
        subprocess.run(
            [sys.executable, "-m", "tests.faults.seed", *HANDLER],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield app
    finally:
        cluster.remove()
        subprocess.run(["rm", "-rf", str(workdir)], check=False)


@pytest.fixture
def cluster_running(fault_app: App) -> Iterator[Cluster]:
    """The cluster, up at the start of the test and again at its end whatever the test did."""
    if not fault_app.cluster.running:
        fault_app.cluster.start()
    yield fault_app.cluster
    if not fault_app.cluster.running:
        fault_app.cluster.start()


# --- gunicorn -------------------------------------------------------------------------------------


class Server:
    """`gunicorn rcrp.wsgi:application` with sync workers on a free port."""

    def __init__(self, app: App, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(app.workdir / f"gunicorn-{self.port}.log", "w+")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "rcrp.wsgi:application",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "3",
            ],
            cwd=ROOT,
            env=app.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(
                lambda: len(self.workers()) == workers and self._answers(), START_TIMEOUT, "gunicorn to serve"
            )
        except AssertionError as error:
            self.stop()
            raise AssertionError(f"{error}; its output:\n{self.output()[-3000:]}") from None

    def _answers(self) -> bool:
        import requests

        try:
            requests.get(self.url + "/healthz", timeout=2)
        except requests.RequestException:
            return False
        return True

    def workers(self) -> list[int]:
        """The worker processes' ids (the master's children)."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(c) for c in children]

    def output(self) -> str:
        with open(self.log.name) as log:
            return log.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def serve(cluster_running: Cluster, fault_app: App) -> Iterator[Any]:
    """serve(workers=1): gunicorn on the fault cluster, stopped at the end of the test."""
    servers: list[Server] = []

    def start(workers: int = 1) -> Server:
        server = Server(fault_app, workers)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# --- A handler's browser ----------------------------------------------------------------------------


class _Inputs(html.parser.HTMLParser):
    """The hidden inputs of the form with a given id (what the browser would send back)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        elif tag == "input" and self.inside and a.get("type") == "hidden" and a.get("name"):
            self.fields[a["name"] or ""] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def hidden_fields(page: str, form_id: str) -> dict[str, str]:
    parser = _Inputs(form_id)
    parser.feed(page)
    return parser.fields


@dataclass
class Browser:
    """A signed-in call handler: one `requests` session (cookies) against one server."""

    server: Server
    session: Any = field(default=None)

    def __post_init__(self) -> None:
        import requests

        self.session = requests.Session()

    def get(self, path: str) -> Any:
        return self.session.get(self.server.url + path, timeout=REQUEST_TIMEOUT, allow_redirects=False)

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self.session.post(
            self.server.url + path, data=data, timeout=REQUEST_TIMEOUT, allow_redirects=False
        )

    def sign_in(self) -> None:
        page = self.get("/accounts/login/")
        assert page.status_code == 200, page.status_code
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert csrf, "no CSRF token on the sign-in page"
        response = self.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": csrf.group(1), "username": HANDLER[0], "password": HANDLER[1]},
        )
        assert response.status_code == 302, response.text[-2000:]

    def start_call(self, cluster: Cluster, ref: str = "CAD 4242/02DEC26") -> str:
        """Start a welfare call from the start page; the call's reference."""
        page = self.get("/toolkit/start/")
        assert page.status_code == 200, page.text[-2000:]
        data = hidden_fields(page.text, "start-form")
        ((element,),) = cluster.query("SELECT id FROM policies_element WHERE slug = 'welfare'")
        data.update({"element": element, "caller_type": "public", "incident_ref": ref})
        response = self.post("/toolkit/start/", data)
        assert response.status_code == 302, response.text[-2000:]
        return response.headers["Location"].rstrip("/").split("/")[-1]

    def answer_form(self, reference: str) -> dict[str, str]:
        """The question page's answer form as the browser holds it (step token, CSRF token...)."""
        page = self.get(f"/toolkit/calls/{reference}/")
        assert page.status_code == 200, page.text[-2000:]
        return hidden_fields(page.text, "answer-form")

    def answer(self, reference: str, form: dict[str, str], value: str) -> Any:
        return self.post(f"/toolkit/calls/{reference}/answer/", {**form, "answer": value})


@pytest.fixture
def signed_in() -> Any:
    """signed_in(server): a call handler's browser, signed in on that server."""

    def make(server: Server) -> Browser:
        b = Browser(server)
        b.sign_in()
        return b

    return make


def answers_of(cluster: Cluster, reference: str) -> list[tuple[int, int, str, Any]]:
    """(sequence, position, question id, value) of every answer stored on the call."""
    return cluster.query(
        "SELECT a.sequence, a.position, a.question_id, a.value FROM toolkit_decisionanswer a "
        "JOIN toolkit_decision d ON d.id = a.decision_id WHERE d.reference = %s ORDER BY a.sequence",
        reference,
    )


def waiting_on_locks(cluster: Cluster) -> int:
    """How many of the app's database sessions are waiting for a lock."""
    ((count,),) = cluster.query(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'rcrp' AND wait_event_type = 'Lock' "
        "AND pid <> pg_backend_pid()"
    )
    return int(count)
