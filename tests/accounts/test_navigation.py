"""The menu: each role's entries, their URLs reversed once, not on every page."""

from __future__ import annotations

from typing import Any
from unittest import mock

from django.test import RequestFactory
from django.urls import clear_script_prefix, set_script_prefix

from rcrp.accounts import context_processors
from rcrp.accounts.context_processors import navigation


def _menu(user: Any, path: str = "/toolkit/start/") -> dict[str, str]:
    request = RequestFactory().get(path)
    request.user = user
    return {item["label"]: item["url"] for item in navigation(request)["nav_items"]}


def test_the_menu_reverses_its_urls_once_and_follows_the_script_prefix(call_handler: Any) -> None:
    first = _menu(call_handler)
    assert first["Calls"] == "/toolkit/start/"
    assert "Training" not in first  # a trainer's entry
    with mock.patch.object(context_processors, "reverse", side_effect=AssertionError("reversed")):
        assert _menu(call_handler) == first
    set_script_prefix("/rcrp/")
    try:
        assert _menu(call_handler)["Calls"] == "/rcrp/toolkit/start/"
    finally:
        clear_script_prefix()


def test_the_current_part_of_the_service_is_marked(call_handler: Any) -> None:
    request = RequestFactory().get("/toolkit/start/")
    request.user = call_handler
    active = [item["label"] for item in navigation(request)["nav_items"] if item["active"]]
    assert active == ["Calls"]
