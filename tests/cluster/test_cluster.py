"""Beyond one machine, on real parts: PgBouncer, two app servers, a streaming replica, the jobs' lock.

One module-scoped deployment, all on 127.0.0.1 and all stopped by the fixtures themselves:

- a PostgreSQL primary (a copy of the migrated template, tests/_processes.py) and a streaming
  replica made from it with `pg_basebackup -R`;
- PgBouncer in transaction pooling mode in front of the primary;
- two gunicorn servers (`rcrp.wsgi:application`, production settings with collected static files,
  DATABASE_POOLER=pgbouncer, DATABASE_REPLICA_URL on the replica) on different ports.

The tests walk a call handler's journey over real HTTP alternating between the two servers request
by request, read a report from the replica (and see the call pages never touched it), and run the
every-minute jobs while "another server" holds their lock. Without PostgreSQL binaries or pgbouncer
the module is skipped saying why, unless REQUIRE_POSTGRES=1, which makes that a failure.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rcrp.jobs import job_key
from tests._processes import (
    AS_ROOT,
    ROOT,
    RUN_AS_POSTGRES,
    SLOW_TIMEOUT,
    Browser,
    Form,
    Gunicorn,
    MigratedTemplate,
    Postgres,
    connect,
    form_posting_to,
    free_port,
    hidden_fields,
    missing,
    names_of,
    postgres_workdir,
    production_env,
    remove,
    require_pg_bin,
    run,
    stop,
    stop_servers,
    wait_for,
)

PGBOUNCER = Path("/usr/sbin/pgbouncer")
PASSWORD = "cluster-test-password-31"
HANDLER, SUPERVISOR = "clusterh1", "clusters1"
INCIDENT = "CAD 3131/02DEC26"
NEEDED_FOR = "the cluster tests need real PostgreSQL and PgBouncer processes"


def _pg_bin() -> Path:
    bindir = require_pg_bin("initdb", "pg_ctl", "pg_basebackup", needed_for=NEEDED_FOR)
    if not PGBOUNCER.exists():
        missing(f"no pgbouncer at {PGBOUNCER} (apt-get install pgbouncer)", NEEDED_FOR)
    return bindir


@dataclass
class Deployment:
    primary: Postgres
    replica: Postgres
    bouncer_port: int
    servers: tuple[Gunicorn, Gunicorn]
    env: dict[str, str]  # the production environment the servers run with (through PgBouncer)
    seeded: dict[str, Any]
    workdir: Path

    def manage(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """Start `manage.py <args>` as another server's timer would (not waited for)."""
        return _background([sys.executable, "manage.py", *args], {**self.env, **env})

    def bouncer(self, **kwargs: Any) -> Any:
        """A connection through PgBouncer (no prepared statements: transaction pooling)."""
        return connect(self.bouncer_port, prepare_threshold=None, **kwargs)

    def replica_caught_up(self) -> None:
        ((lsn,),) = self.primary.query("SELECT pg_current_wal_lsn()::text")
        wait_for(
            lambda: self.replica.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn)[0][0],
            "the replica to replay the primary's writes",
        )


def _finish(cmd: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = cmd.communicate(timeout=120)
    return cmd.returncode, out, err


def _pgbouncer(workdir: Path, primary: Postgres) -> tuple[int, subprocess.Popen[bytes]]:
    """PgBouncer, transaction pooling, in front of the primary: its port and its process."""
    port = free_port()
    (workdir / "userlist.txt").write_text('"postgres" ""\n')
    (workdir / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"rcrp = host=127.0.0.1 port={primary.port} dbname=rcrp\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {workdir / 'userlist.txt'}\n"
        "pool_mode = transaction\n"
        "default_pool_size = 10\n"
        "max_client_conn = 100\n"
        "admin_users = postgres\n"
        f"logfile = {workdir / 'pgbouncer.log'}\n"
    )
    if AS_ROOT:  # it runs as postgres (-u), and reads these after dropping root
        for name in ("userlist.txt", "pgbouncer.ini"):
            shutil.chown(workdir / name, "postgres", "postgres")
    process = subprocess.Popen(
        [str(PGBOUNCER), *(["-u", "postgres"] if AS_ROOT else []), str(workdir / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return port, process


def _background(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """Started in the project's directory, its output kept for the test (not waited for)."""
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _finished(process: subprocess.Popen[str], what: str) -> str:
    """A background step's output, once it has succeeded."""
    out, err = process.communicate(timeout=SLOW_TIMEOUT)
    assert process.returncode == 0, f"{what} failed ({process.returncode}):\n{out}\n{err}"
    return out


@pytest.fixture(scope="module")
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """The steps that do not wait on each other overlap: collectstatic from the start, the seed
    while the replica is made from the primary and PgBouncer starts, gunicorn's boot (importing
    Django) with the seed's end. The database is a copy of the migrated template (MigratedTemplate)."""
    bindir = _pg_bin()
    workdir = postgres_workdir("rcrp-cluster-")
    started: list[Callable[[], None]] = []
    try:
        primary = Postgres(bindir, workdir / "primary")
        env = production_env("tests.cluster.prod_settings", CLUSTER_STATIC_ROOT=str(workdir / "static"))
        direct = {**env, "DATABASE_URL": primary.url}
        collect = _background(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], direct
        )
        started.append(lambda: stop(collect))

        MigratedTemplate(request.config, tmp_path_factory, bindir).copy_to(primary.data)
        primary.start()
        started.append(lambda: primary.stop(check=False))
        seed = _background(
            [sys.executable, "-m", "tests.cluster.seed", HANDLER, SUPERVISOR, PASSWORD, "1"], direct
        )
        started.append(lambda: stop(seed))

        # The replica: a base backup that writes its own standby settings (-R), then started. What
        # the seed writes meanwhile reaches it by streaming.
        replica = Postgres(bindir, workdir / "replica")
        run(
            [
                *RUN_AS_POSTGRES,
                str(bindir / "pg_basebackup"),
                *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
                *("-D", str(replica.data), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
            ]
        )
        replica.start()
        started.append(lambda: replica.stop(check=False))

        bouncer_port, bouncer = _pgbouncer(workdir, primary)
        started.append(lambda: stop(bouncer))

        served = {
            **env,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{bouncer_port}/rcrp",
            "DATABASE_POOLER": "pgbouncer",
            "DATABASE_REPLICA_URL": replica.url,
        }
        _finished(collect, "collectstatic")  # whitenoise indexes the static files when a worker starts
        servers = (Gunicorn(served, workdir / "gunicorn-a.log"), Gunicorn(served, workdir / "gunicorn-b.log"))
        started.append(lambda: stop_servers(servers))
        seeded = json.loads(_finished(seed, "the seed"))
        for server in servers:
            server.wait_ready()
        yield Deployment(primary, replica, bouncer_port, servers, served, seeded, workdir)
    finally:
        for stop_it in reversed(started):
            stop_it()
        remove(workdir)


def _location(response: Any) -> str:
    assert response.status_code == 302, (response.status_code, response.text[-3000:])
    return str(response.headers["Location"])


def _answer_post(form: Form, value: Any) -> dict[str, Any]:
    """What the question page's form sends for `value` (a scenario's answer), notes filled in."""
    data: dict[str, Any] = hidden_fields(form)
    notes = names_of(form, "textarea")
    if isinstance(value, dict):  # a checklist of language 2: each item's state
        data.update({f"state_{item}": state for item, state in value.items()})
    else:
        data["answer"] = value
    for chosen in value if isinstance(value, list) else [value]:
        if isinstance(chosen, str) and f"note_{chosen}" in notes:
            data[f"note_{chosen}"] = "Caller said so (cluster test)"
    if "note" in notes:
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
    browser = Browser(*deployment.servers)
    browser.sign_in(HANDLER, PASSWORD)

    page = browser.get("/toolkit/start/")
    assert page.status_code == 200, page.text[-2000:]
    start = form_posting_to(page.text, "/toolkit/start/")
    assert start, "no start form"
    data = {
        **hidden_fields(start),
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
        question = form.value("question_id")
        assert question in answers, f"scenario {name!r} has no answer for {question!r}"
        given.append((question, answers[question]))
        location = _location(
            browser.post(f"/toolkit/calls/{reference}/answer/", _answer_post(form, answers[question]))
        )
    else:
        raise AssertionError("the call never reached an outcome")

    complete = form_posting_to(page.text, "/complete/")
    assert complete, f"no outcome page with a complete form:\n{page.text[-3000:]}"
    data = hidden_fields(complete)
    for box in names_of(complete, "checkbox"):
        data[box] = complete.choices(box)[0]  # "caller told", "before the supervisor answered"
    for radio in names_of(complete, "radio"):
        data[radio] = complete.choices(radio)[0]  # a safeguarding referral offered: made
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
    browser = Browser(*deployment.servers)
    browser.sign_in(SUPERVISOR, PASSWORD)
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
    wait_for(
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
        # Both ways in: straight to PostgreSQL (a session lock) and through PgBouncer (in a
        # transaction), at once: neither can take the lock the test holds, whatever the other does.
        runs = [deployment.manage("toolkit_housekeeping", **env) for env in (direct, {})]
        for code, out, err in [_finish(run) for run in runs]:
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
