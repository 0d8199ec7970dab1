"""Reads of a fixed shape whose SQL is compiled once and then run with new values.

Building a queryset and compiling it to SQL is most of the ORM's cost on the live call's hot path:
the call read (the decision with four relations, its answers as JSON and whether it has an
escalation) took about 5 ms of Python to build and compile for a query PostgreSQL answers in under
1 ms, and it runs on every question page and every answer. Django has no compiled-query cache, so
`PreparedRead` keeps one: the queryset is built once per database connection with stand-in values,
compiled, and each run substitutes the real values into the compiled parameters and hands the rows
to Django's own model iterable (so deferred fields, `select_related` and annotations come back as
from any queryset).

The stand-ins are found in the compiled parameters by value, converted the way the filter converts
them (each parameter is declared with the model field it filters on); a stand-in found other than
exactly once is refused when the read is first compiled, so a shape this cannot serve fails loudly
in the tests, never silently with the wrong values. One compiled read per thread and connection:
a compiler is not shared between threads, and holds its connection.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Hashable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router
from django.db.models.query import QuerySet


def _stand_in(field: models.Field[Any, Any], index: int) -> Any:
    """A value no real read would ask for, of the field's type, distinct for each parameter."""
    if isinstance(field, models.UUIDField):
        return uuid.UUID(int=0xFEED_0000_0000_0000_0000_0000_0000_0000 + index)
    if isinstance(field, models.DateTimeField):
        return dt.datetime(1901, 1, 1 + index, 0, 0, 17, 123457, tzinfo=dt.UTC)
    if isinstance(field, models.IntegerField | models.AutoField):
        return -1_999_999_000 - index
    if isinstance(field, models.CharField | models.TextField):
        return f"prepared-read-stand-in-{index}"
    raise ImproperlyConfigured(f"PreparedRead: no stand-in for a {type(field).__name__}")


class _Compiled:
    def __init__(
        self, queryset: QuerySet[Any], using: str, params: dict[str, models.Field[Any, Any]]
    ) -> None:
        self.connection = connections[using]
        self.model = queryset.model
        self.query = queryset.query
        self.compiler = self.query.get_compiler(using=using)
        self.sql, compiled = self.compiler.as_sql()
        self.params = list(compiled)
        self.fields = params
        self.positions: dict[str, int] = {}
        self.bound: tuple[Any, ...] = ()
        # Django's model iterable asks the query for a compiler and the compiler for its SQL: both
        # answer with what was compiled, the SQL with this run's values (`bound`).
        self.compiler.as_sql = lambda *args, **kwargs: (self.sql, self.bound)
        self.query.get_compiler = lambda *args, **kwargs: self.compiler

    def locate(self, stand_ins: dict[str, Any]) -> None:
        for name, field in self.fields.items():
            wanted = self.convert(field, stand_ins[name])
            hits = [i for i, p in enumerate(self.params) if type(p) is type(wanted) and p == wanted]
            if len(hits) != 1:
                raise ImproperlyConfigured(
                    f"PreparedRead: the parameter {name!r} appears {len(hits)} times in {self.sql!r}"
                )
            self.positions[name] = hits[0]

    def convert(self, field: models.Field[Any, Any], value: Any) -> Any:
        return field.get_db_prep_value(field.get_prep_value(value), self.connection, prepared=True)


class PreparedRead:
    """`build(*shape, **values)` returns the queryset of `model`; `fetch(*shape, **values)` its rows.

    `params` names each value and the model field it is compared with (its type converts the
    value). `shape` picks between variants of the read (a lock, a filter that applies to some
    users): each variant is compiled once. The queryset must not depend on anything else that
    changes between requests.
    """

    def __init__(
        self, model: type[models.Model], build: Callable[..., QuerySet[Any]], **params: models.Field[Any, Any]
    ) -> None:
        self.model = model
        self.build = build
        self.params = params
        self._local = threading.local()

    def _compiled(self, shape: tuple[Hashable, ...], using: str) -> _Compiled:
        cache: dict[tuple[Any, ...], _Compiled] = self._local.__dict__.setdefault("cache", {})
        key = (using, shape)
        compiled = cache.get(key)
        if compiled is None or compiled.connection is not connections[using]:
            stand_ins = {name: _stand_in(field, i) for i, (name, field) in enumerate(self.params.items())}
            compiled = _Compiled(self.build(*shape, **stand_ins).using(using), using, self.params)
            compiled.locate(stand_ins)
            cache[key] = compiled
        return compiled

    def fetch(self, *shape: Hashable, using: str | None = None, **values: Any) -> list[Any]:
        """The rows, from the database the router chooses for the model unless `using` says."""
        using = using or router.db_for_read(self.model)
        compiled = self._compiled(shape, using)
        params = list(compiled.params)
        for name, index in compiled.positions.items():
            params[index] = compiled.convert(compiled.fields[name], values[name])
        compiled.bound = tuple(params)
        return list(QuerySet(model=compiled.model, query=compiled.query, using=using))
