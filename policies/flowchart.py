"""Server-side flowchart of a flow: a layered layout drawn as SVG (pure Python, no Django).

Why not Mermaid in the browser: Mermaid writes a <style> element and hundreds of inline style
attributes into its SVG, which the service's Content-Security-Policy (style-src 'self') refuses;
under that policy the chart renders as black blocks with clipped labels (tried with mermaid 12.3.0:
947 CSP violations on the welfare flow). Loosening the CSP for one page was not worth it, so the
chart is laid out here and styled by classes from a static stylesheet (policies.css). The text
outline (policies.flow.outline) stays the accessible alternative; the Mermaid source is still
offered for people who want to paste it into other tools.

Layout (a small Sugiyama-style layered drawing):
1. cycles (possible only in broken drafts) are broken by reversing back edges;
2. nodes are ranked by longest path from the sources; each edge gets a label node (the answer's
   words) in the gap below its source and dummy nodes across any further ranks, so lines and
   labels take part in the layout and never overlap boxes;
3. each layer is ordered by barycentre sweeps, keeping the order with the fewest crossings;
4. x positions are pulled towards neighbours with an isotonic regression (pool adjacent
   violators) that keeps the boxes in order and apart.

Callers may lay figures onto the chart (the toolkit's friction page does): an Annotation per node
id adds a line of text to the box and, for each Highlight, an outline around it (styled by its
kind's class, drawn dashed or dotted in policies.css) and a badge naming it, so a highlight is never
shown by colour alone. This module knows nothing of what the figures mean.
"""

from __future__ import annotations

import html
import itertools
import re
import textwrap
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from policies.flow import Flow, Kind

NODE_WIDTH = 240
NODE_CHARS = 30
LABEL_CHARS = 22
CHAR_WIDTH = 7.0
LINE_HEIGHT = 17
PADDING = 10
LABEL_PADDING = 4
DUMMY_WIDTH = 14
GAP_X = 24
GAP_Y = 26
MARGIN = 16
SWEEPS = 12
BADGE_HEIGHT = 20
BADGE_CHAR_WIDTH = 7.5
BADGE_PADDING = 7
BADGE_GAP = 6
MARK_GAP = 4  # each highlight's outline sits this much further out; three still fit in GAP_X
_KIND = re.compile(r"[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True)
class Highlight:
    """A node picked out: `kind` names its CSS classes (rcrp-fc__mark--<kind>), `badge` is drawn."""

    kind: str
    badge: str

    def __post_init__(self) -> None:
        if not _KIND.match(self.kind):
            raise ValueError(f"A highlight kind is lower-case letters, digits and _: {self.kind!r}")


@dataclass(frozen=True)
class Annotation:
    """Figures laid onto one node: a short line of text (wrapped to the box) and any highlights."""

    text: str = ""
    highlights: tuple[Highlight, ...] = ()


@dataclass
class _Node:
    key: str
    kind: str  # question | outcome | missing | label | dummy
    lines: list[str] = field(default_factory=list)
    css: str = ""
    width: float = DUMMY_WIDTH
    height: float = 0
    layer: int = 0
    x: float = 0  # centre
    y: float = 0  # top
    title: str = ""
    notes: int = 0  # the last `notes` lines are an annotation's text
    highlights: tuple[Highlight, ...] = ()
    badge_rows: list[list[Highlight]] = field(default_factory=list)


@dataclass(frozen=True)
class _Edge:
    source: str
    target: str
    label: str


@dataclass
class Chart:
    """The drawing: an SVG string and its size."""

    svg: str
    width: int
    height: int
    nodes: int
    edges: int


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), width=width, break_long_words=True) or [""]


def _edges(flow: Flow) -> list[_Edge]:
    edges = []
    for question in flow.questions.values():
        if question.kind.has_answers:
            edges.extend(_Edge(question.id, answer.next, answer.label) for answer in question.answers)
        else:
            label = "Then" if question.kind is Kind.CHECKLIST else "Answered"
            edges.append(_Edge(question.id, question.next, label))
    return edges


def _badge_width(highlight: Highlight) -> float:
    return len(highlight.badge) * BADGE_CHAR_WIDTH + BADGE_PADDING * 2


def _badge_rows(highlights: tuple[Highlight, ...]) -> list[list[Highlight]]:
    """The badges packed into rows that fit inside a box."""
    rows: list[list[Highlight]] = []
    room = NODE_WIDTH - PADDING * 2
    for highlight in highlights:
        if rows:
            used = sum(_badge_width(h) + BADGE_GAP for h in rows[-1])
            if used + _badge_width(highlight) <= room:
                rows[-1].append(highlight)
                continue
        rows.append([highlight])
    return rows


def _annotate(node: _Node, annotation: Annotation) -> None:
    notes = _wrap(annotation.text, NODE_CHARS) if annotation.text.strip() else []
    node.lines += notes
    node.notes = len(notes)
    node.highlights = annotation.highlights
    node.badge_rows = _badge_rows(annotation.highlights)
    said = [annotation.text.strip(), *(h.badge for h in annotation.highlights)]
    if any(said):
        node.title = f"{node.title} ({'; '.join(s for s in said if s)})"


def _real_nodes(
    flow: Flow, edges: list[_Edge], annotations: Mapping[str, Annotation] | None = None
) -> dict[str, _Node]:
    nodes: dict[str, _Node] = {}
    for question in flow.questions.values():
        start = " rcrp-fc__node--start" if question.id == flow.start else ""
        head = "Start: " if question.id == flow.start else ""
        lines = [f"{head}{question.id}", *_wrap(question.text, NODE_CHARS)]
        nodes[question.id] = _Node(
            question.id,
            "question",
            lines,
            f"rcrp-fc__node rcrp-fc__node--question{start}",
            title=question.text,
        )
    for outcome in flow.outcomes.values():
        lines = [outcome.id, *_wrap(f"{outcome.label}: {outcome.title}", NODE_CHARS)]
        if outcome.agency:
            lines += _wrap(f"Agency: {outcome.agency}", NODE_CHARS)
        css = f"rcrp-fc__node rcrp-fc__node--outcome rcrp-fc__node--{outcome.category.lower()}"
        nodes[outcome.id] = _Node(outcome.id, "outcome", lines, css, title=outcome.title)
    for edge in edges:
        if edge.target not in nodes:
            shown = edge.target or "(no next given)"
            nodes[edge.target] = _Node(
                edge.target,
                "missing",
                [*_wrap(f"{shown}: missing", NODE_CHARS)],
                "rcrp-fc__node rcrp-fc__node--missing",
            )
    for key, annotation in (annotations or {}).items():
        if key in nodes and nodes[key].kind != "missing":
            _annotate(nodes[key], annotation)
    for node in nodes.values():
        node.width = NODE_WIDTH
        node.height = PADDING * 2 + LINE_HEIGHT * len(node.lines)
        if node.badge_rows:
            node.height += (BADGE_HEIGHT + 4) * len(node.badge_rows) + 2
    return nodes


def _break_cycles(order: list[str], start: str, edges: list[_Edge]) -> set[int]:
    """Indexes of back edges (found by depth-first search from the start, then from the rest)."""
    out: dict[str, list[int]] = defaultdict(list)
    for index, edge in enumerate(edges):
        out[edge.source].append(index)
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    back: set[int] = set()
    roots = ([start] if start in order else []) + order
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(out[root]))]
        while stack:
            node, pending = stack[-1]
            for index in pending:
                target = edges[index].target
                if state.get(target) == 1:
                    back.add(index)
                elif target not in state:
                    state[target] = 1
                    stack.append((target, iter(out[target])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return back


def _ranks(order: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path ranks on an acyclic graph."""
    indegree = dict.fromkeys(order, 0)
    out: dict[str, list[str]] = defaultdict(list)
    for source, target in edges:
        out[source].append(target)
        indegree[target] += 1
    rank = dict.fromkeys(order, 0)
    ready = [n for n in order if indegree[n] == 0]
    while ready:
        node = ready.pop(0)
        for target in out[node]:
            rank[target] = max(rank[target], rank[node] + 1)
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return rank


def _crossings(upper: list[str], lower: list[str], links: list[tuple[str, str]]) -> int:
    up = {key: i for i, key in enumerate(upper)}
    low = {key: i for i, key in enumerate(lower)}
    pairs = sorted((up[a], low[b]) for a, b in links if a in up and b in low)
    return sum(1 for (a1, b1), (a2, b2) in itertools.combinations(pairs, 2) if a1 != a2 and b1 > b2)


def _order_layers(
    layers: list[list[str]],
    preds: dict[str, list[str]],
    succs: dict[str, list[str]],
    links: list[tuple[str, str]],
) -> list[list[str]]:
    def total(candidate: list[list[str]]) -> int:
        return sum(_crossings(candidate[i], candidate[i + 1], links) for i in range(len(candidate) - 1))

    best = [list(layer) for layer in layers]
    best_score = total(best)
    current = [list(layer) for layer in layers]
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        indexes = range(1, len(current)) if downward else range(len(current) - 2, -1, -1)
        for i in indexes:
            neighbour = current[i - 1] if downward else current[i + 1]
            position = {key: p for p, key in enumerate(neighbour)}
            links_of = preds if downward else succs
            here = {key: p for p, key in enumerate(current[i])}
            keys: dict[str, float] = {}
            for key in current[i]:
                linked = [position[k] for k in links_of[key] if k in position]
                keys[key] = sum(linked) / len(linked) if linked else float(here[key])
            current[i] = sorted(current[i], key=keys.__getitem__)
        score = total(current)
        if score < best_score:
            best, best_score = [list(layer) for layer in current], score
    return best


def _isotonic(targets: list[float], gaps: list[float]) -> list[float]:
    """Positions as close as possible (least squares) to `targets`, in order, at least `gaps` apart."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    values = [t - o for t, o in zip(targets, offsets, strict=True)]
    blocks: list[list[float]] = []  # [mean, count]
    for value in values:
        blocks.append([value, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            previous = blocks[-1]
            previous[0] = (previous[0] * previous[1] + mean * count) / (previous[1] + count)
            previous[1] += count
    fitted = [mean for mean, count in blocks for _ in range(int(count))]
    return [value + offset for value, offset in zip(fitted, offsets, strict=True)]


def layout(
    flow: Flow, annotations: Mapping[str, Annotation] | None = None
) -> tuple[dict[str, _Node], list[tuple[list[str], bool, str]]]:
    """Place every node; returns the nodes and, per edge, its chain of node keys, reversed flag, label."""
    edges = _edges(flow)
    nodes = _real_nodes(flow, edges, annotations)
    order = list(nodes)
    back = _break_cycles(order, flow.start, edges)
    oriented = [
        (e.target, e.source) if i in back else (e.source, e.target)
        for i, e in enumerate(edges)
        if e.source != e.target
    ]
    rank = _ranks(order, oriented)
    chains: list[tuple[list[str], bool, str]] = []
    counter = itertools.count()
    for index, edge in enumerate(edges):
        reverse = index in back
        top, bottom = (edge.target, edge.source) if reverse else (edge.source, edge.target)
        if top == bottom:  # a question leading to itself: draw a loop beside it (rare, broken drafts)
            chains.append(([top, top], False, edge.label))
            continue
        chain = [top]
        first, last = 2 * rank[top] + 1, 2 * rank[bottom] - 1
        for layer in range(first, last + 1):
            key = f"_{next(counter)}"
            labelled = edge.label and layer == (last if reverse else first)
            if labelled:
                lines = _wrap(edge.label, LABEL_CHARS)
                width = max(len(line) for line in lines) * CHAR_WIDTH + LABEL_PADDING * 2 + 4
                nodes[key] = _Node(key, "label", lines, "rcrp-fc__label", width=width, layer=layer)
                nodes[key].height = LINE_HEIGHT * len(lines) + LABEL_PADDING * 2
            else:
                nodes[key] = _Node(key, "dummy", layer=layer)
            chain.append(key)
        chain.append(bottom)
        chains.append((chain, reverse, edge.label))
    for key in order:
        nodes[key].layer = 2 * rank[key]
    depth = max(node.layer for node in nodes.values()) + 1 if nodes else 0
    layers: list[list[str]] = [[] for _ in range(depth)]
    for key, node in nodes.items():  # real nodes in document order, then edge nodes in edge order
        layers[node.layer].append(key)
    preds: dict[str, list[str]] = defaultdict(list)
    succs: dict[str, list[str]] = defaultdict(list)
    links = []
    for chain, _reverse, _label in chains:
        for a, b in itertools.pairwise(chain):
            if a != b:
                succs[a].append(b)
                preds[b].append(a)
                links.append((a, b))
    layers = _order_layers(layers, preds, succs, links)
    # y: each layer as tall as its tallest node.
    y = float(MARGIN)
    for layer in layers:
        height = max((nodes[k].height for k in layer), default=0)
        for key in layer:
            nodes[key].y = y + (height - nodes[key].height) / 2
        y += height + GAP_Y
    # x: pack, then pull towards neighbours, keeping order and gaps.
    for layer in layers:
        x = 0.0
        for key in layer:
            nodes[key].x = x + nodes[key].width / 2
            x += nodes[key].width + GAP_X
    for sweep in range(8):
        downward = sweep % 2 == 0
        sequence = layers if downward else list(reversed(layers))
        for layer in sequence:
            if not layer:
                continue
            targets = []
            for key in layer:
                linked = preds[key] if downward else succs[key]
                linked = [k for k in linked if k != key]
                if linked:
                    targets.append(sum(nodes[k].x for k in linked) / len(linked))
                else:
                    targets.append(nodes[key].x)
            gaps = [(nodes[a].width + nodes[b].width) / 2 + GAP_X for a, b in itertools.pairwise(layer)]
            for key, x in zip(layer, _isotonic(targets, gaps), strict=True):
                nodes[key].x = x
    left = min((n.x - n.width / 2 for n in nodes.values()), default=0)
    for node in nodes.values():
        node.x += MARGIN - left
    return nodes, chains


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(node: _Node, css: str, top: float, first_bold: bool) -> list[str]:
    out = [f'<text class="{css}" x="{_num(node.x)}" y="{_num(top)}">']
    first_note = len(node.lines) - node.notes
    for number, line in enumerate(node.lines):
        bold = ' class="rcrp-fc__id"' if first_bold and number == 0 else ""
        if number >= first_note:
            bold = ' class="rcrp-fc__note"'
        dy = "0" if number == 0 else str(LINE_HEIGHT)
        out.append(f'<tspan x="{_num(node.x)}" dy="{dy}"{bold}>{html.escape(line)}</tspan>')
    out.append("</text>")
    return out


def _marks(node: _Node, radius: int) -> list[str]:
    """An outline around the box per highlight, each a little further out."""
    out = []
    for number, highlight in enumerate(node.highlights, start=1):
        gap = MARK_GAP * number
        out.append(
            f'<rect class="rcrp-fc__mark rcrp-fc__mark--{highlight.kind}" '
            f'x="{_num(node.x - node.width / 2 - gap)}" y="{_num(node.y - gap)}" '
            f'width="{_num(node.width + 2 * gap)}" height="{_num(node.height + 2 * gap)}" '
            f'rx="{radius + gap}"/>'
        )
    return out


def _badges(node: _Node) -> list[str]:
    """The highlights' badges, in centred rows under the text."""
    out = []
    y = node.y + PADDING + LINE_HEIGHT * len(node.lines) + 4
    for row in node.badge_rows:
        total = sum(_badge_width(h) for h in row) + BADGE_GAP * (len(row) - 1)
        x = node.x - total / 2
        for highlight in row:
            width = _badge_width(highlight)
            out.append(
                f'<g class="rcrp-fc__badge rcrp-fc__badge--{highlight.kind}">'
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(width)}" height="{BADGE_HEIGHT}" rx="3"/>'
                f'<text x="{_num(x + width / 2)}" y="{_num(y + 14)}">{html.escape(highlight.badge)}</text>'
                "</g>"
            )
            x += width + BADGE_GAP
        y += BADGE_HEIGHT + 4
    return out


def _path(points: list[tuple[float, float]]) -> str:
    d = [f"M{_num(points[0][0])},{_num(points[0][1])}"]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        middle = (y0 + y1) / 2
        d.append(f"C{_num(x0)},{_num(middle)} {_num(x1)},{_num(middle)} {_num(x1)},{_num(y1)}")
    return " ".join(d)


def render_svg(
    flow: Flow, *, title: str, description: str, annotations: Mapping[str, Annotation] | None = None
) -> Chart:
    """The flow as an SVG flowchart (role="img", named by `title` and described by `description`).

    `annotations` (node id -> Annotation) lay figures onto the boxes; ids not in the chart are ignored.
    Without them the drawing is exactly the plain chart.
    """
    nodes, chains = layout(flow, annotations)
    width = max((n.x + n.width / 2 for n in nodes.values()), default=0) + MARGIN
    height = max((n.y + n.height for n in nodes.values()), default=0) + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rcrp-fc" role="img" width="{int(width)}" '
        f'height="{int(height)}" viewBox="0 0 {int(width)} {int(height)}" '
        'aria-labelledby="rcrp-fc-title rcrp-fc-desc" focusable="false">',
        f'<title id="rcrp-fc-title">{html.escape(title)}</title>',
        f'<desc id="rcrp-fc-desc">{html.escape(description)}</desc>',
        '<defs><marker id="rcrp-fc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="rcrp-fc__arrowhead"/></marker></defs>',
        '<g class="rcrp-fc__edges">',
    ]
    for chain, reverse, _label in chains:
        top = nodes[chain[0]]
        if chain[0] == chain[-1]:
            x, y = top.x + top.width / 2, top.y + top.height / 2
            parts.append(
                f'<path class="rcrp-fc__edge" d="M{_num(x)},{_num(y - 8)} C{_num(x + 40)},{_num(y - 30)} '
                f'{_num(x + 40)},{_num(y + 30)} {_num(x)},{_num(y + 8)}" marker-end="url(#rcrp-fc-arrow)"/>'
            )
            continue
        bottom = nodes[chain[-1]]
        points = [(top.x, top.y + top.height)]
        for key in chain[1:-1]:
            node = nodes[key]
            points += (
                [(node.x, node.y), (node.x, node.y + node.height)] if node.height else [(node.x, node.y)]
            )
        points.append((bottom.x, bottom.y))
        marker = 'marker-start="url(#rcrp-fc-arrow)"' if reverse else 'marker-end="url(#rcrp-fc-arrow)"'
        css = "rcrp-fc__edge rcrp-fc__edge--back" if reverse else "rcrp-fc__edge"
        parts.append(f'<path class="{css}" d="{_path(points)}" {marker}/>')
    parts.append("</g>")
    parts.append('<g class="rcrp-fc__nodes">')
    for node in nodes.values():
        left = node.x - node.width / 2
        if node.kind == "dummy":
            continue
        if node.kind == "label":
            parts.append(
                f'<rect class="rcrp-fc__label-box" x="{_num(left)}" y="{_num(node.y)}" '
                f'width="{_num(node.width)}" height="{_num(node.height)}" rx="3"/>'
            )
            parts += _text(node, "rcrp-fc__label-text", node.y + LABEL_PADDING + 12, first_bold=False)
            continue
        radius = 18 if node.kind == "outcome" else 2
        css = node.css + "".join(f" rcrp-fc__node--highlight-{h.kind}" for h in node.highlights)
        parts.append(f'<g class="{_attr(css)}">')
        if node.title:
            parts.append(f"<title>{html.escape(node.title)}</title>")
        parts += _marks(node, radius)
        parts.append(
            f'<rect x="{_num(left)}" y="{_num(node.y)}" width="{_num(node.width)}" '
            f'height="{_num(node.height)}" rx="{radius}"/>'
        )
        parts += _text(node, "rcrp-fc__text", node.y + PADDING + 13, first_bold=True)
        parts += _badges(node)
        parts.append("</g>")
    parts.append("</g></svg>")
    real = sum(1 for n in nodes.values() if n.kind in {"question", "outcome", "missing"})
    return Chart(svg="".join(parts), width=int(width), height=int(height), nodes=real, edges=len(chains))


def legend() -> list[tuple[str, str]]:
    """(css modifier, words) for the chart's key: colour is never the only cue (labels say it too)."""
    from policies.flow import CATEGORIES

    return [(str(category).lower(), category.label) for category in CATEGORIES]


__all__ = ["Annotation", "Chart", "Highlight", "layout", "legend", "render_svg"]
