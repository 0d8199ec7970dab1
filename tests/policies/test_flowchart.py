"""The server-drawn flowchart: every node drawn, nothing overlapping, text escaped, broken flows drawn too."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET  # our own SVG output, not untrusted input
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies import content
from policies import flow as engine
from policies.flowchart import Annotation, Highlight, _isotonic, layout, render_svg
from tests.policies import factories

SVG = "{http://www.w3.org/2000/svg}"


def draw(document: dict[str, Any]) -> ET.Element:
    chart = render_svg(engine.parse(document), title="Chart", description="About the chart")
    return ET.fromstring(chart.svg)  # noqa: S314


def test_every_node_is_drawn_with_its_id_and_an_accessible_name() -> None:
    svg = draw(factories.tiny_flow())
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "rcrp-fc-title rcrp-fc-desc"
    assert svg.find(f"{SVG}title").text == "Chart"  # type: ignore[union-attr]
    text = " ".join(svg.itertext())
    for node_id in (
        "q_crime",
        "q_risk",
        "q_harm",
        "q_checks",
        "q_need",
        "o_deploy",
        "o_signpost",
        "o_refer_gp",
    ):
        assert node_id in text
    classes = [g.get("class", "") for g in svg.iter(f"{SVG}g")]
    assert sum("rcrp-fc__node--start" in c for c in classes) == 1
    assert sum("rcrp-fc__node--signpost" in c for c in classes) == 2
    assert "Deploy police" in text  # the category is written, not only coloured
    assert len(list(svg.iter(f"{SVG}path"))) == 1 + 9  # the arrowhead, and one line per answer or next


@pytest.mark.parametrize("slug", ["welfare", "awol", "s136", "transport"])
def test_no_two_boxes_overlap_in_the_real_flows(slug: str) -> None:
    nodes, chains = layout(engine.parse(content.flow_document(slug)))
    boxes = [n for n in nodes.values() if n.kind != "dummy"]
    for a, b in itertools.combinations(boxes, 2):
        apart_x = a.x + a.width / 2 <= b.x - b.width / 2 or b.x + b.width / 2 <= a.x - a.width / 2
        apart_y = a.y + a.height <= b.y or b.y + b.height <= a.y
        assert apart_x or apart_y, (a.key, b.key)
    # every edge runs downwards through its chain
    for chain, _reverse, _label in chains:
        ys = [nodes[k].y for k in chain]
        assert ys == sorted(ys)


def test_text_is_escaped() -> None:
    document = factories.tiny_flow()
    document["questions"][0]["text"] = '<script>alert(1)</script> & "quotes"'
    chart = render_svg(engine.parse(document), title="<b>t</b>", description="d")
    assert "<script>" not in chart.svg
    assert "&lt;script&gt;" in chart.svg
    assert "&lt;b&gt;t&lt;/b&gt;" in chart.svg
    ET.fromstring(chart.svg)  # noqa: S314


def test_a_broken_draft_is_still_drawn() -> None:
    document = factories.tiny_flow()
    need = document["questions"][4]
    need["answers"].append({"value": "again", "label": "Ask again", "next": "q_crime"})  # a cycle
    need["answers"].append({"value": "lost", "label": "Lost", "next": "o_nowhere"})  # a missing node
    document["questions"].append(
        {
            "id": "q_orphan",
            "text": "Unreachable",
            "kind": "yes_no",
            "answers": [{"value": "yes", "next": "q_orphan"}, {"value": "no", "next": "o_deploy"}],
        }
    )
    svg = draw(document)
    classes = [el.get("class", "") for el in svg.iter()]
    assert any("rcrp-fc__edge--back" in c for c in classes)
    assert any("rcrp-fc__node--missing" in c for c in classes)
    assert "q_orphan" in " ".join(svg.itertext())


@given(
    targets=st.lists(st.floats(min_value=-1000, max_value=1000), min_size=1, max_size=12),
    data=st.data(),
)
def test_isotonic_positions_keep_order_and_gaps(targets: list[float], data: Any) -> None:
    gaps = data.draw(
        st.lists(st.floats(min_value=1, max_value=300), min_size=len(targets) - 1, max_size=len(targets) - 1)
    )
    placed = _isotonic(targets, gaps)
    for (a, b), gap in zip(itertools.pairwise(placed), gaps, strict=True):
        assert b - a >= gap - 1e-6


def test_annotations_add_text_an_outline_and_a_badge_per_highlight() -> None:
    flow = engine.parse(factories.tiny_flow())
    plain = render_svg(flow, title="Chart", description="About the chart")
    assert render_svg(flow, title="Chart", description="About the chart", annotations={}).svg == plain.svg
    slowest, changed = Highlight("slowest", "Slowest"), Highlight("most_changed", "Most changed")
    annotations = {
        "q_risk": Annotation("median 14 s · changed 12%", (slowest, changed)),
        "q_harm": Annotation("median 3 s · changed 0%"),
        "q_nowhere": Annotation("not in this flow", (slowest,)),  # ignored
    }
    chart = render_svg(flow, title="Chart", description="About the chart", annotations=annotations)
    svg = ET.fromstring(chart.svg)  # noqa: S314
    groups = {
        g.findtext(f"{SVG}text/{SVG}tspan"): g
        for g in svg.iter(f"{SVG}g")
        if "rcrp-fc__node " in g.get("class", "") + " "
    }
    risk = groups["q_risk"]
    assert "rcrp-fc__node--highlight-slowest" in risk.get("class", "")
    assert "rcrp-fc__node--highlight-most_changed" in risk.get("class", "")
    # an outline per highlight (its line pattern is in policies.css), each further out than the box
    marks = [r.get("class") for r in risk.findall(f"{SVG}rect")]
    assert marks[:2] == ["rcrp-fc__mark rcrp-fc__mark--slowest", "rcrp-fc__mark rcrp-fc__mark--most_changed"]
    # the figures and the badges are written, not only coloured
    words = " ".join(risk.itertext())
    assert "median 14 s · changed 12%" in words
    assert "Slowest" in words
    assert "Most changed" in words
    notes = [t for t in risk.iter(f"{SVG}tspan") if t.get("class") == "rcrp-fc__note"]
    assert [t.text for t in notes] == ["median 14 s · changed 12%"]
    harm = groups["q_harm"]
    assert "highlight" not in harm.get("class", "")
    assert not harm.findall(f"{SVG}rect[@class]")
    assert "median 3 s" in " ".join(harm.itertext())
    assert sum("rcrp-fc__node--highlight-slowest" in g.get("class", "") for g in svg.iter(f"{SVG}g")) == 1
    assert "style=" not in chart.svg  # the Content-Security-Policy allows no inline styles
    assert chart.height > plain.height  # the boxes grew to hold the figures
    # the boxes still never overlap
    nodes, _chains = layout(flow, annotations)
    boxes = [n for n in nodes.values() if n.kind != "dummy"]
    for a, b in itertools.combinations(boxes, 2):
        apart_x = a.x + a.width / 2 <= b.x - b.width / 2 or b.x + b.width / 2 <= a.x - a.width / 2
        apart_y = a.y + a.height <= b.y or b.y + b.height <= a.y
        assert apart_x or apart_y, (a.key, b.key)


def test_a_highlight_kind_must_be_a_safe_class_name() -> None:
    with pytest.raises(ValueError, match="highlight kind"):
        Highlight('slow" onload="x', "Slow")
