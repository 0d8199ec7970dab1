"""Reporting reads go to the streaming replica; everything else, and every write, to the primary.

`DATABASE_REPLICA_URL` adds a `replica` database alias (rcrp/settings.py). The reporting views (the
decision log and its export, the register and its exports, the dashboards, friction, review
compliance) are wrapped in `@reads_replica`, which sets a context variable for the view and for
the streaming of its response; `ReplicaRouter` sends reads to the replica only while it is set.
The call pages, every write, and every read inside a transaction on the primary (a service reading
what it is about to change) use the primary; nothing is ever migrated on the replica (it is
read-only: it follows the primary's WAL).

Without a `replica` alias the router sends everything to `default`, so one database needs no
configuration.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpResponseBase, StreamingHttpResponse

PRIMARY = "default"
REPLICA = "replica"

_reporting: ContextVar[bool] = ContextVar("rcrp_reporting_reads", default=False)


def reporting_reads_active() -> bool:
    """True inside `reporting_reads()` (or a `@reads_replica` view and its streamed response)."""
    return _reporting.get()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def reporting_reads() -> Iterator[None]:
    """Reads inside this block may come from the replica (writes still go to the primary)."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def _streamed_under_reporting(chunks: Any) -> Iterator[Any]:
    """Iterate a streaming response's content with reporting reads on for each chunk only: the
    rows of a streamed export are queried while the server sends them, after the view returned."""
    iterator = iter(chunks)
    while True:
        with reporting_reads():
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


def reads_replica(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Mark a reporting view: its reads (and its streamed content's) come from the replica.

    Put it directly above the view function, under the role decorators, so the signed-in user and
    their permissions are always read from the primary."""

    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with reporting_reads():
            response = view(request, *args, **kwargs)
        if isinstance(response, StreamingHttpResponse):
            response.streaming_content = _streamed_under_reporting(response.streaming_content)
        return response

    wrapped.reads_replica = True  # type: ignore[attr-defined]
    return wrapped


class ReplicaRouter:
    """Reads go to `replica` only inside reporting reads and only when it is configured."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        if reporting_reads_active() and replica_configured() and not connections[PRIMARY].in_atomic_block:
            return REPLICA
        return PRIMARY  # inside a transaction on the primary a read must see that transaction's writes

    def db_for_write(self, model: type, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary: objects read from either may be related.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db != REPLICA
