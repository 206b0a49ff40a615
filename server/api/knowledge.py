"""KnowledgeService: search, live assist for the agent desktop, suggestion feedback."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from server.api import convert
from server.api.handoff import finding_to_pb
from server.api.tenancy import check_owned, tenant
from server.checks import Policy, check_reply
from server.context.limits import Limits
from server.context.model import ContextPackage
from server.context.records import FeedbackRecord
from server.errors import (
    FailedPreconditionError,
    InvalidArgumentError,
    KnowledgeUnavailableError,
    UnavailableError,
)
from server.health import Dependency
from server.knowledge.store import KnowledgeBase, Passage
from server.knowledge.suggest import Suggestion, suggest_for

if TYPE_CHECKING:
    from server.app import Runtime

logger = logging.getLogger(__name__)

MAX_TOP_K = 50
MAX_QUERY_CHARS = 2000
FEEDBACK_ACTIONS = ("seen", "used", "dismissed")


class KnowledgeServicer(pb_grpc.KnowledgeServiceServicer):
    def __init__(self, runtime: Runtime, limits: Limits, policy: Policy) -> None:
        self.runtime = runtime
        self.live = runtime.live
        self.limits = limits
        self.policy = policy
        self.stream_queue_size = runtime.settings.stream_queue_size

    @property
    def kb(self) -> KnowledgeBase | None:
        return self.runtime.knowledge  # opened later when Chroma was down at start-up

    def _knowledge(self) -> KnowledgeBase:
        if self.kb is None:
            raise UnavailableError("the knowledge base is not available (embeddings off or Chroma unreachable)")
        return self.kb

    async def SearchKnowledge(
        self, request: pb.SearchKnowledgeRequest, context: aio.ServicerContext
    ) -> pb.SearchKnowledgeResponse:
        top_k = request.top_k or 5
        if not 0 < top_k <= MAX_TOP_K:
            raise InvalidArgumentError(f"top_k must be between 1 and {MAX_TOP_K}")
        self.limits.check_text("query", request.query, MAX_QUERY_CHARS)
        filters = dict(request.filters) or None
        kb = self._knowledge()
        if request.query.strip():
            passages = await asyncio.to_thread(kb.search, request.query, filters, top_k, tenant=tenant())
        elif request.conversation_id:
            self.limits.check_id("conversation_id", request.conversation_id)
            await check_owned(self.live, request.conversation_id)
            package = await self.live.settled(request.conversation_id)
            suggestions = await asyncio.to_thread(suggest_for, package, kb, top_k, filters=filters)
            passages = [s.passage for s in suggestions if s.passage is not None]
        else:
            raise InvalidArgumentError("give a query, or a conversation_id to search from the conversation")
        return pb.SearchKnowledgeResponse(passages=[passage_to_pb(p) for p in passages])

    async def SubmitFeedback(self, request: pb.SuggestionFeedback, context: aio.ServicerContext) -> pb.FeedbackResponse:
        await self._feedback(request)
        return pb.FeedbackResponse()

    async def _feedback(self, request: pb.SuggestionFeedback) -> None:
        self.limits.check_id("conversation_id", request.conversation_id)
        self.limits.check_id("suggestion_id", request.suggestion_id)
        if request.action not in FEEDBACK_ACTIONS:
            raise InvalidArgumentError(f"action must be one of {', '.join(FEEDBACK_ACTIONS)}")
        await check_owned(self.live, request.conversation_id)
        await self.live.store.add_feedback(
            FeedbackRecord(conversation_id=request.conversation_id, suggestion_id=request.suggestion_id,
                           action=request.action, recorded_at=time.time())
        )

    async def Assist(
        self, requests: AsyncIterator[pb.AssistRequest], context: aio.ServicerContext
    ) -> AsyncIterator[pb.AssistResponse]:
        session = _AssistSession(self)
        async for response in session.run(requests):
            yield response


class _AssistSession:
    """One agent desktop's stream: new suggestions as the conversation moves, checks as the agent types."""

    def __init__(self, servicer: KnowledgeServicer) -> None:
        self.servicer = servicer
        self.conversation_id = ""
        self.sent: set[str] = set()
        self.watcher: asyncio.Task[None] | None = None
        # bounded: a desktop that stops reading stops its own requests being read
        self.out: asyncio.Queue[pb.AssistResponse | BaseException | None] = asyncio.Queue(
            servicer.stream_queue_size
        )

    async def run(self, requests: AsyncIterator[pb.AssistRequest]) -> AsyncIterator[pb.AssistResponse]:
        reader = asyncio.create_task(self._read(requests))
        try:
            while True:
                item = await self.out.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            reader.cancel()
            if self.watcher is not None:
                self.watcher.cancel()

    async def _read(self, requests: AsyncIterator[pb.AssistRequest]) -> None:
        live = self.servicer.live
        try:
            async for request in requests:
                event = request.WhichOneof("event")
                if event == "open_conversation_id":
                    self.servicer.limits.check_id("conversation_id", request.open_conversation_id)
                    if self.conversation_id:
                        raise FailedPreconditionError("this stream has a conversation open already")
                    await check_owned(live, request.open_conversation_id)
                    self.conversation_id = request.open_conversation_id
                    await self._suggest(await live.settled(self.conversation_id))
                    self.watcher = asyncio.create_task(self._watch())
                elif not self.conversation_id:
                    raise FailedPreconditionError("open the conversation first (open_conversation_id)")
                elif event == "turn":
                    await self._turn(request.turn)
                elif event == "draft":
                    await self._draft(request.draft)
                elif event == "feedback":
                    await self.servicer._feedback(request.feedback)
                else:
                    raise InvalidArgumentError("an assist request needs one event")
            await self.out.put(None)
        except asyncio.CancelledError:
            raise  # the call is over: nobody reads the queue, which may be full
        except BaseException as error:  # surfaced to the client through the interceptor
            await self.out.put(error)

    async def _turn(self, turn: pb.AppendTurnRequest) -> None:
        if turn.conversation_id and turn.conversation_id != self.conversation_id:
            raise InvalidArgumentError("a turn on the assist stream must belong to the opened conversation")
        turn.conversation_id = self.conversation_id
        new = convert.new_turn_from_pb(turn)
        self.servicer.limits.check_turn(new)
        stored, _ = await self.servicer.live.append_turn(
            self.conversation_id, new, self.servicer.limits.max_turns_per_conversation
        )
        await self._suggest(await self.servicer.live.package(self.conversation_id, stored.id, wait_s=5.0))

    async def _draft(self, draft: str) -> None:
        if not draft.strip():
            return
        self.servicer.limits.check_text("draft", draft, 4000)
        package = await self.servicer.live.settled(self.conversation_id)
        findings = check_reply(package, draft, self.servicer.policy)
        suggestion = pb.Suggestion(
            suggestion_id=f"draft-{len(draft)}-{hash(draft) & 0xFFFFFF:06x}", kind="reply_check",
            title=f"{len(findings)} issue(s) in the draft" if findings else "the draft is consistent",
            findings=[finding_to_pb(f) for f in findings],
        )
        await self.out.put(pb.AssistResponse(suggestions=[suggestion]))

    async def _watch(self) -> None:
        """Turns that reach the conversation by another route (the platform) bring suggestions too."""
        queue = await self.servicer.live.subscribe(self.conversation_id)
        try:
            while True:
                await self._suggest(await queue.get())
        finally:
            self.servicer.live.unsubscribe(self.conversation_id, queue)

    async def _suggest(self, package: ContextPackage) -> None:
        found = await self._suggestions(package)
        fresh = [s for s in found if s.id not in self.sent]
        self.sent.update(s.id for s in fresh)
        if fresh:
            await self.out.put(pb.AssistResponse(suggestions=[suggestion_to_pb(s) for s in fresh]))


    async def _suggestions(self, package: ContextPackage) -> list[Suggestion]:
        """With the knowledge base, or (without it, or while Chroma is down) the other kinds."""
        kb, monitor = self.servicer.kb, self.servicer.runtime.monitor
        if kb is not None:
            try:
                found = await asyncio.to_thread(suggest_for, package, kb, 3)
            except KnowledgeUnavailableError:
                logger.warning("assist: knowledge base unreachable; suggesting without it")
                if monitor is not None:
                    monitor.mark(Dependency.KNOWLEDGE, False)
            else:
                if monitor is not None:
                    monitor.mark(Dependency.KNOWLEDGE, True)
                return found
        from server.knowledge.suggest import commitment_suggestions, fact_suggestions, sentiment_alert

        return [*sentiment_alert(package), *commitment_suggestions(package), *fact_suggestions(package)]


def passage_to_pb(p: Passage) -> pb.Passage:
    return pb.Passage(passage_id=p.id, title=p.title, source=p.source, heading_path=list(p.heading_path),
                      text=p.text, score=p.score)


def suggestion_to_pb(s: Suggestion) -> pb.Suggestion:
    message = pb.Suggestion(suggestion_id=s.id, kind=s.kind.value, title=s.title, text=s.text, score=s.score,
                            turn_ids=list(s.source_turn_ids))
    if s.passage is not None:
        message.passage.CopyFrom(passage_to_pb(s.passage))
    return message


def add_knowledge_service(server: aio.Server, runtime: Runtime, limits: Limits, policy: Policy) -> None:
    pb_grpc.add_KnowledgeServiceServicer_to_server(KnowledgeServicer(runtime, limits, policy), server)
