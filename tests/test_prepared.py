"""rcrp/prepared.py: a read compiled once per connection gives what the queryset itself gives."""

from __future__ import annotations

import threading
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from rcrp.accounts.models import User
from rcrp.prepared import PreparedRead

pytestmark = pytest.mark.django_db


def _staff(active: bool = True, variant: str = "", *, number: str) -> QuerySet[User]:
    """`variant` changes nothing in the SQL: a second shape of the same read, compiled apart."""
    return (
        User.objects.filter(staff_number=number, is_active=active)
        .annotate(roles=Count("groups"))
        .defer("password")
        .order_by("pk")
    )


STAFF = PreparedRead(User, _staff, number=User._meta.get_field("staff_number"))


def _compiles() -> Any:
    return mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql)


def test_a_prepared_read_returns_what_its_queryset_returns_for_each_value(make_user: Any) -> None:
    make_user("100001", "Call handler", name="Asha Patel")
    make_user("100002", "Supervisor", name="Ben Okafor")
    for number in ("100001", "100002", "999999"):
        for active in (True, False):
            got = STAFF.fetch(active, number=number)
            want = list(_staff(number=number, active=active))
            assert [(u.pk, u.display_name, u.roles) for u in got] == [
                (u.pk, u.display_name, u.roles) for u in want
            ]
    (asha,) = STAFF.fetch(True, number="100001")
    assert asha.roles == 1
    assert asha.get_deferred_fields() == {"password"}


def test_a_prepared_read_compiles_once_per_shape_and_connection(make_user: Any) -> None:
    make_user("100001", "Call handler")
    STAFF.fetch(True, number="100001")  # compiled here (or by an earlier test on this connection)
    with _compiles() as compiled:
        assert len(STAFF.fetch(True, number="100001")) == 1
        assert STAFF.fetch(True, number="100002") == []
    assert compiled.call_count == 0
    with _compiles() as compiled:
        STAFF.fetch(True, "another shape", number="100001")
    assert compiled.call_count >= 1  # a new shape is a new compile


def _repeat(*, number: str) -> QuerySet[User]:
    return User.objects.filter(Q(staff_number=number) | Q(display_name=number))


def test_a_value_the_compiled_sql_holds_other_than_once_is_refused() -> None:
    read = PreparedRead(User, _repeat, number=User._meta.get_field("staff_number"))
    with pytest.raises(ImproperlyConfigured, match="appears 2 times"):
        read.fetch(number="100001")


@pytest.mark.django_db(transaction=True)
def test_each_thread_compiles_for_its_own_connection(make_user: Any) -> None:
    make_user("100001", "Call handler")
    assert len(STAFF.fetch(True, number="100001")) == 1
    seen: dict[str, Any] = {}

    def other() -> None:
        try:
            with _compiles() as compiled:
                seen["rows"] = STAFF.fetch(True, number="100001")
            seen["compiles"] = compiled.call_count
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert len(seen["rows"]) == 1
    assert seen["compiles"] >= 1
