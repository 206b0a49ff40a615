"""HandoffService: escalation on request, the brief at transfer, prose streaming, draft checks."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from pathlib import Path
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from google.protobuf import struct_pb2
from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from server.api import convert
from server.api.tenancy import check_owned
from server.brief.model import Brief, QueueInfo
from server.brief.compose import compose_brief
from server.brief.prose import forget_prepared, generate_brief, prepare_prose, prose_at_transfer, prose_chunks
from server.brief.settings import BriefSettings
from server.checks import Finding, Policy, check_reply
from server.context.limits import Limits
from server.context.model import ContextPackage, Escalation, Stage
from server.errors import FailedPreconditionError, InvalidArgumentError

if TYPE_CHECKING:
    from server.app import Runtime

logger = logging.getLogger(__name__)

MAX_DRAFT_CHARS = 4000
MAX_BUDGET_MS = 30_000
ISSUE_WAIT_S = 0.05  # at transfer with no label yet: one embedding on an idle server; under load, do not queue


class HandoffServicer(pb_grpc.HandoffServiceServicer):
    def __init__(self, runtime: Runtime, limits: Limits, brief_settings: BriefSettings, policy: Policy) -> None:
        self.runtime = runtime
        self.live = runtime.live
        self.engine = runtime.engine
        self.limits = limits
        self.brief_settings = brief_settings
        self.policy = policy

    async def _settled(self, conversation_id: str) -> ContextPackage:
        """Every stored turn analysed; with no issue label yet, the first one if it is moments away."""
        self.limits.check_id("conversation_id", conversation_id)
        await check_owned(self.live, conversation_id)
        package = await self.live.settled(conversation_id)
        if package.issue.label:
            return package  # a label a turn behind beats a transfer that waits
        await self.engine.issue_settled(conversation_id, ISSUE_WAIT_S)
        return await self.live.settled(conversation_id)

    async def EvaluateEscalation(
        self, request: pb.EvaluateEscalationRequest, context: aio.ServicerContext
    ) -> pb.EscalationState:
        package = await self._settled(request.conversation_id)
        return convert.escalation_to_pb(package.escalation)

    async def Handoff(self, request: pb.HandoffRequest, context: aio.ServicerContext) -> pb.HandoffResponse:
        package = await self._settled(request.conversation_id)
        self.engine.hurry(request.conversation_id)  # a label reflecting every turn reaches the agent sooner
        if package.stage == Stage.COMPLETED:
            raise FailedPreconditionError(f"conversation {request.conversation_id!r} is completed")
        brief = await generate_brief(
            package, self.brief_settings, queue=_queue(request), use_llm=request.use_llm,
            budget_ms=_budget(request, context, self.brief_settings.budget_ms),
        )
        if request.use_llm:
            self._llm_outcome(brief.fallback_reason)
        stage = package.stage
        if request.mark_transferring and stage in (Stage.BOT_HANDLING, Stage.ESCALATION_PENDING):
            stage = (await self.live.set_stage(request.conversation_id, Stage.TRANSFERRING)).stage
        return pb.HandoffResponse(brief=brief_to_pb(brief), stage=convert.STAGE_TO_PB[stage])

    async def StreamHandoffProse(
        self, request: pb.HandoffRequest, context: aio.ServicerContext
    ) -> AsyncIterator[pb.ProseChunk]:
        package = await self._settled(request.conversation_id)
        brief = compose_brief(package, self.brief_settings)
        budget_ms = _budget(request, context, self.brief_settings.budget_ms)
        prose = await prose_at_transfer(package, self.brief_settings, brief, budget_ms)
        self._llm_outcome(prose.fallback_reason)
        for chunk in prose_chunks(prose):
            yield pb.ProseChunk(field=chunk.field, text=chunk.text, done=chunk.done)

    def _llm_outcome(self, fallback_reason: str) -> None:
        if self.runtime.monitor is not None:
            self.runtime.monitor.llm_outcome(fallback_reason)

    async def CheckReply(self, request: pb.CheckReplyRequest, context: aio.ServicerContext) -> pb.CheckReplyResponse:
        if not request.draft.strip():
            raise InvalidArgumentError("draft is empty")
        self.limits.check_text("draft", request.draft, MAX_DRAFT_CHARS)
        package = await self._settled(request.conversation_id)
        findings = check_reply(package, request.draft, self.policy)
        return pb.CheckReplyResponse(findings=[finding_to_pb(f) for f in findings])


def _queue(request: pb.HandoffRequest) -> QueueInfo | None:
    if not request.HasField("queue"):
        return None
    q = request.queue
    for name, value in (("position", q.position), ("estimated_wait_seconds", q.estimated_wait_seconds),
                        ("agents_available", q.agents_available)):
        if not math.isfinite(value) or not 0 <= value <= 1e7:
            raise InvalidArgumentError(f"queue.{name} must be a number between 0 and 10000000")
    return QueueInfo(position=q.position, estimated_wait_seconds=q.estimated_wait_seconds,
                     agents_available=q.agents_available)


def _budget(request: pb.HandoffRequest, context: aio.ServicerContext, default_ms: int) -> int:
    """The LLM budget: the request's (else HANDOFF_LLM_BUDGET_MS), never beyond the caller's own deadline."""
    if not 0 <= request.llm_budget_ms <= MAX_BUDGET_MS:
        raise InvalidArgumentError(f"llm_budget_ms must be between 0 and {MAX_BUDGET_MS}")
    budget = request.llm_budget_ms or default_ms
    remaining = context.time_remaining()
    if remaining is not None:
        budget = min(budget, max(0, int(remaining * 1000) - 50))  # leave time to answer
    return budget


def brief_to_pb(b: Brief) -> pb.Brief:
    extra = struct_pb2.Struct()
    extra.update({"issue_text": b.issue_text, "fallback_reason": b.fallback_reason})
    return pb.Brief(
        issue=convert.issue_to_pb(b.issue), why_human=b.why_human, focus=b.focus,
        do_not_ask=[convert.fact_to_pb(f) for f in b.do_not_ask],
        bot_told=[convert.statement_to_pb(s) for s in b.bot_told],
        commitments=[convert.commitment_to_pb(c) for c in b.commitments],
        steps=[convert.step_to_pb(s) for s in b.steps], sentiment_summary=b.sentiment_summary,
        prior_contacts=[convert.prior_contact_to_pb(p) for p in b.prior_contacts], summary=b.summary,
        key_sentences=[pb.KeySentence(turn_id=k.turn_id, speaker=k.speaker, text=k.text) for k in b.key_sentences],
        sections=b.sections, opening_line=b.opening_line, announcement=b.announcement,
        wait=pb.WaitEstimate(min_seconds=b.wait.min_seconds, max_seconds=b.wait.max_seconds, source=b.wait.source),
        prose_source=b.prose_source.value,
        grounding=pb.Grounding(claims_checked=b.grounding.claims_checked, claims_dropped=b.grounding.claims_dropped,
                               dropped=b.grounding.dropped),
        analyzed_through_turn=b.analyzed_through_turn, extra=extra,
    )


def finding_to_pb(f: Finding) -> pb.Finding:
    return pb.Finding(
        kind=f.kind.value, severity=f.severity.value, span_start=f.span[0], span_end=f.span[1], turn_ids=f.turn_ids,
        earlier_text=f.earlier_text, known_value=f.known_value, message=f.message,
        suggested_rewrite=f.suggested_rewrite,
    )


def load_reply_policy(path: object) -> Policy:
    if path is None:
        return Policy()
    try:
        return Policy.from_mapping(json.loads(Path(str(path)).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as e:
        raise InvalidArgumentError(f"cannot read reply policy {path}: {e}") from e


def _prepare_hook(runtime: Runtime, settings: BriefSettings):  # type: ignore[no-untyped-def]
    """When escalation first looks likely: mark it pending and start the prose."""

    def prepare(package: ContextPackage, escalation: Escalation) -> None:
        if package.stage == Stage.BOT_HANDLING:
            asyncio.get_running_loop().create_task(
                runtime.live.set_stage(package.conversation_id, Stage.ESCALATION_PENDING)
            )
        if settings.model:
            prepare_prose(package, settings)

    return prepare


def add_handoff_services(server: aio.Server, runtime: Runtime, limits: Limits) -> None:
    brief_settings = BriefSettings.from_settings(runtime.settings)
    policy = load_reply_policy(runtime.settings.reply_policy)
    runtime.engine.on_prepare(_prepare_hook(runtime, brief_settings))
    runtime.live.on_forget.append(forget_prepared)
    pb_grpc.add_HandoffServiceServicer_to_server(HandoffServicer(runtime, limits, brief_settings, policy), server)
    from server.api.knowledge import add_knowledge_service

    add_knowledge_service(server, runtime, limits, policy)
