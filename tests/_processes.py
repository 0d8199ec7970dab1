"""Real processes for the multi-process tests (tests/cluster, tests/faults): PostgreSQL servers of
their own, gunicorn on the production settings, and a browser made of `requests`.

Everything listens on 127.0.0.1 and every wait is bounded. The free port and the PostgreSQL
binaries come from bench/_common.py and the form reader from bench/_journey.py (bench never imports
from tests), so each exists once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench._common import free_port, pg_bin
from bench._journey import Form, form_where, parse_forms

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the virtual environment's bin: gunicorn lives beside python
AS_ROOT = os.geteuid() == 0
RUN_AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if AS_ROOT else []
TIMEOUT = 30.0  # starting anything, waiting for anything
REQUEST_TIMEOUT = 20.0
SLOW_TIMEOUT = 300.0  # migrate and collectstatic, on a machine shared with other test runs
# The environment a test's server or command must not inherit from the test run itself.
_NOT_INHERITED = ("DJANGO_", "PG", "DATABASE_")


# --- Waiting, running, stopping ----------------------------------------------------------------


def missing(reason: str, needed_for: str) -> None:
    """Skip saying why, or fail under REQUIRE_POSTGRES=1 (CI must not skip these silently)."""
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} and REQUIRE_POSTGRES=1")
    pytest.skip(f"{reason}: {needed_for}")


def require_pg_bin(*binaries: str, needed_for: str) -> Path:
    """The newest PostgreSQL's bin directory, if it has every one of `binaries`; or skip."""
    found = pg_bin()
    if found is None or not all((found / name).exists() for name in binaries):
        missing(f"no PostgreSQL binaries ({', '.join(binaries)}) under /usr/lib/postgresql", needed_for)
    assert found is not None
    return found


def wait_for(
    condition: Callable[[], Any], what: str, timeout: float = TIMEOUT, interval: float = 0.05
) -> Any:
    """Poll `condition` until it returns something true (and return that), or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def run(cmd: list[str], timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run to completion; a failure shows the command's output."""
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)
    assert result.returncode == 0, (
        f"{cmd[:3]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result


def stop(*processes: subprocess.Popen[Any]) -> None:
    """SIGTERM to each process group we started (start_new_session), then SIGKILL after 10 s.
    All are signalled before any is waited for, so their shutdowns overlap."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        _signal_group(process, signal.SIGTERM)
    for process in running:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=10)


def _signal_group(process: subprocess.Popen[Any], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended between poll() and the signal
        os.killpg(process.pid, signum)


def production_env(settings_module: str, **extra: str) -> dict[str, str]:
    """The environment a production server runs with (DEBUG off, a fresh secret, plain http on
    loopback), without the test run's own Django and database settings."""
    import secrets

    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(_NOT_INHERITED)},
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE": "0",  # plain http on loopback: no HTTPS redirect, no Secure-only cookies
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def postgres_workdir(prefix: str) -> Path:
    """A temporary directory the PostgreSQL processes (run as postgres when we are root) can use."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    if AS_ROOT:
        shutil.chown(workdir, "postgres", "postgres")
    return workdir


def remove(path: Path) -> None:
    subprocess.run(["rm", "-rf", str(path)], check=False, timeout=60)


# --- PostgreSQL ------------------------------------------------------------------------------------


def connect(port: int, dbname: str = "rcrp", **kwargs: Any) -> Any:
    """A psycopg connection as postgres to 127.0.0.1:`port` (a server of ours, or PgBouncer)."""
    import psycopg

    return psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname=dbname, connect_timeout=10, **kwargs
    )


@dataclass
class Postgres:
    """One PostgreSQL server in its own data directory (a primary, a replica, a fault test's)."""

    bindir: Path
    data: Path
    port: int = field(default_factory=free_port)
    max_connections: int = 100
    running: bool = False

    def initdb(self) -> None:
        run(
            [
                *RUN_AS_POSTGRES,
                str(self.bindir / "initdb"),
                *("-D", str(self.data), "-U", "postgres"),
                *("-A", "trust"),  # loopback only; its pg_hba.conf allows replication from 127.0.0.1 too
                *("-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
            ]
        )

    def pg_ctl(self, *args: str, check: bool = True) -> None:
        cmd = [*RUN_AS_POSTGRES, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]
        if check:
            run(cmd, timeout=60)
        else:
            subprocess.run(cmd, capture_output=True, timeout=60, check=False)

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data.parent} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c timezone=UTC "
            f"-c max_connections={self.max_connections}"
        )
        self.pg_ctl("-l", f"{self.data}.log", "-w", "-t", "30", "start", "-o", options)
        self.running = True

    def stop(self, *, check: bool = True) -> None:
        """pg_ctl stop -m fast: open connections are cut, as when the database server goes away."""
        self.pg_ctl("-m", "fast", "-w", "-t", "30", "stop", check=check)
        self.running = False

    def connect(self, dbname: str = "rcrp", **kwargs: Any) -> Any:
        return connect(self.port, dbname, **kwargs)

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.connect(autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/rcrp"


class MigratedTemplate:
    """A stopped cluster's data directory with the project's database `rcrp` migrated, built once
    and copied for each test module that needs one. Migrating takes 15 s or more on a busy machine
    and is the same for every module; copying the data directory (about 50 MB) takes about a second.

    Under xdist the workers of one run share it (a file lock in the run's base temporary directory
    decides who builds it), so the cluster and the fault tests migrate once between them. It is
    removed when the pytest process that built it ends; a module starting after that builds it again.
    """

    NAME = "rcrp-migrated-pgdata"

    def __init__(self, config: pytest.Config, tmp_path_factory: pytest.TempPathFactory, bindir: Path) -> None:
        base = tmp_path_factory.getbasetemp()
        # An xdist worker's base directory is one per worker inside the run's: share the run's.
        self.root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
        self.config = config
        self.bindir = bindir
        self.data = self.root / self.NAME

    def _locked(self) -> Any:
        lock = (self.root / f"{self.NAME}.lock").open("w")
        fcntl.flock(lock, fcntl.LOCK_EX)
        return lock

    def copy_to(self, data: Path) -> None:
        """Make `data` a copy of the migrated cluster (owner and permissions kept)."""
        with self._locked():
            if not (self.data / "PG_VERSION").exists():
                self._build()
                self.config.add_cleanup(self._remove)
            run(["cp", "-a", str(self.data), str(data)], timeout=60)

    def _build(self) -> None:
        # Built where the postgres user may run it (the base temporary directory is private to us),
        # then moved in, stopped.
        workdir = postgres_workdir("rcrp-template-")
        try:
            server = Postgres(self.bindir, workdir / "data")
            server.initdb()
            server.start()
            try:
                with server.connect("postgres", autocommit=True) as conn:
                    conn.execute("CREATE DATABASE rcrp")
                migrate = [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"]
                env = production_env("rcrp.settings", DATABASE_URL=server.url)
                run(migrate, cwd=ROOT, env=env, timeout=SLOW_TIMEOUT)
            finally:
                server.stop(check=False)
            shutil.move(str(server.data), str(self.data))
        finally:
            remove(workdir)

    def _remove(self) -> None:
        with self._locked():
            remove(self.data)


# --- gunicorn ---------------------------------------------------------------------------------------


class Gunicorn:
    """`gunicorn rcrp.wsgi:application` with sync workers on a port of its own, as production runs
    it (no --preload: each worker imports Django, also one started after a worker died)."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.expected_workers = workers
        with log_path.open("w") as log:
            self.process = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "rcrp.wsgi:application",
                    *("--workers", str(workers), "--worker-class", "sync"),
                    *("--bind", f"127.0.0.1:{self.port}"),
                    *("--timeout", "30", "--graceful-timeout", "3"),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def answers(self) -> bool:
        """/healthz answers 200 (the server is up and reaches its database)."""
        import requests

        assert self.process.poll() is None, self.output()[-3000:]
        try:
            return requests.get(self.url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def workers(self) -> list[int]:
        """The worker processes' ids (the master's children)."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(c) for c in children]

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Every worker started and the app answering (each worker imports Django: slow when busy)."""
        try:
            wait_for(
                lambda: len(self.workers()) == self.expected_workers and self.answers(),
                f"gunicorn on {self.url}",
                timeout,
            )
        except AssertionError as error:
            raise AssertionError(f"{error}; its output:\n{self.output()[-3000:]}") from None

    def output(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        stop(self.process)


def stop_servers(servers: Iterable[Gunicorn]) -> None:
    stop(*(server.process for server in servers))


# --- A browser made of requests ------------------------------------------------------------------------


def form_posting_to(page: str, suffix: str) -> Form | None:
    return form_where(parse_forms(page), lambda f: f.action.endswith(suffix))


def form_with_id(page: str, form_id: str) -> Form | None:
    return form_where(parse_forms(page), lambda f: f.id == form_id)


def hidden_fields(form: Form) -> dict[str, str]:
    """The form's hidden inputs (step token, CSRF token...): what the browser sends back untouched."""
    return {i["name"]: i["value"] for i in form.inputs if i["type"] == "hidden" and i.get("name")}


def names_of(form: Form, *kinds: str) -> list[str]:
    """The names of the form's fields of these kinds ("textarea", "checkbox"...), in page order."""
    return list(dict.fromkeys(i["name"] for i in form.inputs if i["type"] in kinds and i.get("name")))


class Browser:
    """One browser (one cookie jar) sending each request to the next of its servers in turn."""

    def __init__(self, *servers: Gunicorn) -> None:
        import requests

        self.session = requests.Session()
        self.servers = servers
        self.hits: list[int] = []  # which server answered each request

    def _next(self) -> str:
        index = len(self.hits) % len(self.servers)
        self.hits.append(index)
        return self.servers[index].url

    def get(self, path: str) -> Any:
        return self.session.get(self._next() + path, timeout=REQUEST_TIMEOUT, allow_redirects=False)

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self.session.post(
            self._next() + path, data=data, timeout=REQUEST_TIMEOUT, allow_redirects=False
        )

    def sign_in(self, username: str, password: str) -> None:
        """The sign-in form, as a person fills it in (its CSRF token sent back)."""
        page = self.get("/accounts/login/")
        assert page.status_code == 200, page.status_code
        form = form_where(parse_forms(page.text), lambda f: "username" in f.names())
        assert form, "no sign-in form"
        assert form.value("csrfmiddlewaretoken"), "no CSRF token on the sign-in page"
        response = self.post(
            form.action or "/accounts/login/",
            {**hidden_fields(form), "username": username, "password": password},
        )
        assert response.status_code == 302, response.text[-2000:]
