"""Beyond one machine, on real parts: PgBouncer, two app servers, a streaming replica, the jobs' lock.

One module-scoped deployment, all on 127.0.0.1 and all stopped by the fixtures themselves:

- a PostgreSQL primary (initdb) and a streaming replica made from it with `pg_basebackup -R`;
- PgBouncer in transaction pooling mode in front of the primary;
- two gunicorn servers (`rcrp.wsgi`, production settings, DATABASE_POOLER=pgbouncer,
  DATABASE_REPLICA_URL on the replica) on different ports.

The tests walk a call handler's journey over real HTTP alternating between the two servers request
by request, read a report from the replica (and see the call pages never touched it), and run the
every-minute jobs while "another server" holds their lock. Without PostgreSQL binaries or pgbouncer
the module is skipped saying why, unless REQUIRE_POSTGRES=1, which makes that a failure.
"""

from __future__ import annotations

import csv
import glob
import html.parser
import io
import itertools
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from rcrp.jobs import job_key

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the virtual environment's bin: gunicorn lives beside python
PGBOUNCER = Path("/usr/sbin/pgbouncer")
PASSWORD = "cluster-test-password-31"
HANDLER, SUPERVISOR = "clusterh1", "clusters1"
INCIDENT = "CAD 3131/02DEC26"
TIMEOUT = 30.0  # starting anything, waiting for anything
REQUEST_TIMEOUT = 20.0
SLOW_TIMEOUT = 300.0  # migrate and collectstatic, on a machine shared with other test runs
AS_ROOT = os.geteuid() == 0
RUN_AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if AS_ROOT else []


# --- what the machine must have ---------------------------------------------------------------


def _missing(reason: str) -> None:
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} and REQUIRE_POSTGRES=1")
    pytest.skip(f"{reason}: the cluster tests need real PostgreSQL and PgBouncer processes")


def _pg_bin() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in re.findall(r"\d+", p)]
    )
    if not found or not (Path(found[-1]) / "pg_basebackup").exists():
        _missing("no PostgreSQL binaries (initdb, pg_basebackup) under /usr/lib/postgresql")
    if not PGBOUNCER.exists():
        _missing(f"no pgbouncer at {PGBOUNCER} (apt-get install pgbouncer)")
    return Path(found[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(condition: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=kwargs.pop("timeout", 120), **kwargs)
    assert result.returncode == 0, (
        f"{cmd[:3]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result


def _stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM to the process group we started (start_new_session), then SIGKILL after 10 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- the parts -----------------------------------------------------------------------------------


@dataclass
class Postgres:
    """One PostgreSQL server (primary or replica) in its own data directory."""

    bindir: Path
    data: Path
    port: int = field(default_factory=_free_port)

    def pg_ctl(self, *args: str) -> None:
        _run([*RUN_AS_POSTGRES, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args], timeout=60)

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data.parent} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c timezone=UTC"
        )
        self.pg_ctl("-l", f"{self.data}.log", "-w", "-t", "30", "start", "-o", options)

    def stop(self) -> None:
        subprocess.run(
            [*RUN_AS_POSTGRES, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )

    def connect(self, dbname: str = "rcrp", **kwargs: Any) -> Any:
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, connect_timeout=10, **kwargs
        )

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.connect(autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/rcrp"


class Server:
    """`gunicorn rcrp.wsgi` (one sync worker) on a port of its own."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"gunicorn-{name}.log"
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "rcrp.wsgi",
                    "--workers",
                    "1",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "3",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def answers(self) -> bool:
        import requests

        assert self.process.poll() is None, self.output()
        try:
            return requests.get(self.url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def output(self) -> str:
        return self.log_path.read_text()


@dataclass
class Deployment:
    primary: Postgres
    replica: Postgres
    bouncer_port: int
    servers: tuple[Server, Server]
    env: dict[str, str]  # the production environment the servers run with (through PgBouncer)
    seeded: dict[str, Any]
    workdir: Path

    def manage(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """Start `manage.py <args>` as another server's timer would (not waited for)."""
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def bouncer(self, **kwargs: Any) -> Any:
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.bouncer_port,
            user="postgres",
            dbname="rcrp",
            connect_timeout=10,
            prepare_threshold=None,
            **kwargs,
        )

    def replica_caught_up(self) -> None:
        ((lsn,),) = self.primary.query("SELECT pg_current_wal_lsn()::text")
        _wait_for(
            lambda: self.replica.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn)[0][0],
            "the replica to replay the primary's writes",
        )


def _finish(cmd: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = cmd.communicate(timeout=120)
    return cmd.returncode, out, err


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    bindir = _pg_bin()
    workdir = Path(tempfile.mkdtemp(prefix="rcrp-cluster-"))
    started: list[Callable[[], None]] = []
    try:
        if AS_ROOT:
            subprocess.run(["chown", "postgres:postgres", str(workdir)], check=True, timeout=10)
        primary = Postgres(bindir, workdir / "primary")
        _run(
            [
                *RUN_AS_POSTGRES,
                str(bindir / "initdb"),
                "-D",
                str(primary.data),
                "-U",
                "postgres",
                "-A",
                "trust",  # loopback only; its pg_hba.conf allows replication from 127.0.0.1 too
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
        primary.start()
        started.append(primary.stop)
        with primary.connect("postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE rcrp")

        # The replica: a base backup that writes its own standby settings (-R), then started.
        replica = Postgres(bindir, workdir / "replica")
        _run(
            [
                *RUN_AS_POSTGRES,
                str(bindir / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(replica.data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ]
        )
        replica.start()
        started.append(replica.stop)

        # PgBouncer, transaction pooling, in front of the primary.
        bouncer_port = _free_port()
        (workdir / "userlist.txt").write_text('"postgres" ""\n')
        (workdir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"rcrp = host=127.0.0.1 port={primary.port} dbname=rcrp\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {bouncer_port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {workdir / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            "default_pool_size = 10\n"
            "max_client_conn = 100\n"
            "admin_users = postgres\n"
            f"logfile = {workdir / 'pgbouncer.log'}\n"
        )
        if AS_ROOT:
            subprocess.run(["chown", "-R", "postgres:postgres", str(workdir)], check=True, timeout=10)
        bouncer = subprocess.Popen(
            [str(PGBOUNCER), *(["-u", "postgres"] if AS_ROOT else []), str(workdir / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(lambda: _stop(bouncer))

        base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PG", "DATABASE_"))}
        env = {
            **base,
            "DJANGO_SETTINGS_MODULE": "tests.cluster.prod_settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE": "0",  # plain http on loopback: no HTTPS redirect, no Secure-only cookies
            "CLUSTER_STATIC_ROOT": str(workdir / "static"),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        direct = {**env, "DATABASE_URL": primary.url}
        collect = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=direct,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        started.append(lambda: _stop(collect))
        migrate = [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"]
        _run(migrate, cwd=ROOT, env=direct, timeout=SLOW_TIMEOUT)
        seeded = json.loads(
            _run(
                [sys.executable, "-m", "tests.cluster.seed", HANDLER, SUPERVISOR, PASSWORD, "1"],
                cwd=ROOT,
                env=direct,
            ).stdout
        )
        assert collect.wait(timeout=SLOW_TIMEOUT) == 0, collect.stderr.read() if collect.stderr else ""

        served = {
            **env,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{bouncer_port}/rcrp",
            "DATABASE_POOLER": "pgbouncer",
            "DATABASE_REPLICA_URL": replica.url,
        }
        servers = (Server(served, workdir, "a"), Server(served, workdir, "b"))
        for server in servers:
            started.append(lambda s=server: _stop(s.process))
        for server in servers:
            _wait_for(server.answers, f"gunicorn on {server.url}")
        yield Deployment(primary, replica, bouncer_port, servers, served, seeded, workdir)
    finally:
        for stop in reversed(started):
            stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


# --- a browser made of requests ----------------------------------------------------------------


class _Forms(html.parser.HTMLParser):
    """Every form of a page: its action, and its fields as a browser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.by_id: dict[str, dict[str, Any]] = {}
        self.current: dict[str, Any] | None = None

    def _new(self) -> dict[str, Any]:
        return {"action": "", "hidden": {}, "radios": {}, "checkboxes": {}, "texts": [], "textareas": []}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = {**self._new(), "action": a.get("action", "")}
            self.forms.append(self.current)
            if a.get("id"):
                self.by_id[a["id"]] = self.current
            return
        # Inputs outside their form but naming it (form="start-form") belong to it, as in a browser.
        target = self.by_id.get(a["form"]) if a.get("form") else self.current
        if target is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind == "hidden":
                target["hidden"][name] = a.get("value", "")
            elif kind == "radio":
                target["radios"].setdefault(name, []).append(a.get("value", ""))
            elif kind == "checkbox":
                target["checkboxes"].setdefault(name, []).append(a.get("value", ""))
            elif kind == "text":
                target["texts"].append(name)
        elif tag == "textarea":
            target["textareas"].append(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


def forms_of(page: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def form_posting_to(page: str, suffix: str) -> dict[str, Any] | None:
    return next((f for f in forms_of(page) if f["action"].endswith(suffix)), None)


class Browser:
    """One browser (one cookie jar) sending each request to the next server in turn."""

    def __init__(self, servers: tuple[Server, ...]) -> None:
        import requests

        self.session = requests.Session()
        self.servers = servers
        self.sent = 0
        self.hits: list[int] = []  # which server answered each request

    def _next(self) -> str:
        index = self.sent % len(self.servers)
        self.sent += 1
        self.hits.append(index)
        return self.servers[index].url

    def get(self, path: str) -> Any:
        return self.session.get(self._next() + path, timeout=REQUEST_TIMEOUT, allow_redirects=False)

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self.session.post(
            self._next() + path, data=data, timeout=REQUEST_TIMEOUT, allow_redirects=False
        )

    def sign_in(self, staff_number: str) -> None:
        page = self.get("/accounts/login/")
        assert page.status_code == 200, page.status_code
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, "no CSRF token on the sign-in page"
        response = self.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token.group(1), "username": staff_number, "password": PASSWORD},
        )
        assert response.status_code == 302, response.text[-2000:]


def _location(response: Any) -> str:
    assert response.status_code == 302, (response.status_code, response.text[-3000:])
    return str(response.headers["Location"])


def _answer_post(form: dict[str, Any], value: Any) -> dict[str, Any]:
    """What the question page's form sends for `value` (a scenario's answer), notes filled in."""
    data: dict[str, Any] = dict(form["hidden"])
    if isinstance(value, dict):  # a checklist of language 2: each item's state
        data.update({f"state_{item}": state for item, state in value.items()})
    else:
        data["answer"] = value
    for chosen in value if isinstance(value, list) else [value]:
        if isinstance(chosen, str) and f"note_{chosen}" in form["textareas"]:
            data[f"note_{chosen}"] = "Caller said so (cluster test)"
    if "note" in form["textareas"]:
        data["note"] = "Caller said so (cluster test)"
    return data


def _scenario(deployment: Deployment) -> tuple[str, dict[str, Any], str]:
    """The welfare scenario with the most answers that a member of the public calls about."""
    rows = deployment.primary.query(
        "SELECT name, answers, expected_outcome FROM policies_policyscenario "
        "WHERE element_id = %s AND caller_type IN ('', 'public') AND facts = '{}'::jsonb "
        "ORDER BY (SELECT count(*) FROM jsonb_object_keys(answers)) DESC, name LIMIT 1",
        deployment.seeded["welfare_element"],
    )
    assert rows, "no welfare scenario to walk"
    name, answers, outcome = rows[0]
    return name, answers, outcome


# --- 1. PgBouncer and two app servers ------------------------------------------------------------


@pytest.fixture(scope="module")
def journey(deployment: Deployment) -> dict[str, Any]:
    """A call handler's call from sign-in to completion, each request to the other server."""
    name, answers, expected_outcome = _scenario(deployment)
    browser = Browser(deployment.servers)
    browser.sign_in(HANDLER)

    page = browser.get("/toolkit/start/")
    assert page.status_code == 200, page.text[-2000:]
    start = form_posting_to(page.text, "/toolkit/start/")
    assert start, "no start form"
    data = {
        **start["hidden"],
        "element": deployment.seeded["welfare_element"],
        "caller_type": "public",
        "incident_ref": INCIDENT,
    }
    location = _location(browser.post("/toolkit/start/", data))
    reference = location.rstrip("/").split("/")[-1]

    given: list[tuple[str, Any]] = []
    for _ in range(40):
        page = browser.get(location)
        assert page.status_code == 200, page.text[-2000:]
        form = form_posting_to(page.text, "/answer/")
        if form is None:
            break
        question = form["hidden"]["question_id"]
        assert question in answers, f"scenario {name!r} has no answer for {question!r}"
        given.append((question, answers[question]))
        location = _location(
            browser.post(f"/toolkit/calls/{reference}/answer/", _answer_post(form, answers[question]))
        )
    else:
        raise AssertionError("the call never reached an outcome")

    complete = form_posting_to(page.text, "/complete/")
    assert complete, f"no outcome page with a complete form:\n{page.text[-3000:]}"
    data = dict(complete["hidden"])
    for box in complete["checkboxes"]:
        data[box] = complete["checkboxes"][box][0]  # "caller told", "before the supervisor answered"
    for radio, values in complete["radios"].items():
        data[radio] = values[0]  # a safeguarding referral offered: made
    decision_page = _location(browser.post(f"/toolkit/calls/{reference}/complete/", data))
    shown = browser.get(decision_page)
    assert shown.status_code == 200, shown.text[-2000:]
    return {
        "reference": reference,
        "given": given,
        "expected_outcome": expected_outcome,
        "hits": browser.hits,
        "replica_clients_after": _app_clients(deployment.replica),
    }


def _app_clients(server: Postgres) -> list[tuple[Any, ...]]:
    """The app's sessions on a server (not ours, not walsenders): (state, last query)."""
    return server.query(
        "SELECT state, query FROM pg_stat_activity WHERE datname = 'rcrp' "
        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )


def test_a_call_alternating_between_two_servers_through_pgbouncer_loses_nothing(
    deployment: Deployment, journey: dict[str, Any]
) -> None:
    hits = journey["hits"]
    assert len(journey["given"]) >= 5, journey["given"]  # a real walk, not a one-question call
    assert len(hits) >= 10
    assert all(a != b for a, b in itertools.pairwise(hits)), "each request went to the other server"
    (decision,) = deployment.primary.query(
        "SELECT id, status, policy_version_id, content_hash, outcome_id, incident_ref FROM toolkit_decision "
        "WHERE reference = %s",
        journey["reference"],
    )
    pk, status, version, content_hash, outcome, incident = decision
    assert status == "completed"
    assert incident == INCIDENT
    # Pinned to the version that was live when the call started, and its content.
    assert version == deployment.seeded["welfare_version"]
    assert content_hash == deployment.seeded["welfare_hash"]
    if journey["expected_outcome"]:
        assert outcome == journey["expected_outcome"]
    stored = deployment.primary.query(
        "SELECT sequence, position, question_id, value FROM toolkit_decisionanswer WHERE decision_id = %s "
        "ORDER BY sequence",
        pk,
    )
    # Every answer once, in the order given, at consecutive positions.
    assert [(question, value) for _seq, _pos, question, value in stored] == journey["given"]
    assert [seq for seq, *_ in stored] == sorted({seq for seq, *_ in stored})
    positions = [pos for _seq, pos, *_ in stored]
    assert positions == list(range(positions[0], positions[0] + len(stored)))
    # The servers' connections went through PgBouncer (it logs each client's login).
    assert "login attempt: db=rcrp user=postgres" in (deployment.workdir / "pgbouncer.log").read_text()


def test_the_call_pages_never_touched_the_replica(journey: dict[str, Any]) -> None:
    assert journey["replica_clients_after"] == []


# --- 2. The streaming replica for reporting ------------------------------------------------------


def test_the_replica_is_a_read_only_streaming_standby(deployment: Deployment) -> None:
    import psycopg

    assert deployment.replica.query("SELECT pg_is_in_recovery()") == [(True,)]
    assert deployment.primary.query("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == [
        (1,)
    ]
    with (
        deployment.replica.connect(autocommit=True) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("UPDATE toolkit_decision SET incident_ref = incident_ref")


def test_the_decision_log_and_its_export_read_from_the_replica(
    deployment: Deployment, journey: dict[str, Any]
) -> None:
    assert _app_clients(deployment.replica) == []  # nothing read there yet (the call pages did not)
    deployment.replica_caught_up()
    browser = Browser(deployment.servers)
    browser.sign_in(SUPERVISOR)
    exports_before = deployment.primary.query(
        "SELECT count(*) FROM toolkit_decisionaccess WHERE kind = 'export'"
    )

    page = browser.get("/toolkit/decisions/")
    assert page.status_code == 200, page.text[-2000:]
    assert INCIDENT in page.text
    clients = _app_clients(deployment.replica)
    assert clients, "the decision log read nothing from the replica"
    assert all(query.lstrip().upper().startswith(("SELECT", "SET", "SHOW")) for _state, query in clients), (
        clients
    )

    export = browser.get("/toolkit/decisions/export.csv")
    assert export.status_code == 200, export.text[-2000:]
    rows = list(csv.reader(io.StringIO(export.text)))
    assert any(journey["reference"] in row for row in rows), rows[:3]
    # The export's own write, the access-log row, went to the primary (the replica cannot write).
    exports_after = deployment.primary.query(
        "SELECT count(*) FROM toolkit_decisionaccess WHERE kind = 'export'"
    )
    assert exports_after[0][0] == exports_before[0][0] + 1
    # The decision was written on the primary only, and reached the replica by streaming.
    assert deployment.replica.query(
        "SELECT count(*) FROM toolkit_decision WHERE reference = %s", journey["reference"]
    ) == [(1,)]
    for server in deployment.servers:
        assert "Traceback" not in server.output(), server.output()[-3000:]


# --- 3. The every-minute jobs run once across servers ---------------------------------------------


def _scheduled_status(deployment: Deployment) -> str:
    ((status,),) = deployment.primary.query(
        "SELECT status FROM policies_policyversion WHERE id = %s", deployment.seeded["scheduled_version"]
    )
    return str(status)


def test_publish_due_policies_stands_down_while_another_server_runs_it(deployment: Deployment) -> None:
    _wait_for(
        lambda: deployment.primary.query(
            "SELECT effective_from <= now() FROM policies_policyversion WHERE id = %s",
            deployment.seeded["scheduled_version"],
        )[0][0],
        "the scheduled version to fall due",
    )
    # Another server's run, through PgBouncer, holds the job's lock in its transaction.
    with deployment.bouncer() as other:
        assert other.execute(
            "SELECT pg_try_advisory_xact_lock(%s)", [job_key("publish_due_policies")]
        ).fetchone()[0]
        code, out, err = _finish(deployment.manage("publish_due_policies"))
        assert code == 0, err
        assert out.strip() == "Skipped: another server is running publish_due_policies now."
        assert _scheduled_status(deployment) == "approved"  # nothing was published by this run
        other.rollback()
    # Two servers' timers fire at once: the version is published exactly once, by one of them.
    runs = [deployment.manage("publish_due_policies") for _ in range(2)]
    results = [_finish(run) for run in runs]
    assert [code for code, _out, _err in results] == [0, 0], results
    outputs = sorted(out.strip() for _code, out, _err in results)
    published = [out for out in outputs if out == "awol v1: published"]
    assert len(published) == 1, outputs
    assert outputs[0] in {"Nothing due.", "Skipped: another server is running publish_due_policies now."}
    assert _scheduled_status(deployment) == "published"


def test_housekeeping_stands_down_while_another_server_holds_its_lock(deployment: Deployment) -> None:
    direct = {"DATABASE_URL": deployment.primary.url, "DATABASE_POOLER": "", "DATABASE_REPLICA_URL": ""}
    key = job_key("toolkit_housekeeping")
    with deployment.primary.connect(autocommit=True) as other:
        assert other.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]
        # Both ways in: straight to PostgreSQL (a session lock) and through PgBouncer (in a transaction).
        for env in (direct, {}):
            code, out, err = _finish(deployment.manage("toolkit_housekeeping", **env))
            assert code == 0, err
            assert out.strip() == "Skipped: another server is running toolkit_housekeeping now."
        other.execute("SELECT pg_advisory_unlock(%s)", [key])
    code, out, err = _finish(deployment.manage("toolkit_housekeeping", **direct))
    assert code == 0, err
    assert out.startswith("s136 handovers overdue: "), out
    # The lock was released when the run ended: nobody holds it now.
    with deployment.primary.connect(autocommit=True) as probe:
        assert probe.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]
        probe.execute("SELECT pg_advisory_unlock(%s)", [key])
