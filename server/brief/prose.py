"""Prose for the handoff by an LLM, grounded and bounded, with a deterministic fallback.

``write_prose`` never raises for model trouble and never waits longer than the
budget: no model, a timeout, an error or invalid output all give the
deterministic composer's prose, with the reason recorded. ``prepare_prose``
starts the work ahead of transfer (when escalation becomes likely) and caches it
per (conversation, analysed turn); ``prose_chunks`` splits it into sentences for a
desktop's stream (grounded first: raw model tokens are never streamed).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server.brief import llm
from server.brief.compose import compose_brief
from server.brief.grounding import Grounder
from server.brief.model import Brief, Grounding, Prose, ProseSource, QueueInfo
from server.brief.phrasing import wait_phrase
from server.brief.prompt import prompt_text, prose_messages
from server.brief.settings import PROMPT_DIR, BriefSettings
from server.brief.text import split_sentences
from server.context.model import ContextPackage, Role

logger = logging.getLogger(__name__)
_JSON_OBJECT = re.compile(r"\{.*\}", re.S)
PREPARE_BUDGET_MS = 60_000  # ahead of transfer nobody is waiting yet


class LLMProse(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    summary: str = Field(min_length=1, max_length=1200)
    opening_line: str = Field(min_length=1, max_length=600)
    announcement: str = Field(min_length=1, max_length=600)


GRAMMAR_SCHEMA = {  # lengths are checked on parsing: as a grammar they explode
    "type": "object",
    "properties": {k: {"type": "string"} for k in ("summary", "opening_line", "announcement")},
    "required": ["summary", "opening_line", "announcement"],
}


def parse_prose(text: str) -> LLMProse:
    """The model's JSON object, strictly; ValueError when there is none."""
    match = _JSON_OBJECT.search(text)
    if match is None:
        raise ValueError("no JSON object in the model's answer")
    try:
        return LLMProse.model_validate(json.loads(match.group()))
    except (json.JSONDecodeError, ValidationError) as e:
        raise ValueError(f"invalid prose JSON: {e.__class__.__name__}") from e


def deterministic(brief: Brief, reason: str) -> Prose:
    return Prose(summary=brief.summary, opening_line=brief.opening_line, announcement=brief.announcement, fallback_reason=reason)


def grounder_for(package: ContextPackage, prompt_dir: Path = PROMPT_DIR) -> Grounder:
    everything = [t.text for t in package.transcript] + [f.value for f in package.facts] + [package.issue.label]
    bot_side = [t.text for t in package.transcript if t.role is not Role.CUSTOMER] + [c.text for c in package.commitments]
    committed = [c.text for c in package.commitments]
    return Grounder.build(everything, bot_side, committed, prompt_text(prompt_dir))


def ground_prose(raw: LLMProse, package: ContextPackage, brief: Brief, prompt_dir: Path = PROMPT_DIR) -> Prose:
    """Unsupported sentences dropped and counted; an emptied field falls back; the wait is ours."""
    grounder, grounding = grounder_for(package, prompt_dir), Grounding()
    summary = grounder.ground(raw.summary, grounding)
    opening = grounder.ground(raw.opening_line, grounding)
    said = [s for s in split_sentences(grounder.ground(raw.announcement, grounding)) if "wait" not in s.lower()]
    announcement = " ".join([*said, f"The expected wait is {wait_phrase(brief.wait)}."]) if said else ""
    if not (summary or opening or announcement):
        return deterministic(brief, "ungrounded").model_copy(update={"grounding": grounding})
    return Prose(
        summary=summary or brief.summary,
        opening_line=opening or brief.opening_line,
        announcement=announcement or brief.announcement,
        source=ProseSource.LLM,
        grounding=grounding,
    )


async def write_prose(
    package: ContextPackage,
    settings: BriefSettings,
    *,
    brief: Brief | None = None,
    queue: QueueInfo | None = None,
    budget_ms: int | None = None,
    **llm_options: Any,
) -> Prose:
    """LLM prose within the budget, or the deterministic composer's with the reason."""
    brief = brief or compose_brief(package, settings, queue)
    if not settings.model:
        return deterministic(brief, "no_model")
    timeout_s = (settings.budget_ms if budget_ms is None else budget_ms) / 1000
    options = {"max_tokens": settings.max_tokens, "temperature": settings.temperature, **llm_options}
    if settings.model.startswith(f"{llm.LOCAL_PROVIDER}/"):  # small local models: constrain to the schema
        options.setdefault("response_format", {"type": "json_object", "schema": GRAMMAR_SCHEMA})
    try:
        messages = prose_messages(package, brief, settings.prompt_dir)
        text = await llm.complete(settings.model, messages, timeout_s=timeout_s, redactor=settings.redactor, **options)
        return ground_prose(parse_prose(text), package, brief, settings.prompt_dir)
    except llm.LLMTimeoutError:
        logger.warning("LLM prose timed out after %.2f s for %s", timeout_s, package.conversation_id)
        return deterministic(brief, "timeout")
    except llm.LLMError as e:
        logger.warning("LLM prose failed for %s: %s", package.conversation_id, e)
        return deterministic(brief, "error")
    except ValueError as e:
        logger.warning("LLM prose invalid for %s: %s", package.conversation_id, e)
        return deterministic(brief, "invalid_output")


_prepared: dict[tuple[str, int], asyncio.Task[Prose]] = {}
MAX_PREPARED = 1024


def _key(package: ContextPackage) -> tuple[str, int]:
    return package.conversation_id, package.analyzed_through_turn


def forget_prepared(conversation_id: str) -> None:
    """Drops prose prepared for a conversation whose data was deleted."""
    for key in [k for k in _prepared if k[0] == conversation_id]:
        _prepared.pop(key).cancel()


def prepare_prose(package: ContextPackage, settings: BriefSettings, **llm_options: Any) -> asyncio.Task[Prose]:
    """Start (or reuse) the prose for this conversation at this analysed turn."""
    key = _key(package)
    task = _prepared.get(key)
    if task is None:
        while len(_prepared) >= MAX_PREPARED:
            _prepared.pop(next(iter(_prepared))).cancel()
        snapshot = package.model_copy(deep=True)
        budget = max(settings.budget_ms, PREPARE_BUDGET_MS)
        task = asyncio.create_task(write_prose(snapshot, settings, budget_ms=budget, **llm_options))
        _prepared[key] = task
    return task


async def prose_at_transfer(package: ContextPackage, settings: BriefSettings, brief: Brief, budget_ms: int | None = None, **llm_options: Any) -> Prose:
    """Prepared prose if it is ready within the budget, else fresh prose within it, else deterministic."""
    budget_s = (settings.budget_ms if budget_ms is None else budget_ms) / 1000
    task = _prepared.get(_key(package))
    if task is None:
        return await write_prose(package, settings, brief=brief, budget_ms=int(budget_s * 1000), **llm_options)
    try:
        prose = await asyncio.wait_for(asyncio.shield(task), budget_s)
    except TimeoutError:
        return deterministic(brief, "timeout")
    return prose if prose.source is ProseSource.LLM else deterministic(brief, prose.fallback_reason)


async def generate_brief(
    package: ContextPackage,
    settings: BriefSettings,
    *,
    queue: QueueInfo | None = None,
    use_llm: bool = False,
    budget_ms: int | None = None,
    **llm_options: Any,
) -> Brief:
    """The brief at transfer: structure at once, prose by the LLM within the budget if asked."""
    brief = compose_brief(package, settings, queue)
    if not use_llm:
        return brief
    prose = await prose_at_transfer(package, settings, brief, budget_ms, **llm_options)
    return brief.with_prose(prose)


@dataclass(frozen=True)
class ProseChunk:
    field: str  # summary | opening_line | announcement
    text: str
    done: bool = False


def prose_chunks(prose: Prose) -> list[ProseChunk]:
    """Each field's sentences in order, then the done chunk."""
    chunks = [
        ProseChunk(field, sentence)
        for field in ("summary", "opening_line", "announcement")
        for sentence in split_sentences(getattr(prose, field))
    ]
    return [*chunks, ProseChunk("", "", done=True)]
