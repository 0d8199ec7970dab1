"""rcrp/kept.py: values made once per key, the least recently used dropped past the limit."""

from __future__ import annotations

from rcrp.kept import Kept


def test_a_value_is_made_once_and_the_least_recently_used_goes_first() -> None:
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    kept: Kept[str] = Kept(2)
    assert kept.get("a", lambda: make("a")) == "A"
    assert kept.get("b", lambda: make("b")) == "B"
    assert kept.get("a", lambda: make("a")) == "A"  # kept: not made again, and now the most recent
    assert kept.get("c", lambda: make("c")) == "C"  # past the limit: "b" goes, not "a"
    assert len(kept) == 2
    assert kept.get("a", lambda: make("a")) == "A"
    assert kept.get("b", lambda: make("b")) == "B"
    assert made == ["a", "b", "c", "b"]
    kept.clear()
    assert len(kept) == 0
