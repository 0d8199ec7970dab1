"""Every URL in the URLconf checks the role: found automatically, so new URLs are covered too."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# URL names anyone may open without signing in (logout only signs out: POST, 405 for GET).
PUBLIC = {"login", "healthz", "logout"}
# URL names every signed-in user may open, whatever their role (a role-less user included).
EVERY_SIGNED_IN_USER = {
    "home",
    "logout",
    "policies:library",
    "policies:element",
    "policies:version",
    "policies:version-print",
    "policies:version-flowchart",
    "policies:diff",
    "training:acknowledge",
}
SAMPLE = {"int": "1", "slug": "sample", "str": "sample", "path": "sample", "uuid": str(uuid.uuid4())}


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # the admin is covered by test_admin_sends_anonymous_users_to_login
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(_walk(entry, prefix + str(entry.pattern), ns))
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            for name, converter in entry.pattern.converters.items():
                kind = type(converter).__name__.replace("Converter", "").lower()
                route = route.replace(f"<{kind}:{name}>", SAMPLE.get(kind, "1")).replace(
                    f"<{name}>", "sample"
                )
            found.append((f"{namespace}{entry.name}", "/" + route))
    return found


ALL_URLS = _walk(get_resolver())


def test_the_urlconf_was_walked() -> None:
    names = {name for name, _ in ALL_URLS}
    assert {"home", "login", "healthz"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), [u for u in ALL_URLS if u[0] not in PUBLIC], ids=lambda v: v)
def test_anonymous_users_are_sent_to_login(client: Any, name: str, url: str) -> None:
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, f"{name} {url} answered {response.status_code}"
        assert response.url.startswith("/accounts/login/"), response.url


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "url"),
    [u for u in ALL_URLS if u[0] not in PUBLIC | EVERY_SIGNED_IN_USER],
    ids=lambda v: v,
)
def test_a_user_without_a_role_is_refused(client: Any, outsider: Any, name: str, url: str) -> None:
    client.force_login(outsider)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code in {403, 404, 405}, f"{name} {url} answered {response.status_code}"


@pytest.mark.django_db
def test_admin_sends_anonymous_users_to_login(client: Any) -> None:
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


@pytest.mark.django_db
def test_admin_refuses_signed_in_users_who_are_not_administrators(client: Any, supervisor: Any) -> None:
    client.force_login(supervisor)
    response = client.get("/admin/", follow=True)
    assert response.status_code in {403, 200}
    assert b"Site administration" not in response.content
