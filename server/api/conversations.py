"""ConversationService: proto in, one domain call, proto out."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator

from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from server.api import convert
from server.api.tenancy import check_owned, not_found, tenant
from server.context.external import parse_external
from server.context.limits import Limits
from server.context.live import LiveContext
from server.context.model import ExternalContext, Stage
from server.context.records import ConversationRecord, EventRecord, EventType
from server.errors import AlreadyExistsError, FailedPreconditionError, InvalidArgumentError
from server.privacy.package import redact_external

MAX_PAGE = 500
logger = logging.getLogger(__name__)

# What a reported handoff event does to the conversation's stage.
EVENT_STAGE = {
    EventType.ESCALATED: Stage.TRANSFERRING,
    EventType.RE_ESCALATED: Stage.TRANSFERRING,
    EventType.AGENT_CONNECTED: Stage.AGENT_CONNECTED,
    EventType.RESOLVED: Stage.COMPLETED,
}


class ConversationServicer(pb_grpc.ConversationServiceServicer):
    def __init__(self, live: LiveContext, limits: Limits, stream_queue_size: int = 64) -> None:
        self.live = live
        self.limits = limits
        self.stream_queue_size = stream_queue_size

    async def CreateConversation(
        self, request: pb.CreateConversationRequest, context: aio.ServicerContext
    ) -> pb.Conversation:
        conversation_id = request.conversation_id or uuid.uuid4().hex
        self.limits.check_id("conversation_id", conversation_id)
        self.limits.check_id("customer_id", request.customer_id, required=False)
        self.limits.check_text("channel", request.channel, self.limits.max_id_chars)
        if len(request.labels) > 32:
            raise InvalidArgumentError("at most 32 labels per conversation")
        now = time.time()
        record, created = await self.live.store.create_conversation(
            ConversationRecord(
                conversation_id=conversation_id, tenant=tenant(), customer_id=request.customer_id,
                channel=request.channel, created_at=now, updated_at=now, labels=dict(request.labels),
            )
        )
        if created:  # an id used before and purged since: whatever is cached under it is stale
            self.live.forget(conversation_id)
        if record.tenant != tenant():  # ids are global: never answer with, or overwrite, another tenant's
            raise AlreadyExistsError(
                f"conversation id {conversation_id!r} is taken; choose another, or leave it empty for a new one"
            )
        return convert.conversation_to_pb(record)

    async def GetConversation(self, request: pb.GetConversationRequest, context: aio.ServicerContext) -> pb.Conversation:
        self.limits.check_id("conversation_id", request.conversation_id)
        record = await self.live.store.get_conversation(request.conversation_id)
        if record.tenant != tenant():
            raise not_found(request.conversation_id)
        return convert.conversation_to_pb(record)

    async def ListConversations(
        self, request: pb.ListConversationsRequest, context: aio.ServicerContext
    ) -> pb.ListConversationsResponse:
        self.limits.check_id("customer_id", request.customer_id, required=False)
        size = request.page_size or 50
        if not 0 < size <= MAX_PAGE:
            raise InvalidArgumentError(f"page_size must be between 1 and {MAX_PAGE}")
        try:
            offset = int(request.page_token or 0)
        except ValueError:
            raise InvalidArgumentError("page_token is not one this server issued") from None
        if offset < 0:
            raise InvalidArgumentError("page_token is not one this server issued")
        records = await self.live.store.list_conversations(
            tenant=tenant(), customer_id=request.customer_id, stage=convert.stage_from_pb(request.stage),
            limit=size + 1, offset=offset,
        )
        more = len(records) > size
        return pb.ListConversationsResponse(
            conversations=[convert.conversation_to_pb(r) for r in records[:size]],
            next_page_token=str(offset + size) if more else "",
        )

    async def CompleteConversation(
        self, request: pb.CompleteConversationRequest, context: aio.ServicerContext
    ) -> pb.Conversation:
        self.limits.check_id("conversation_id", request.conversation_id)
        self.limits.check_text("outcome", request.outcome, self.limits.max_id_chars)
        await check_owned(self.live, request.conversation_id)
        record = await self.live.set_stage(request.conversation_id, Stage.COMPLETED, request.outcome or "completed")
        return convert.conversation_to_pb(record)

    async def AppendTurn(self, request: pb.AppendTurnRequest, context: aio.ServicerContext) -> pb.AppendTurnResponse:
        return await self._append(request)

    async def _append(self, request: pb.AppendTurnRequest) -> pb.AppendTurnResponse:
        self.limits.check_id("conversation_id", request.conversation_id)
        turn = convert.new_turn_from_pb(request)
        self.limits.check_turn(turn)
        await check_owned(self.live, request.conversation_id)
        stored, duplicate = await self.live.append_turn(
            request.conversation_id, turn, self.limits.max_turns_per_conversation
        )
        return pb.AppendTurnResponse(turn=convert.turn_to_pb(stored), duplicate=duplicate)

    async def StreamTurns(
        self, requests: AsyncIterator[pb.StreamTurnsRequest], context: aio.ServicerContext
    ) -> AsyncIterator[pb.StreamTurnsResponse]:
        # bounded: a client that stops reading stops its own requests being read, not the server's memory
        out: asyncio.Queue[pb.StreamTurnsResponse | BaseException | None] = asyncio.Queue(self.stream_queue_size)
        subscribed: dict[str, asyncio.Queue] = {}
        sent_through: dict[str, int] = {}

        async def forward(conversation_id: str, queue: asyncio.Queue) -> None:
            while True:
                package = await queue.get()
                since, through = sent_through.get(conversation_id, 0), package.analyzed_through_turn
                if through > since:
                    await out.put(pb.StreamTurnsResponse(update=convert.update_to_pb(package, since)))
                    # only once queued: an update cancelled while it waits for room is sent at the end. What
                    # it holds, not the package now: the analysis moves the live package on while it waits
                    sent_through[conversation_id] = through

        async def read() -> None:
            try:
                async for request in requests:
                    ack = await self._append(request.append)
                    cid = request.append.conversation_id
                    if cid not in subscribed:
                        queue = await self.live.subscribe(cid, current=True)
                        subscribed[cid] = queue
                        tasks.append(asyncio.create_task(forward(cid, queue)))
                    await out.put(pb.StreamTurnsResponse(ack=ack))
                # the client is done sending: deliver the analysis of all it sent
                for task in tasks[1:]:
                    task.cancel()
                await asyncio.gather(*tasks[1:], return_exceptions=True)  # stopped: none puts after this
                for cid in subscribed:
                    package = await self.live.settled(cid)
                    since = sent_through.get(cid, 0)
                    if package.analyzed_through_turn > since:
                        await out.put(pb.StreamTurnsResponse(update=convert.update_to_pb(package, since)))
                await out.put(None)
            except asyncio.CancelledError:
                raise  # the call is over: nobody reads the queue, which may be full
            except BaseException as error:  # surfaced to the client by the interceptor
                await out.put(error)

        tasks: list[asyncio.Task[None]] = [asyncio.create_task(read())]
        try:
            while True:
                item = await out.get()
                if item is None:
                    while not out.empty():
                        pending = out.get_nowait()
                        if isinstance(pending, pb.StreamTurnsResponse):
                            yield pending
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            for task in tasks:
                task.cancel()
            for cid, queue in subscribed.items():
                self.live.unsubscribe(cid, queue)

    async def GetContextPackage(
        self, request: pb.GetContextPackageRequest, context: aio.ServicerContext
    ) -> pb.ContextPackage:
        self.limits.check_id("conversation_id", request.conversation_id)
        if request.wait_ms < 0 or request.wait_ms > 60_000:
            raise InvalidArgumentError("wait_ms must be between 0 and 60000")
        await check_owned(self.live, request.conversation_id)
        wait_s = request.wait_ms / 1000
        remaining = context.time_remaining()
        if remaining is not None:  # wait no longer than the caller does: answer with what there is, in time
            wait_s = min(wait_s, max(0.0, remaining * 0.9 - 0.05))
        package = await self.live.package(request.conversation_id, request.min_turn_id, wait_s)
        return convert.package_to_pb(package, request.omit_transcript)

    async def IngestContext(
        self, request: pb.IngestContextRequest, context: aio.ServicerContext
    ) -> pb.IngestContextResponse:
        self.limits.check_id("conversation_id", request.conversation_id)
        self.limits.check_id("request_id", request.request_id)
        self.limits.check_id("source", request.source)
        self.limits.check_text("content", request.content, self.limits.max_context_chars)
        content_type = request.content_type or "application/json"
        if content_type not in ("application/json", "text/plain"):
            raise InvalidArgumentError("content_type must be application/json or text/plain")
        item = ExternalContext(
            source=request.source, content_type=content_type, content=request.content, received_at=time.time()
        )
        facts = parse_external(item)  # refuses malformed JSON before anything is stored
        await check_owned(self.live, request.conversation_id)
        stored = redact_external(item, self.live.redactor)
        added = await self.live.store.add_external_context(request.conversation_id, stored, request.request_id)
        if added:
            await self.live.refresh(request.conversation_id)
        return pb.IngestContextResponse(facts_added=len(facts) if added else 0)

    async def DeleteCustomerData(
        self, request: pb.DeleteCustomerDataRequest, context: aio.ServicerContext
    ) -> pb.DeleteCustomerDataResponse:
        self.limits.check_id("customer_id", request.customer_id)
        self.limits.check_id("conversation_id", request.conversation_id, required=False)
        counts = await self.live.delete_customer_data(tenant(), request.customer_id, request.conversation_id)
        logger.info("deleted on request: %d conversation(s), %d turn(s)", counts.conversations, counts.turns)
        return pb.DeleteCustomerDataResponse(
            conversations=counts.conversations, turns=counts.turns, packages=counts.packages,
            external_context=counts.external_context, events=counts.events, feedback=counts.feedback,
        )

    async def ReportEvent(self, request: pb.HandoffEvent, context: aio.ServicerContext) -> pb.ReportEventResponse:
        self.limits.check_id("conversation_id", request.conversation_id)
        self.limits.check_id("request_id", request.request_id)
        self.limits.check_id("agent_id", request.agent_id, required=False)
        self.limits.check_text("text", request.text, self.limits.max_turn_chars)
        event_type = convert.event_type_from_pb(request.type)
        self.limits.check_timestamp("occurred_at", request.occurred_at)
        self.limits.check_number("queue_position", request.queue_position, 0, 1_000_000)
        if event_type == EventType.SATISFACTION:
            self.limits.check_number("a satisfaction score", request.score, 0, 5)
        record = await self.live.store.get_conversation(request.conversation_id)
        if record.tenant != tenant():
            raise not_found(request.conversation_id)
        if record.stage == Stage.COMPLETED and event_type not in (EventType.SATISFACTION, EventType.RESOLVED):
            raise FailedPreconditionError(f"conversation {request.conversation_id!r} is completed")
        event = EventRecord(
            conversation_id=request.conversation_id, type=event_type, request_id=request.request_id,
            occurred_at=request.occurred_at or time.time(), agent_id=request.agent_id,
            text=self.live.redactor.redact(request.text) if self.live.redactor else request.text,
            score=request.score if event_type == EventType.SATISFACTION else None,
            post_handoff=request.post_handoff, queue_position=request.queue_position,
        )
        added = await self.live.store.add_event(event)
        stage = EVENT_STAGE.get(event_type)
        if added and stage is not None and stage != record.stage:
            outcome = "resolved" if event_type == EventType.RESOLVED else ""
            record = await self.live.set_stage(request.conversation_id, stage, outcome)
        return pb.ReportEventResponse(duplicate=not added, stage=convert.STAGE_TO_PB[record.stage])
