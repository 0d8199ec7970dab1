"""Two views of a flow for people: an indented text outline, and a Mermaid flowchart.

The outline is the accessible alternative to the chart and carries the same information. Both
accept any Flow, including one that fails validation (a missing node, a cycle, an unreachable part).
"""

from __future__ import annotations

from policies.flow.document import (
    ID_PATTERN,
    TAGS,
    Flow,
    Kind,
    Outcome,
    Question,
)

__all__ = ["mermaid", "outline"]

_KIND_LABELS = {
    Kind.CHOICE: "choice",
    Kind.YES_NO: "yes/no",
    Kind.MULTI: "tick all that apply",
    Kind.CHECKLIST: "checklist",
    Kind.TEXT: "short text",
    Kind.TIME: "time, 24-hour clock",
}
_INDENT = "  "


def outline(flow: Flow) -> list[str]:
    """The flow as indented lines, starting at the start question.

    Each question is followed, one level in, by its answers ("If 'Yes' → ...") or by its single
    next node ("Then → ..."). A question already shown is not expanded again but given as
    "→ see q_x"; outcomes, being one line, are always shown in full. Nodes the start cannot
    reach follow under "Not reachable from the start:"; targets that name no node say "(missing)".
    """
    lines: list[str] = []
    shown: set[str] = set()
    _tree(flow, flow.start, 0, "", lines, shown)
    unreached = [node.id for node in flow.nodes() if node.id not in shown]
    if unreached:
        lines.append("Not reachable from the start:")
        for node_id in unreached:
            if node_id not in shown:
                _tree(flow, node_id, 1, "", lines, shown)
    return lines


def _tree(flow: Flow, root: str, depth: int, prefix: str, lines: list[str], shown: set[str]) -> None:
    stack = [(depth, prefix, root)]
    while stack:
        depth, prefix, node_id = stack.pop()
        indent = _INDENT * depth
        node = flow.get(node_id)
        if node is None:
            missing = f"{node_id} (missing)" if node_id else "(nothing: no next given)"
            lines.append(f"{indent}{prefix}{missing}")
        elif isinstance(node, Outcome):
            shown.add(node.id)
            lines.append(f"{indent}{prefix}{_outcome_line(node)}")
        elif node.id in shown:
            lines.append(f"{indent}{prefix}see {node.id}")
        else:
            shown.add(node.id)
            lines.append(f"{indent}{prefix}{_question_line(node)}")
            inner = indent + _INDENT
            if node.kind is Kind.CHECKLIST:
                items = "; ".join(
                    f"{item.label}{' (required)' if item.required else ''}" for item in node.items
                )
                word = "Each: done, not known or not applicable" if flow.language >= 2 else "Tick each"
                lines.append(f"{inner}{word}: {items}")
            if node.kind.has_answers:
                children = [
                    (depth + 1, f"If {_answer_label(a.label, a.tags, a.needs_note)} → ", a.next)
                    for a in node.answers
                ]
            else:
                children = [(depth + 1, "Then → ", node.next)]
            stack.extend(reversed(children))


def _question_line(question: Question) -> str:
    notes = [_KIND_LABELS[question.kind]]
    tags = [tag for tag in TAGS if tag in question.tags]
    if tags:
        notes.append(f"tagged {', '.join(tags)}")
    return f"{question.id}: {question.text} ({'; '.join(notes)})"


def _answer_label(label: str, tags: frozenset[str], needs_note: bool) -> str:
    notes: list[str] = [tag for tag in TAGS if tag in tags]
    if needs_note:
        notes.append("note needed")
    return f"'{label}'" + (f" ({', '.join(notes)})" if notes else "")


def _outcome_line(outcome: Outcome) -> str:
    agency = f" (agency: {outcome.agency})" if outcome.agency else ""
    return f"{outcome.id}: {outcome.label}: {outcome.title}{agency}"


# Mermaid ------------------------------------------------------------------------------------------------

_SAFE = frozenset(" .,:?!'-_/()+*%@=~$^")
_STYLES = {
    "deploy": "fill:#f6d7d2,stroke:#d4351c,color:#0b0c0c",
    "joint": "fill:#fff7bf,stroke:#b58800,color:#0b0c0c",
    "signpost": "fill:#cce2d8,stroke:#00703c,color:#0b0c0c",
    "refuse_redirect": "fill:#d2e2f1,stroke:#1d70b8,color:#0b0c0c",
    "not_rcrp": "fill:#f3f2f1,stroke:#505a5f,color:#0b0c0c",
    "missing": "fill:#ffffff,stroke:#d4351c,stroke-dasharray:5 5,color:#d4351c",
    "start": "stroke-width:4px",
}


def mermaid(flow: Flow) -> str:
    """The flow as Mermaid "flowchart TD" text.

    Questions are boxes and outcomes rounded, each labelled with its id and wording; outcomes are
    styled by category (classDef deploy, joint, signpost, refuse_redirect, not_rcrp) and also
    named by category in their label, so colour is never the only cue. Every label is escaped with
    Mermaid entity codes (``#34;``), so no text in the flow can break or inject into the chart.
    Targets that name no node are drawn as dashed "missing" boxes.
    """
    ids: dict[str, str] = {}

    def chart_id(node_id: str) -> str:
        if node_id not in ids:
            made_up = sum(1 for chart in ids.values() if chart.startswith("missing_"))
            ids[node_id] = f"n_{node_id}" if ID_PATTERN.fullmatch(node_id) else f"missing_{made_up + 1}"
        return ids[node_id]

    lines = ["flowchart TD"]
    for question in flow.questions.values():
        start = ":::start" if question.id == flow.start else ""
        lines.append(f'    {chart_id(question.id)}["{_label(question.id, question.text)}"]{start}')
    for outcome in flow.outcomes.values():
        text = f"{outcome.label}: {outcome.title}"
        lines.append(
            f'    {chart_id(outcome.id)}(["{_label(outcome.id, text)}"]):::{outcome.category.lower()}'
        )
    missing: list[str] = []
    for question in flow.questions.values():
        if question.kind.has_answers:
            edges = [(answer.label, answer.next) for answer in question.answers]
        else:
            edges = [("", question.next)]
        for label, target in edges:
            if target not in flow and target not in missing:
                missing.append(target)
            arrow = f'-->|"{_escape(label)}"|' if label else "-->"
            lines.append(f"    {chart_id(question.id)} {arrow} {chart_id(target)}")
    for target in missing:
        lines.append(f'    {chart_id(target)}["{_escape(target or "no next given")} (missing)"]:::missing')
    lines.extend(f"    classDef {name} {style}" for name, style in _STYLES.items())
    return "\n".join(lines) + "\n"


def _label(node_id: str, text: str) -> str:
    return f"{_escape(node_id)}<br/>{_escape(text)}"


def _escape(text: str) -> str:
    """Text made safe inside a quoted Mermaid label: anything but letters, digits, spaces and
    plain punctuation becomes an entity code such as #34; (Mermaid decodes these)."""
    text = " ".join(text.split())
    return "".join(ch if ch.isalnum() or ch in _SAFE else f"#{ord(ch)};" for ch in text)
