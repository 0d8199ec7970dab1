"""The DATABASES settings for more than one machine: DATABASE_POOLER and DATABASE_REPLICA_URL.

Each case imports the production settings in a fresh process with its environment variables, as a
server would start (tests/cluster/test_cluster.py runs them against real PgBouncer and a replica).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-like-secret-key-that-is-long-and-random-0123456789abcdef",
    "ALLOWED_HOSTS": "rcrp.example.police.uk",
    "DATABASE_URL": "postgres://rcrp@db.example:6432/rcrp",
}
PRINT = (
    "import json; from rcrp import settings as s; "
    "print(json.dumps({'databases': s.DATABASES, 'routers': s.DATABASE_ROUTERS}, default=str))"
)


def _settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "DJANGO_")) and k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env={**clean, "RCRP_READ_DOTENV": "0", **PRODUCTION, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def _databases(**env: str) -> dict[str, Any]:
    result = _settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_without_a_pooler_postgres_keeps_server_side_cursors_and_prepared_statements() -> None:
    db = _databases()["databases"]["default"]
    assert not db.get("DISABLE_SERVER_SIDE_CURSORS")
    assert "prepare_threshold" not in db.get("OPTIONS", {})


def test_pgbouncer_turns_off_server_side_cursors_and_prepared_statements_on_every_alias() -> None:
    found = _databases(
        DATABASE_POOLER="pgbouncer", DATABASE_REPLICA_URL="postgres://rcrp@replica.example/rcrp"
    )
    for alias in ("default", "replica"):
        db = found["databases"][alias]
        assert db["DISABLE_SERVER_SIDE_CURSORS"] is True, alias
        assert "prepare_threshold" in db["OPTIONS"], alias
        assert db["OPTIONS"]["prepare_threshold"] is None, alias  # psycopg: never prepare
        assert "pool" not in db["OPTIONS"], alias  # PgBouncer is the pool


def test_an_unknown_pooler_refuses_to_start() -> None:
    result = _settings(DATABASE_POOLER="pgpool")
    assert result.returncode != 0
    assert "DATABASE_POOLER must be pgbouncer or unset, not 'pgpool'" in result.stderr


def test_a_replica_url_adds_the_replica_alias_behind_the_router() -> None:
    found = _databases(DATABASE_REPLICA_URL="postgres://reader@replica.example:5433/rcrp")
    replica = found["databases"]["replica"]
    assert (replica["HOST"], str(replica["PORT"]), replica["USER"]) == ("replica.example", "5433", "reader")
    assert replica["TEST"] == {"MIRROR": "default"}  # tests never create a second database
    assert found["routers"] == ["rcrp.db_router.ReplicaRouter"]


def test_without_a_replica_url_there_is_one_database() -> None:
    assert list(_databases()["databases"]) == ["default"]
