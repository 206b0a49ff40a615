"""The context store on Redis, for several server replicas sharing one state.

Every key of a conversation carries the hash tag ``{conversation_id}``, so a
conversation lives in one Redis Cluster slot and its append runs as one Lua
script: the request-id check, the turn limit, the turn id and the write happen
atomically, so retries apply once and two replicas appending to the same
conversation at once keep one gapless order. Indexes across conversations
(by customer, by last update, by completion) are separate keys, updated after.
Durability is Redis's own: run it with ``appendonly yes`` (``appendfsync
everysec`` loses at most a second on power loss; ``always`` loses nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from server.context.model import ContextPackage, ExternalContext, Stage, Turn
from server.context.records import ConversationRecord, DeletedCounts, EventRecord, FeedbackRecord, NewTurn
from server.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    NotFoundError,
    ResourceExhaustedError,
    StoreUnavailableError,
)

APPEND = """
local meta, turns, req = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', meta) == 0 then return {'notfound'} end
local existing = redis.call('HGET', req, ARGV[1])
if existing then return {'dup', redis.call('LINDEX', turns, tonumber(existing) - 1)} end
if redis.call('HGET', meta, 'stage') == 'completed' then return {'completed'} end
local n = tonumber(redis.call('HGET', meta, 'turn_count'))
if n >= tonumber(ARGV[4]) then return {'full'} end
n = n + 1
local turn = cjson.decode(ARGV[2])
turn['id'] = n
turn['created_at'] = tonumber(ARGV[3])
local encoded = cjson.encode(turn)
redis.call('RPUSH', turns, encoded)
redis.call('HSET', req, ARGV[1], n)
redis.call('HSET', meta, 'turn_count', n, 'updated_at', ARGV[3])
redis.call('PUBLISH', ARGV[5], n)
return {'ok', encoded}
"""
INDEX_FLUSH_S = 0.1  # the last-update index (for inactivity) is written this often, in one round trip

# A package is saved only while its conversation exists: a save racing a deletion (here or at
# another replica) must not bring the deleted conversation's analysis back.
SAVE_PACKAGE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
return 1
"""

logger = logging.getLogger(__name__)

# Every key one conversation owns.
PARTS = ("meta", "turns", "req", "package", "context", "context:ids", "events", "events:ids", "feedback")
# The record's fields that change after creation live beside its JSON.
MUTABLE = ("stage", "turn_count", "updated_at", "completed_at", "outcome")
# Redis down, restarting, still loading its data, or the pool out of connections
RECONNECT_RETRIES = 2
REDIS_DOWN = (aioredis.ConnectionError, aioredis.TimeoutError, OSError)
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
C = TypeVar("C", bound=type)


def _unavailable_when_down(method: F) -> F:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except REDIS_DOWN as e:
            raise StoreUnavailableError(
                f"the context store (Redis) is unreachable ({type(e).__name__}); retry later "
                "(appends with the same request_id)"
            ) from e

    return wrapper  # type: ignore[return-value]


def translate_redis_errors(cls: C) -> C:
    """The one place a Redis outage becomes UNAVAILABLE: every public coroutine of the store."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.iscoroutinefunction(member):
            setattr(cls, name, _unavailable_when_down(member))
    return cls


@translate_redis_errors
class RedisStore:
    def __init__(self, url: str, prefix: str = "handoff", max_connections: int = 64) -> None:
        # A bounded pool that waits for a free connection: under load, unbounded pools open
        # connections until the process or Redis runs out of file descriptors.
        # A pooled connection that died while Redis restarted fails once and reconnects: retry
        # that, briefly (an append is one idempotent script, keyed by its request id).
        pool = aioredis.BlockingConnectionPool.from_url(
            url, decode_responses=True, max_connections=max_connections, timeout=5,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), RECONNECT_RETRIES),
            retry_on_error=[aioredis.ConnectionError, aioredis.TimeoutError],
        )
        self._redis = aioredis.Redis(connection_pool=pool)
        self._append = self._redis.register_script(APPEND)
        self._save_package = self._redis.register_script(SAVE_PACKAGE)
        self.prefix = prefix
        self._pubsub = self._redis.pubsub()
        self._watchers: dict[str, Callable[[str], None]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._touched: dict[str, float] = {}  # conversation -> last append, for the last-update index
        self._indexer: asyncio.Task[None] | None = None

    def _key(self, conversation_id: str, part: str) -> str:
        return f"{self.prefix}:{{{conversation_id}}}:{part}"

    def _index(self, name: str) -> str:
        return f"{self.prefix}:index:{name}"

    # ------------------------------------------------------------ conversations

    async def create_conversation(self, record: ConversationRecord) -> tuple[ConversationRecord, bool]:
        meta = self._key(record.conversation_id, "meta")
        fields = {"record": record.model_dump_json(exclude=set(MUTABLE)), **_mutable(record)}
        created = bool(await self._redis.hsetnx(meta, "record", fields.pop("record")))
        if created:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.hset(meta, mapping=fields)
                pipe.zadd(self._index("created"), {record.conversation_id: record.created_at})
                pipe.zadd(self._index("updated"), {record.conversation_id: record.updated_at})
                if record.customer_id:
                    pipe.zadd(self._index(f"customer:{record.customer_id}"), {record.conversation_id: record.created_at})
                await pipe.execute()
        return await self.get_conversation(record.conversation_id), created

    async def get_conversation(self, conversation_id: str) -> ConversationRecord:
        found = await self._redis.hgetall(self._key(conversation_id, "meta"))
        if "record" not in found or "stage" not in found:
            raise NotFoundError(f"no conversation {conversation_id!r}; create it with CreateConversation first")
        return _record(found)

    async def list_conversations(
        self, *, tenant: str | None = None, customer_id: str = "", stage: Stage | None = None,
        limit: int = 50, offset: int = 0,
    ) -> list[ConversationRecord]:
        index = self._index(f"customer:{customer_id}") if customer_id else self._index("created")
        ids = await self._redis.zrange(index, 0, -1)
        records = await self._records(ids)
        if tenant is not None:
            records = [r for r in records if r.tenant == tenant]
        if stage is not None:
            records = [r for r in records if r.stage == stage]
        return records[offset : offset + limit]

    async def _records(self, ids: list[str]) -> list[ConversationRecord]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for conversation_id in ids:
                pipe.hgetall(self._key(conversation_id, "meta"))
            rows = await pipe.execute()
        return [_record(row) for row in rows if "record" in row and "stage" in row]

    async def set_stage(self, conversation_id: str, stage: Stage, outcome: str = "") -> ConversationRecord:
        await self.get_conversation(conversation_id)
        now = time.time()
        fields: dict[str, str] = {"stage": stage.value, "updated_at": repr(now)}
        if outcome:
            fields["outcome"] = outcome
        async with self._redis.pipeline(transaction=False) as pipe:
            if stage == Stage.COMPLETED:
                fields["completed_at"] = repr(now)
                pipe.zadd(self._index("completed"), {conversation_id: now})
            pipe.hset(self._key(conversation_id, "meta"), mapping=fields)
            pipe.zadd(self._index("updated"), {conversation_id: now})
            await pipe.execute()
        return await self.get_conversation(conversation_id)

    # ------------------------------------------------------------ turns

    async def append_turn(self, conversation_id: str, turn: NewTurn, max_turns: int) -> tuple[Turn, bool]:
        now = time.time()
        keys = [self._key(conversation_id, part) for part in ("meta", "turns", "req")]
        payload = turn.model_dump_json(exclude={"request_id"})
        body = json.loads(payload) | {"request_id": turn.request_id}
        status, *rest = await self._append(
            keys=keys, args=[turn.request_id, json.dumps(body), repr(now), max_turns, self._channel(conversation_id)]
        )
        if status == "notfound":
            raise NotFoundError(f"no conversation {conversation_id!r}; create it with CreateConversation first")
        if status == "completed":
            raise FailedPreconditionError(f"conversation {conversation_id!r} is completed; start a new one")
        if status == "full":
            raise ResourceExhaustedError(f"conversation {conversation_id!r} has reached the limit of {max_turns} turns")
        stored = Turn.model_validate_json(rest[0])
        if status == "dup":
            if stored.role != turn.role or stored.text != turn.text:
                raise AlreadyExistsError(
                    f"request_id {turn.request_id!r} was already used for a different turn (turn {stored.id}); "
                    "use a new request_id for a new turn"
                )
            return stored, True
        self._touched[conversation_id] = now  # the append told the other replicas itself (PUBLISH in the script)
        if self._indexer is None or self._indexer.done():
            self._indexer = asyncio.create_task(self._index_later())
        return stored, False

    async def _index_later(self) -> None:
        while self._touched:
            await asyncio.sleep(INDEX_FLUSH_S)
            try:
                await self._write_touched()
            except REDIS_DOWN:
                logger.warning("updating the last-update index failed; retrying", exc_info=True)

    async def _write_touched(self) -> None:
        """The last-update index for the conversations appended to since the last write; XX: a
        conversation deleted meanwhile is not put back."""
        touched, self._touched = self._touched, {}
        if touched:
            try:
                await self._redis.zadd(self._index("updated"), touched, xx=True)
            except BaseException:
                self._touched = touched | self._touched
                raise

    # ------------------------------------------------------------ live fan-out across replicas

    def _channel(self, conversation_id: str) -> str:
        return f"{self.prefix}:{{{conversation_id}}}:appended"

    async def watch(self, conversation_id: str, on_append: Callable[[str], None]) -> None:
        """Call ``on_append(conversation_id)`` whenever any replica appends a turn to it."""
        self._watchers[conversation_id] = on_append
        await self._pubsub.subscribe(self._channel(conversation_id))
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen())

    async def unwatch(self, conversation_id: str) -> None:
        if self._watchers.pop(conversation_id, None) is not None:
            await self._pubsub.unsubscribe(self._channel(conversation_id))

    async def _listen(self) -> None:
        while self._watchers:
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except aioredis.ConnectionError:
                logger.warning("lost the Redis subscription; retrying")
                await asyncio.sleep(1.0)
                continue
            if message is None:
                continue
            conversation_id = str(message["channel"]).split("{", 1)[1].rsplit("}", 1)[0]
            callback = self._watchers.get(conversation_id)
            if callback is not None:
                callback(conversation_id)

    async def list_turns(self, conversation_id: str, after_turn_id: int = 0) -> list[Turn]:
        rows = await self._redis.lrange(self._key(conversation_id, "turns"), after_turn_id, -1)
        return [Turn.model_validate_json(row) for row in rows]

    # ------------------------------------------------------------ analysed package

    async def save_package(self, package: ContextPackage) -> None:
        await self.save_packages([package])

    async def save_packages(self, packages: Sequence[ContextPackage]) -> None:
        if not packages:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for package in packages:
                cid = package.conversation_id
                await self._save_package(
                    keys=[self._key(cid, "meta"), self._key(cid, "package")],
                    args=[package.model_dump_json(exclude={"transcript"})], client=pipe,
                )
            await pipe.execute()

    async def load_package(self, conversation_id: str) -> ContextPackage | None:
        blob = await self._redis.get(self._key(conversation_id, "package"))
        return ContextPackage.model_validate_json(blob) if blob else None

    # ------------------------------------------------------------ outside context, events, feedback

    async def _add_once(self, conversation_id: str, part: str, request_id: str, blob: str) -> bool:
        await self.get_conversation(conversation_id)
        if not await self._redis.hsetnx(self._key(conversation_id, f"{part}:ids"), request_id, "1"):
            return False
        await self._redis.rpush(self._key(conversation_id, part), blob)
        return True

    async def add_external_context(self, conversation_id: str, item: ExternalContext, request_id: str) -> bool:
        return await self._add_once(conversation_id, "context", request_id, item.model_dump_json())

    async def list_external_context(self, conversation_id: str) -> list[ExternalContext]:
        rows = await self._redis.lrange(self._key(conversation_id, "context"), 0, -1)
        return [ExternalContext.model_validate_json(row) for row in rows]

    async def add_event(self, event: EventRecord) -> bool:
        added = await self._add_once(event.conversation_id, "events", event.request_id, event.model_dump_json())
        if added:
            await self._redis.zadd(self._index("events"), {event.conversation_id: 0}, nx=True)
        return added

    async def list_events(self, conversation_id: str = "", since: float = 0.0) -> list[EventRecord]:
        ids = [conversation_id] if conversation_id else await self._redis.zrange(self._index("events"), 0, -1)
        async with self._redis.pipeline(transaction=False) as pipe:
            for cid in ids:
                pipe.lrange(self._key(cid, "events"), 0, -1)
            lists = await pipe.execute()
        events = [EventRecord.model_validate_json(row) for rows in lists for row in rows]
        return sorted((e for e in events if e.occurred_at >= since), key=lambda e: e.occurred_at)

    async def add_feedback(self, feedback: FeedbackRecord) -> None:
        await self._redis.rpush(self._key(feedback.conversation_id, "feedback"), feedback.model_dump_json())
        await self._redis.zadd(self._index("feedback"), {feedback.conversation_id: 0}, nx=True)

    async def list_feedback(self, conversation_id: str = "") -> list[FeedbackRecord]:
        ids = [conversation_id] if conversation_id else await self._redis.zrange(self._index("feedback"), 0, -1)
        rows = []
        for cid in ids:
            rows += await self._redis.lrange(self._key(cid, "feedback"), 0, -1)
        return [FeedbackRecord.model_validate_json(row) for row in rows]

    # ------------------------------------------------------------ lifecycle

    async def complete_inactive(self, idle_before: float, now: float) -> list[str]:
        await self._write_touched()
        idle = await self._redis.zrangebyscore(self._index("updated"), "-inf", idle_before)
        completed = []
        for record in await self._records(idle):
            if record.stage != Stage.COMPLETED:
                await self.set_stage(record.conversation_id, Stage.COMPLETED, record.outcome or "inactive")
                completed.append(record.conversation_id)
        return completed

    async def purge_completed(self, completed_before: float) -> int:
        ids = await self._redis.zrangebyscore(self._index("completed"), "-inf", completed_before)
        for record in await self._records(ids):
            await self._delete(record)
        return len(ids)

    async def delete_customer_data(self, tenant: str, customer_id: str, conversation_id: str = "") -> DeletedCounts:
        ids = await self._redis.zrange(self._index(f"customer:{customer_id}"), 0, -1)
        total = DeletedCounts()
        for record in await self._records(ids):
            if record.tenant == tenant and conversation_id in ("", record.conversation_id):
                total += await self._delete(record)
        return total

    async def _delete(self, record: ConversationRecord) -> DeletedCounts:
        """Every key of the conversation and its entries in the indexes, counted as they go."""
        cid = record.conversation_id
        async with self._redis.pipeline(transaction=False) as pipe:  # indexes sit in other cluster slots
            pipe.llen(self._key(cid, "turns"))
            pipe.exists(self._key(cid, "package"))
            pipe.llen(self._key(cid, "context"))
            pipe.llen(self._key(cid, "events"))
            pipe.llen(self._key(cid, "feedback"))
            pipe.delete(*(self._key(cid, part) for part in PARTS))
            for index in ("created", "updated", "completed", "events", "feedback"):
                pipe.zrem(self._index(index), cid)
            if record.customer_id:
                pipe.zrem(self._index(f"customer:{record.customer_id}"), cid)
            turns, package, context, events, feedback, deleted, *_ = await pipe.execute()
        return DeletedCounts(
            conversations=1 if deleted else 0, turns=turns, packages=package, external_context=context,
            events=events, feedback=feedback, conversation_ids=[cid],
        )

    async def ping(self) -> None:
        await self._redis.exists(self._index("created"))  # unlike PING, refused while Redis still loads its data

    async def close(self) -> None:
        if self._indexer is not None:
            self._indexer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._indexer
        with contextlib.suppress(*REDIS_DOWN):
            await self._write_touched()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._pubsub.aclose()
        await self._redis.aclose(close_connection_pool=True)


def _mutable(record: ConversationRecord) -> dict[str, str]:
    return {
        "stage": record.stage.value, "turn_count": str(record.turn_count), "updated_at": repr(record.updated_at),
        "completed_at": "" if record.completed_at is None else repr(record.completed_at), "outcome": record.outcome,
    }


def _record(row: dict[str, str]) -> ConversationRecord:
    return ConversationRecord.model_validate_json(row["record"]).model_copy(
        update={
            "stage": Stage(row["stage"]), "turn_count": int(row["turn_count"]), "updated_at": float(row["updated_at"]),
            "completed_at": float(row["completed_at"]) if row.get("completed_at") else None,
            "outcome": row.get("outcome", ""),
        }
    )
