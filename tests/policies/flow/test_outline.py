"""outline (the accessible text view) and mermaid (the chart)."""

from __future__ import annotations

import re

from policies.flow import Category, Flow, mermaid, outline, parse
from tests.policies.flow.builders import choice, flow_document, load, outcome, yes_no


def test_outline_of_the_golden_s136_flow() -> None:
    assert outline(parse(load("s136_handover"))) == [
        "q_arrival: What time did officers arrive at the place of safety? (time, 24-hour clock; tagged "
        "pos_arrival)",
        "  Then → q_place: What kind of place of safety is it? (choice)",
        "    If 'A mental health unit place of safety' → q_violence: Is the person being violent now, beyond "
        "what staff can safely manage, or is a crime being committed? (choice; tagged crime, serious_harm)",
        "      If 'A crime is being committed' (crime) → o_joint_stay: Joint response +ESCALATE: "
        "Officers stay "
        "with health staff to manage the risk (agency: pos_trust_oncall)",
        "      If 'Violence staff cannot safely manage' (serious_harm, note needed) → o_joint_stay: Joint "
        "response +ESCALATE: Officers stay with health staff to manage the risk (agency: pos_trust_oncall)",
        "      If 'No' → q_risk: Is there a real and immediate risk to anyone's life that staff cannot "
        "manage? "
        "(yes/no; tagged risk_to_life)",
        "        If 'Yes' (risk_to_life) → o_deploy_stay: Deploy police: Officers stay: risk to life",
        "        If 'No' → q_accepted: Have named staff accepted the handover? (yes/no)",
        "          If 'Yes' → q_staff_name: Which role accepted the handover? (short text)",
        "            Then → o_handover_done: Refuse and redirect: Handover complete: officers leave "
        "(agency: pos_trust_oncall)",
        "          If 'No' → q_waited: Have officers been at the place of safety for 60 minutes or more? "
        "(yes/no)",
        "            If 'Yes' → o_refuse_escalate: Refuse and redirect +ESCALATE: Over 60 minutes: ask "
        "health "
        "to take over, and escalate (agency: pos_trust_oncall)",
        "            If 'No' → o_joint_wait: Joint response: Officers wait for handover, up to 60 minutes",
        "    If 'An emergency department' → see q_violence",
        "    If 'A police station' → q_child: Is the person under 18? (yes/no; tagged child)",
        "      If 'Yes' → o_deploy_move_child: Deploy police +LAS +ESCALATE: Move the child to a "
        "health-based "
        "place of safety now (agency: las)",
        "      If 'No' → see q_violence",
    ]


def test_outline_shows_checklist_items() -> None:
    lines = outline(parse(load("minimal_welfare")))
    at = next(i for i, line in enumerate(lines) if "q_checks: Complete the intelligence checks" in line)
    assert lines[at].endswith("(checklist; tagged checks)")
    assert (
        lines[at + 1].strip()
        == "Tick each: Address history; Phone number; PNC and markers; Previous incidents"
    )
    assert lines[at + 2].strip().startswith("Then → q_checks_result:")


def test_outline_of_a_broken_flow_still_ends() -> None:
    document = flow_document(
        choice("q_a", ("loop", "q_b"), ("typo", "q_typo"), ("done", "o_a")),
        yes_no("q_b", "q_a", "q_b"),
        {"id": "q_text", "text": "Orphan", "kind": "text"},
        yes_no("q_orphan", "q_b", "q_text"),
        outcome("o_a"),
        outcome("o_unused"),
    )
    assert outline(parse(document)) == [
        "q_a: Question q_a? (choice)",
        "  If 'Loop' → q_b: Question q_b? (yes/no)",
        "    If 'Yes' → see q_a",
        "    If 'No' → see q_b",
        "  If 'Typo' → q_typo (missing)",
        "  If 'Done' → o_a: Deploy police: Outcome o_a",
        "Not reachable from the start:",
        "  q_text: Orphan (short text)",
        "    Then → (nothing: no next given)",
        "  q_orphan: Question q_orphan? (yes/no)",
        "    If 'Yes' → see q_b",
        "    If 'No' → see q_text",
        "  o_unused: Deploy police: Outcome o_unused",
    ]


def test_outline_when_the_start_is_missing() -> None:
    document = flow_document(yes_no("q_a", "o_a", "o_a"), outcome("o_a")) | {"start": "q_gone"}
    assert outline(parse(document)) == [
        "q_gone (missing)",
        "Not reachable from the start:",
        "  q_a: Question q_a? (yes/no)",
        "    If 'Yes' → o_a: Deploy police: Outcome o_a",
        "    If 'No' → o_a: Deploy police: Outcome o_a",
    ]


def welfare_chart() -> str:
    return mermaid(parse(load("minimal_welfare")))


def test_mermaid_is_a_top_down_flowchart_with_every_node_and_edge() -> None:
    flow: Flow = parse(load("minimal_welfare"))
    chart = welfare_chart()
    lines = chart.splitlines()
    assert lines[0] == "flowchart TD"
    assert chart.endswith("\n")
    assert '    n_q_call_type["q_call_type<br/>Is the call about someone' in chart
    assert lines[1].endswith(":::start")
    assert '    n_q_crime -->|"Yes"| n_o_deploy_crime' in lines
    assert "    n_q_checks --> n_q_checks_result" in lines
    edges = [line for line in lines if "-->" in line]
    assert len(edges) == sum(len(q.answers) or 1 for q in flow.questions.values())


def test_mermaid_styles_outcomes_by_category() -> None:
    lines = welfare_chart().splitlines()
    assert (
        '    n_o_signpost_111_mh(["o_signpost_111_mh<br/>Signpost: Signpost to NHS 111 option 2"]):::signpost'
        in lines
    )
    for category in Category:
        assert any(line.startswith(f"    classDef {category.lower()} ") for line in lines)


def test_mermaid_escapes_every_special_character() -> None:
    nasty = 'Quote " hash # <script>alert(1)</script> & | [x] {y} `z`; end\nnew line'
    document = flow_document(
        {
            "id": "q_a",
            "text": nasty,
            "kind": "choice",
            "answers": [
                {"value": "a", "label": 'Say "yes" | maybe', "next": "o_a"},
                {"value": "b", "label": "B", "next": "o_a"},
            ],
        },
        outcome("o_a", title=nasty),
    )
    chart = mermaid(parse(document))
    for line in chart.splitlines()[1:]:
        if line.lstrip().startswith("classDef"):
            continue
        # Inside labels nothing but safe characters and entity codes remains.
        for label in re.findall(r'"([^"]*)"', line):
            assert re.fullmatch(r"(?:[\w .,:?!'\-/()+*%@=~$^]|#\d+;|<br/>)*", label), label
            assert "<script" not in label
            assert "`" not in label
            assert "|" not in label
        assert line.count('"') % 2 == 0
    assert (
        "Quote #34; hash #35; #60;script#62;alert(1)#60;/script#62; #38; #124; #91;x#93; #123;y#125;" in chart
    )
    assert "#96;z#96;#59; end new line" in chart
    assert '-->|"Say #34;yes#34; #124; maybe"|' in chart


def test_mermaid_draws_missing_targets_and_does_not_trust_their_ids() -> None:
    document = flow_document(
        choice("q_a", ("a", "q_typo"), ("b", 'x"];click n_q_a call alert(1)'), ("c", "o_a")),
        {"id": "q_b", "text": "No next", "kind": "text"},
        outcome("o_a"),
    )
    document["start"] = "q_a"
    chart = mermaid(parse(document))
    assert '    n_q_typo["q_typo (missing)"]:::missing' in chart
    lines = chart.splitlines()
    assert '    n_q_a -->|"B"| missing_1' in lines
    assert '    missing_1["x#34;#93;#59;click n_q_a call alert(1) (missing)"]:::missing' in lines
    assert "    n_q_b --> missing_2" in lines
    assert '    missing_2["no next given (missing)"]:::missing' in lines
