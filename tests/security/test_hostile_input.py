"""Every form and every query parameter, fed hostile values: never a 500, nothing stored when refused.

For each LADDER row (every named URL), the page is opened as the first role the ladder lets in; each
<form> on it is submitted to its own action with hypothesis-generated values in some of its fields
(the rest as rendered), and the page itself is asked for with hostile values in every query
parameter the apps read. Each request runs in a savepoint that is rolled back, so one example
never changes what the next one finds. See tests/security/registry.py for what is sent.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security import registry
from tests.test_url_permissions import LADDER, PATTERNS, World, url_of

EXAMPLES = 3  # per form: modest, so the whole folder runs in a couple of minutes
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
SKIPPED_ACTIONS = {"logout"}  # signing out takes no input, and would sign the next example out


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # a crash inside a streamed export shows here
    return response.content


def check(response: Any, before: tuple[int, ...], method: str, where: str) -> None:
    """Never a 500; a refusal is a 4xx (or the form again) with a GOV.UK message and stores nothing."""
    body = _body(response)
    status = response.status_code
    assert status < 500, f"{where}: {status}"
    refused = 400 <= status < 500 or (method == "POST" and status == 200)
    if refused:
        assert registry.row_counts() == before, f"{where}: refused with {status} but rows changed"
    if status == 400 and response.get("Content-Type", "").startswith("text/html"):
        assert b"govuk-error-summary" in body or b"govuk-heading" in body, f"{where}: 400 without a message"


def _short(values: dict[str, str]) -> dict[str, str]:
    return {k: (v if len(v) <= 60 else f"{v[:40]}...({len(v)} characters)") for k, v in values.items()}


def fuzz(
    client: Client,
    method: str,
    url: str,
    fields: dict[str, str],
    kinds: dict[str, str],
    multipart: bool,
    examples: int,
) -> int:
    """Send hostile variants of `fields` to `url`; returns how many examples ran."""
    before = registry.row_counts()
    ran = 0
    for values in registry.required_variants(fields, kinds, per_field=method == "POST" or len(fields) < 12):
        ran += 1
        with transaction.atomic():
            response = registry.send(client, method, url, values, multipart=multipart)
            check(response, before, method, f"{method} {url} {_short(values)}")
            transaction.set_rollback(True)

    @settings(HYPOTHESIS, max_examples=examples)
    @given(values=registry.hostile_values(fields, kinds))
    def one(values: dict[str, str]) -> None:
        nonlocal ran
        ran += 1
        with transaction.atomic():
            response = registry.send(client, method, url, values, multipart=multipart)
            check(response, before, method, f"{method} {url} {_short(values)}")
            transaction.set_rollback(True)

    if examples:
        one()
    return ran


def _client_for(world: World, key: str) -> Client | None:
    name = url_of(key)
    role = registry.opener(key)
    client = Client(raise_request_exception=True)
    if role is not None:
        client.force_login(world.user(role))
    elif name not in {"login", "healthz"}:
        return None
    return client


def _page_targets(client: Client, key: str, url: str) -> list[registry.Form]:
    response = client.get(url)
    assert response.status_code == 200, f"{key}: {response.status_code}"
    body = _body(response).decode("utf-8", "replace")
    if not response.get("Content-Type", "").startswith("text/html"):
        body = ""
    targets = [
        form
        for form in registry.forms_on(body, f"http://testserver{url}")
        if form.action.removeprefix("http://testserver").split("?")[0]
        not in {reverse(n) for n in SKIPPED_ACTIONS}
    ]
    # The page's own query parameters: every name the apps read, and those its links carry.
    query = registry.Form(method="GET", action=url, multipart=False)
    for name in sorted(registry.read_query_parameters() | registry.link_parameters(body, url)):
        query.fields[name] = registry.FormField(name, "text")
    targets.append(query)
    return targets


@pytest.mark.django_db
@pytest.mark.parametrize("key", [key for key in LADDER if url_of(key) in PATTERNS])
def test_hostile_input_never_crashes_and_stores_nothing_when_refused(
    request: pytest.FixtureRequest, key: str
) -> None:
    world = World(request)
    client = _client_for(world, key)
    if client is None:
        pytest.skip(f"{key}: no signed-in role may use it")
    row = LADDER[key]
    url = registry.row_url(world, key)
    if row.method == "GET":
        targets = _page_targets(client, key, url)
    else:
        post = registry.Form(method="POST", action=url, multipart=False)
        for name, value in row.data.items():
            post.fields[name] = registry.FormField(name, "text", value.format(w=world))
        post.fields.setdefault("text", registry.FormField("text", "text"))
        targets = [post]
    ran = 0
    for form in targets:
        action = form.action.removeprefix("http://testserver")
        kinds = {name: registry.kind_of(name, f.kind) for name, f in form.fields.items()}
        examples = EXAMPLES if form.method == "POST" or form is not targets[-1] else 1
        ran += fuzz(client, form.method, action, form.baseline(), kinds, form.multipart, examples)
    assert ran >= len(targets), f"{key}: some forms were not tried"


def test_the_registry_finds_forms_and_fields_on_a_page() -> None:
    """The parser reads method, action, enctype and every kind of field (so the suite cannot go blind)."""
    html = """
    <form method="post" action="/x/" enctype="multipart/form-data">
      <input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input type="text" name="ref" value="CAD 1">
      <input type="date" name="when">
      <input type="radio" name="kind" value="a"><input type="radio" name="kind" value="b" checked>
      <input type="checkbox" name="ok">
      <select name="site"><option value="">Any</option><option value="2" selected>Bow</option></select>
      <textarea name="document">
{"a": 1}</textarea>
      <button name="save" value="1">Save</button>
    </form>
    <form><input name="q"></form>
    <form action="https://elsewhere.example/"><input name="z"></form>
    """
    forms = registry.forms_on(html, "http://testserver/page/")
    assert [(f.method, f.action, f.multipart) for f in forms] == [
        ("POST", "http://testserver/x/", True),
        ("GET", "http://testserver/page/", False),
    ]
    fields = forms[0].fields
    assert {n: f.kind for n, f in fields.items()} == {
        "csrfmiddlewaretoken": "hidden",
        "ref": "text",
        "when": "date",
        "kind": "radio",
        "ok": "checkbox",
        "site": "select",
        "document": "textarea",
        "save": "button",
    }
    assert fields["kind"].value == "b"
    assert fields["site"].value == "2"
    assert fields["document"].value == '{"a": 1}'
    assert registry.kind_of("date_from", "text") == "date"
    assert registry.kind_of("week", "text") == "date"


def test_the_registry_knows_the_query_parameters_the_apps_read() -> None:
    assert {"after", "before", "week", "follows", "page", "site"} <= registry.read_query_parameters()


def test_the_hostile_values_include_every_required_kind() -> None:
    """Dates outside Python's range, JSON bombs, lone surrogates, NUL bytes and scripts are all drawn."""
    seen: list[str] = []

    @settings(max_examples=300, database=None, derandomize=True, deadline=None)
    @given(st.one_of(registry.hostile_value("date"), registry.hostile_value("textarea")))
    def collect(value: str) -> None:
        seen.append(value)

    collect()
    assert any(len(v) > 1000 for v in seen)
    assert any(v.split("-")[0].isdigit() and int(v.split("-")[0]) > 9999 for v in seen if "-" in v)
    # And whatever is drawn, every form gets each of these.
    variants = registry.required_variants(
        {"when": "", "note": "", "doc": ""}, {"when": "date", "note": "text", "doc": "textarea"}
    )
    sent = [v for variant in variants for v in variant.values()]
    for required in ("\x00", "\ud800", "<script>"):
        assert any(required in v for v in sent), required
    assert "2147483648-01-01" in sent
    assert "9999-12-31" in sent
    assert any(v.startswith("[[[[") for v in sent)
    assert any(len(v) >= 5_000 and v.isdigit() for v in sent)
    for name in ("when", "note", "doc"):  # wrong types and confusables in every field, for certain
        for required in (*registry.REQUIRED_WRONG, *registry.REQUIRED_CONFUSABLE):
            assert any(variant[name] == required for variant in variants), (name, required)
    parts = registry.required_variants(
        {"d_0": "", "d_1": "", "d_2": ""}, dict.fromkeys(("d_0", "d_1", "d_2"), "text")
    )
    assert any(v["d_2"] == "2147483648" for v in parts)
