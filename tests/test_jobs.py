"""rcrp/jobs.py: the every-minute jobs run once across servers (a PostgreSQL advisory lock per job).

On PostgreSQL a second connection plays "another server" holding the lock; on SQLite the jobs run
unlocked. tests/cluster/test_cluster.py runs the commands as separate processes, through PgBouncer
too.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from rcrp.jobs import job_key, single_run

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's"
)


def test_each_job_has_its_own_fixed_64_bit_key() -> None:
    keys = {job_key(name) for name in ("publish_due_policies", "toolkit_housekeeping")}
    assert len(keys) == 2
    assert all(-(2**63) <= key < 2**63 for key in keys)
    assert job_key("toolkit_housekeeping") == job_key("toolkit_housekeeping")


@pytest.fixture
def other_server(db: None) -> Iterator[Any]:
    """hold(name): another server's session, holding the job's lock until the test ends."""
    other = connection.copy()

    def hold(name: str) -> None:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [job_key(name)])
            assert cursor.fetchone()[0]

    yield hold
    other.close()  # ends the session, and with it its locks


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only")
@pytest.mark.django_db
def test_on_sqlite_the_jobs_run_unlocked() -> None:
    with single_run("toolkit_housekeeping") as ours, single_run("toolkit_housekeeping") as again:
        assert ours
        assert again


@postgres_only
@pytest.mark.parametrize("pooler", ["", "pgbouncer"])
def test_one_run_at_a_time_holds_the_lock(other_server: Any, pooler: str) -> None:
    with override_settings(DATABASE_POOLER=pooler):
        with single_run("toolkit_housekeeping") as first:
            assert first
            with single_run("toolkit_housekeeping") as second:
                assert not second
            with single_run("publish_due_policies") as other_job:
                assert other_job  # a lock per job
        with single_run("toolkit_housekeeping") as after:
            assert after  # released when the run ended


@postgres_only
@pytest.mark.parametrize("pooler", ["", "pgbouncer"])
def test_a_run_stands_down_while_another_server_holds_the_lock(other_server: Any, pooler: str) -> None:
    other_server("toolkit_housekeeping")
    with override_settings(DATABASE_POOLER=pooler), single_run("toolkit_housekeeping") as ours:
        assert not ours


@postgres_only
@pytest.mark.parametrize(
    ("command", "work"),
    [("publish_due_policies", "Nothing due."), ("toolkit_housekeeping", "s136 handovers overdue: 0")],
)
def test_the_commands_exit_quietly_when_another_server_runs_them(
    other_server: Any, command: str, work: str
) -> None:
    out = StringIO()
    call_command(command, stdout=out)
    assert out.getvalue().startswith(work)
    other_server(command)
    out = StringIO()
    call_command(command, stdout=out)  # no CommandError: exit status 0
    assert out.getvalue() == f"Skipped: another server is running {command} now.\n"
