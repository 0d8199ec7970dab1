"""The every-minute jobs run once across every server: a PostgreSQL advisory lock per job.

Each server's timer starts `publish_due_policies` and `toolkit_housekeeping` every minute
(docs/systemd/); `single_run(name)` lets one run do the work and tells the others to stand down:

    with single_run("toolkit_housekeeping") as ours:
        if not ours:
            ...  # another server holds the lock: say so and exit 0
        ...  # the work

The lock is taken on a connection of its own, held for the whole run and released when the run
ends (or its process dies: PostgreSQL drops a lost session's locks). Directly on PostgreSQL it is
a session lock, `pg_try_advisory_lock`. Through PgBouncer in transaction pooling mode
(DATABASE_POOLER=pgbouncer) a session lock would stay behind on whichever server connection the
pool lent, so the lock is `pg_try_advisory_xact_lock` in a transaction kept open on the lock's
connection until the run ends. On SQLite (one machine by definition) the jobs run unlocked.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections


def job_key(name: str) -> int:
    """The job's fixed advisory-lock key: a signed 64-bit number from its name (the same on every
    server and every release)."""
    return int.from_bytes(hashlib.sha256(f"rcrp-job:{name}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def single_run(name: str, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """Yield True when this run holds the job's lock (do the work), False when another holds it."""
    if connections[using].vendor != "postgresql":
        yield True
        return
    pooled = getattr(settings, "DATABASE_POOLER", "") == "pgbouncer"
    lock = connections[using].copy()  # its own connection: the job's queries never release it
    try:
        lock.ensure_connection()
        raw = lock.connection
        if pooled:
            raw.autocommit = False  # the next statement opens the transaction the lock lives in
            row = raw.execute("SELECT pg_try_advisory_xact_lock(%s)", [job_key(name)]).fetchone()
        else:
            row = raw.execute("SELECT pg_try_advisory_lock(%s)", [job_key(name)]).fetchone()
        held = bool(row and row[0])
        yield held
        if held and not pooled:
            raw.execute("SELECT pg_advisory_unlock(%s)", [job_key(name)])
    finally:
        if pooled and lock.connection is not None and not lock.connection.closed:
            lock.connection.rollback()  # ends the transaction, and with it the lock
        lock.close()
