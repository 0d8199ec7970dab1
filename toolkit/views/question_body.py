"""The question's own part of the question page, rendered once per policy version and question.

Rendering the question (its legend, guidance, answers, a v2 checklist's grid of states) was the
largest part of the question page's template time. When nothing is chosen yet, there is no error
and no note, that part depends only on the question, and a policy version's content never changes
(its content hash names it): it is rendered the first time and kept, in this process, like the
parsed flow (policies.selectors.flow_for_hash). A changed answer, an error or a note is rendered
afresh every time. The rest of the page (the call header, the answers so far, the CSRF token, the
step) is always rendered for the request.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from rcrp.kept import Kept

TEMPLATE = "toolkit/includes/_question_body.html"
# Four elements, a few versions each, tens of questions: a few hundred at the most.
_kept: Kept[SafeString] = Kept(512)


def question_body(content_hash: str, context: dict[str, Any]) -> SafeString | None:
    """The rendered question for this context, kept when it is the question as first asked; None
    when the page should render it itself (something chosen, an error or a note)."""
    if not content_hash or context["chosen"] not in (None, "", [], {}) or context["error"] or context["note"]:
        return None
    return _kept.get(
        (content_hash, context["question"].id), lambda: SafeString(render_to_string(TEMPLATE, context))
    )


def question_body_clear() -> None:
    _kept.clear()
