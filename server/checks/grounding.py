"""The optional LLM pass: its findings are kept only when grounded.

The caller owns the model call (``server.brief.llm`` is the only importer of
litellm); this module only decides what of its answer to believe. A finding is
kept when it quotes an earlier turn verbatim (``earlier_text`` is a substring of
that turn's text), its span lies inside the draft, and the rules have not
already reported the same kind of problem over the same span.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from server.checks.model import Finding
from server.context.model import ContextPackage, Turn

logger = logging.getLogger(__name__)

LlmCheck = Callable[[ContextPackage, str], Sequence[Finding]]
"""Given the package and the draft, return candidate findings (any ``source``)."""


def ground(findings: Sequence[Finding], draft: str, turns: Sequence[Turn], existing: Sequence[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    for finding in findings:
        grounded = _grounded(finding, draft, turns)
        if grounded is None:
            logger.debug("dropped an ungrounded %s finding", finding.kind)
        elif not any(_same(grounded, f) for f in [*existing, *kept]):
            kept.append(grounded)
    return kept


def run_llm(llm: LlmCheck, package: ContextPackage, draft: str) -> Sequence[Finding]:
    """Best effort: a failing optional pass leaves the rule findings standing."""
    try:
        return llm(package, draft)
    except Exception as e:  # the model is optional; its failure must not fail the check
        logger.warning("LLM draft check failed (%s); keeping rule findings only", type(e).__name__)
        return []


def _grounded(finding: Finding, draft: str, turns: Sequence[Turn]) -> Finding | None:
    start, end = finding.span
    quote = finding.earlier_text
    if not quote.strip() or not 0 <= start < end <= len(draft):
        return None
    wanted = set(finding.turn_ids)
    sources = [t.id for t in turns if (not wanted or t.id in wanted) and quote in t.text]
    if not sources:
        return None
    return finding.model_copy(update={"turn_ids": sources, "source": "llm"})


def _same(a: Finding, b: Finding) -> bool:
    return a.kind == b.kind and a.span[0] < b.span[1] and b.span[0] < a.span[1]
