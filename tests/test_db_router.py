"""The database router: reporting reads to the replica, everything else and every write to the primary.

The router and the `@reads_replica` decorator are tested on their own (no database needed), then the
real reporting views are served through a spy router that records, for every read, whether it
happened under reporting reads: each reporting page and export reads under them (an export's rows
too, while it streams), and the call pages never do. tests/cluster/test_cluster.py shows the same
on a real streaming replica.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import router, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory, override_settings

from rcrp import db_router
from rcrp.db_router import PRIMARY, REPLICA, ReplicaRouter, reads_replica, reporting_reads
from toolkit.models import Decision


@pytest.fixture
def with_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if DATABASE_REPLICA_URL were set (the alias itself is never connected to here)."""
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)


def test_reads_go_to_the_primary_outside_reporting(with_replica: None) -> None:
    assert ReplicaRouter().db_for_read(Decision) == PRIMARY


def test_reporting_reads_go_to_the_replica(with_replica: None) -> None:
    with reporting_reads():
        assert ReplicaRouter().db_for_read(Decision) == REPLICA
    assert ReplicaRouter().db_for_read(Decision) == PRIMARY


def test_without_a_replica_reporting_reads_stay_on_the_primary() -> None:
    assert db_router.replica_configured() is False  # the test settings have no DATABASE_REPLICA_URL
    with reporting_reads():
        assert ReplicaRouter().db_for_read(Decision) == PRIMARY


def test_writes_always_go_to_the_primary(with_replica: None) -> None:
    assert ReplicaRouter().db_for_write(Decision) == PRIMARY
    with reporting_reads():
        assert ReplicaRouter().db_for_write(Decision) == PRIMARY


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_on_the_primary_stay_there(with_replica: None) -> None:
    """A service reading what it is about to change must see its own transaction."""
    with reporting_reads():
        assert ReplicaRouter().db_for_read(Decision) == REPLICA
        with transaction.atomic():
            assert ReplicaRouter().db_for_read(Decision) == PRIMARY


def test_the_replica_is_never_migrated() -> None:
    assert ReplicaRouter().allow_migrate(REPLICA, "toolkit", "decision") is False
    assert ReplicaRouter().allow_migrate(PRIMARY, "toolkit", "decision") is True


def test_the_settings_install_the_router() -> None:
    from django.conf import settings

    assert "rcrp.db_router.ReplicaRouter" in settings.DATABASE_ROUTERS


def test_reads_replica_covers_the_view_and_its_streamed_content(with_replica: None) -> None:
    seen: list[tuple[str, str]] = []

    def rows() -> Any:
        for n in range(3):
            seen.append(("stream", ReplicaRouter().db_for_read(Decision)))
            yield f"{n}\n"

    @reads_replica
    def export(request: Any) -> StreamingHttpResponse:
        seen.append(("view", ReplicaRouter().db_for_read(Decision)))
        return StreamingHttpResponse(rows())

    response = export(RequestFactory().get("/"))
    assert seen == [("view", REPLICA)]
    assert ReplicaRouter().db_for_read(Decision) == PRIMARY  # not leaked past the view
    chunks = []
    for chunk in response.streaming_content:
        chunks.append(chunk)
        assert ReplicaRouter().db_for_read(Decision) == PRIMARY  # nor between chunks
    assert b"".join(chunks) == b"0\n1\n2\n"
    assert seen == [("view", REPLICA)] + [("stream", REPLICA)] * 3


def test_reads_replica_resets_when_the_view_raises(with_replica: None) -> None:
    @reads_replica
    def broken(request: Any) -> HttpResponse:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        broken(RequestFactory().get("/"))
    assert db_router.reporting_reads_active() is False


# --- the real views -----------------------------------------------------------------------------

READS: list[tuple[str, bool]] = []


class SpyRouter:
    """Records (model, under reporting reads?) for every read and routes nothing itself."""

    def db_for_read(self, model: type, **hints: Any) -> None:
        READS.append((model._meta.label, db_router.reporting_reads_active()))

    def db_for_write(self, model: type, **hints: Any) -> None:
        return None


@pytest.fixture
def spy() -> Any:
    READS.clear()
    with override_settings(
        DATABASE_ROUTERS=["tests.test_db_router.SpyRouter", "rcrp.db_router.ReplicaRouter"]
    ):
        assert isinstance(router.routers[0], SpyRouter)
        yield READS
    READS.clear()


@pytest.fixture
def live_welfare(db: None) -> Any:
    from tests.policies.factories import published_v1

    return published_v1("welfare", with_scenarios=False)


def _content(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/toolkit/decisions/", "toolkit.Decision"),
        ("/toolkit/decisions/export.csv", "toolkit.Decision"),
        ("/toolkit/register/", "toolkit.Escalation"),
        ("/toolkit/register/escalations.csv", "toolkit.Escalation"),
        ("/toolkit/register/partners.csv", "toolkit.Decision"),
        ("/toolkit/register/handovers.csv", "toolkit.Decision"),
        ("/toolkit/dashboard/", "toolkit.Decision"),
        ("/toolkit/friction/welfare/v1/", "policies.PolicyVersion"),
        ("/toolkit/reviews/compliance/", "toolkit.Review"),
    ],
)
def test_the_reporting_views_read_under_reporting_reads(
    client: Client, supervisor: Any, live_welfare: Any, spy: list[tuple[str, bool]], path: str, model: str
) -> None:
    client.force_login(supervisor)
    spy.clear()
    response = client.get(path)
    assert response.status_code == 200, path
    _content(response)  # a streamed export reads its rows now
    reporting = {label for label, active in spy if active}
    assert model in reporting, (path, sorted(set(spy)))
    # The signed-in user and their permissions are read before the view: from the primary.
    assert ("accounts.User", False) in spy


@pytest.mark.parametrize("path", ["/toolkit/start/", "/toolkit/my-calls/"])
def test_the_call_pages_never_read_under_reporting_reads(
    client: Client, call_handler: Any, live_welfare: Any, spy: list[tuple[str, bool]], path: str
) -> None:
    client.force_login(call_handler)
    spy.clear()
    response = client.get(path)
    assert response.status_code == 200
    assert spy, "the page read nothing?"
    assert not [read for read in spy if read[1]]
