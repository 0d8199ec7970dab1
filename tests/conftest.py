"""Shared fixtures: the cast of users (one per role), the PostgreSQL cluster, Chromium for Playwright."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API plus the ORM in one test

ROOT = Path(__file__).resolve().parents[1]
PG_SCRIPT = ROOT / ".ci" / "pg_throwaway.sh"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "correct-horse-battery"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything under tests/e2e drives a browser: mark it so `-m browser` selects it. The cluster
    and process-fault tests start PostgreSQL servers of their own whichever database the pass
    uses: mark them `processes`, so they run once, in the PostgreSQL pass."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "e2e" in parts:
            item.add_marker(pytest.mark.browser)
        if "cluster" in parts or item.get_closest_marker("faults") is not None:
            item.add_marker(pytest.mark.processes)
            # One parallel worker takes the whole module, so its servers start once (loadgroup).
            item.add_marker(pytest.mark.xdist_group(Path(str(item.fspath)).stem))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> Iterator[None]:
    """Start a throwaway PostgreSQL cluster when the test settings chose PostgreSQL."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql" or os.environ.get("DATABASE_URL"):
        yield
        return
    out = subprocess.run([PG_SCRIPT, "start"], check=True, capture_output=True, text=True).stdout
    env = dict(kv.split("=", 1) for kv in shlex.split(out.replace("export ", "")))
    db.update(HOST=env["PGHOST"], PORT=env["PGPORT"], USER="postgres")
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run([PG_SCRIPT, "stop", env["PGDATA_DIR"]], check=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and REQUIRE_BROWSER=1")
        pytest.skip(f"Chromium not installed at {CHROMIUM}: browser tests skipped")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def make_user(db: None) -> Any:
    """make_user(staff_number, role=None, name=None): a user in the real role group."""
    from django.contrib.auth.models import Group

    from rcrp.accounts.models import User

    def make(staff_number: str, role: str | None = None, name: str | None = None) -> User:
        user = User.objects.create_user(staff_number, PASSWORD, display_name=name or staff_number.title())
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def call_handler(make_user: Any) -> Any:
    return make_user("h1001", "Call handler", "Hana Handler")


@pytest.fixture
def second_call_handler(make_user: Any) -> Any:
    return make_user("h1002", "Call handler", "Hugo Handler")


@pytest.fixture
def supervisor(make_user: Any) -> Any:
    return make_user("s2001", "Supervisor", "Sam Supervisor")


@pytest.fixture
def floor_walker(make_user: Any) -> Any:
    return make_user("f3001", "Floor walker", "Fay Floorwalker")


@pytest.fixture
def trainer(make_user: Any) -> Any:
    return make_user("t4001", "Trainer", "Tom Trainer")


@pytest.fixture
def policy_owner(make_user: Any) -> Any:
    return make_user("p5001", "Policy owner", "Priya Policy")


@pytest.fixture
def second_policy_owner(make_user: Any) -> Any:
    return make_user("p5002", "Policy owner", "Pat Policy")


@pytest.fixture
def auditor(make_user: Any) -> Any:
    return make_user("a6001", "Auditor", "Ari Auditor")


@pytest.fixture
def administrator(make_user: Any) -> Any:
    user = make_user("x7001", "Administrator", "Ada Admin")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def outsider(make_user: Any) -> Any:
    """Signed in, but with no role at all."""
    return make_user("o8001", None, "Oscar Outsider")


@pytest.fixture
def cast(
    call_handler: Any,
    supervisor: Any,
    floor_walker: Any,
    trainer: Any,
    policy_owner: Any,
    auditor: Any,
    administrator: Any,
    outsider: Any,
) -> dict[str, Any]:
    return {
        "call_handler": call_handler,
        "supervisor": supervisor,
        "floor_walker": floor_walker,
        "trainer": trainer,
        "policy_owner": policy_owner,
        "auditor": auditor,
        "administrator": administrator,
        "outsider": outsider,
    }


@pytest.fixture
def login_page(live_server: Any, page: Any) -> Any:
    """login_page(user) signs a Playwright page in through the real login form."""

    def login(user: Any, password: str = PASSWORD) -> Any:
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Staff number").fill(user.staff_number)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        return page

    return login


@pytest.fixture
def late_evening() -> Iterator[None]:
    """The clock at 23:30 yesterday (London), ticking: for scenarios whose s136 arrival times
    (10:00, 19:10...) must lie in the past whatever time of day the suite runs. Request it before
    any fixture that signs in, so the session starts on this clock."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    yesterday = dt.datetime.now(ZoneInfo("Europe/London")).date() - dt.timedelta(days=1)
    moment = dt.datetime.combine(yesterday, dt.time(23, 30), tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(moment, tick=True):
        yield
