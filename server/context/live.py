"""Live context: stores turns, keeps each conversation's package analysed, tells subscribers.

An append returns as soon as the turn is durable in the store. Analysis runs
behind it, one worker per conversation (so a conversation's turns are analysed
in order) while many conversations proceed at once; the package says which
turn it reflects (``analyzed_through_turn``), and readers may wait for a turn.

The turns are the record; the package is derived from them. It is served from
memory and written to the store behind the analysis, every ``save_delay_s``,
all changed packages in one batch: a crash loses at most that much analysis,
which the next reader redoes from the stored turns (a restored package re-reads
every turn after its ``analyzed_through_turn``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from server.context.model import ContextPackage, PriorContact, Stage, Turn
from server.context.records import ConversationRecord, DeletedCounts, NewTurn
from server.context.store import ContextStore
from server.privacy.redact import NO_REDACTION, Redactor

logger = logging.getLogger(__name__)

Analyse = Callable[..., Awaitable[None]]  # (package, new_turns[, raw_text by turn id])
SAVE_CHUNK = 32  # packages per save call behind the analysis, serialised and written on the event loop (0.6 ms for 32 of 1 KB)
ALL_STORED = -1  # package(min_turn_id=ALL_STORED): wait for every turn the store holds


@dataclass
class _Live:
    package: ContextPackage
    stored_through: int = 0  # the last turn id the store acknowledged
    # What a conversation keeps between its turns is walked by every full collection: the
    # condition exists only while a reader waits on it, the worker only while it runs.
    changed: asyncio.Condition | None = None
    worker: asyncio.Task[None] | None = None
    ticket: asyncio.Future[None] | None = None  # the worker's place in the turnstile's queue, while it waits
    urgent: bool = False  # someone waits on the next pass: it goes to the front of the queue
    dirty: bool = False
    subscribers: set[asyncio.Queue[ContextPackage]] = field(default_factory=set)
    raw_text: dict[str, str] = field(default_factory=dict)  # request id -> text of a turn stored redacted, until analysed
    appended: dict[int, Turn] = field(default_factory=dict)  # turns this process stored, until analysed


class _Turnstile:
    """Lets analysis passes through a few per event-loop iteration.

    Calls and analysis share one event loop, which runs every ready callback in an
    iteration before it looks again. Were each conversation's analysis free to start at
    once, a burst of them would sit in front of the calls that arrived meanwhile; let
    through a few per iteration, the calls run between them, and under load the delay
    goes to the analysis lag instead of to the calls. The more are waiting, the more go
    through at once, so a backlog still drains."""

    def __init__(self, per_iteration: int = 1, backlog_share: int = 16) -> None:
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._per_iteration = per_iteration
        self._backlog_share = backlog_share
        self._scheduled = False

    def ticket(self, first: bool = False) -> asyncio.Future[None]:
        """A place in the queue (at its front when ``first``): done when the pass may go."""
        loop = asyncio.get_running_loop()
        ticket: asyncio.Future[None] = loop.create_future()
        if first:
            self._waiting.appendleft(ticket)
        else:
            self._waiting.append(ticket)
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._release)
        return ticket

    def hurry(self, ticket: asyncio.Future[None] | None) -> None:
        """To the front of the queue: someone is waiting on this pass (a transfer)."""
        if ticket is None or ticket.done():
            return
        try:
            self._waiting.remove(ticket)
        except ValueError:
            return
        self._waiting.appendleft(ticket)

    def _release(self) -> None:
        admit = self._per_iteration + len(self._waiting) // self._backlog_share
        while admit and self._waiting:
            ticket = self._waiting.popleft()
            if not ticket.done():  # a cancelled waiter gives its place up
                ticket.set_result(None)
                admit -= 1
        if self._waiting:
            asyncio.get_running_loop().call_soon(self._release)
        else:
            self._scheduled = False


class LiveContext:
    def __init__(
        self, store: ContextStore, analyse: Analyse, max_cached: int = 20_000, redactor: Redactor = NO_REDACTION,
        save_delay_s: float = 1.0,
    ) -> None:
        self.store = store
        self.save_delay_s = save_delay_s  # 0: every analysis pass saves its package before it is published
        self._unsaved: dict[str, _Live] = {}  # packages changed since they were last saved
        self._saver: asyncio.Task[None] | None = None
        self._saving = asyncio.Lock()  # a deletion waits for a save in flight, so nothing it deletes comes back
        self._closed = False
        self._turnstile = _Turnstile()
        self.redactor = redactor  # storage redaction: what reaches the store, and what is served back
        self._analyse = analyse
        self._max_cached = max_cached
        self._live: OrderedDict[str, _Live] = OrderedDict()
        self.analysis_lag: deque[float] = deque(maxlen=10_000)  # seconds from append to analysed
        self._background: set[asyncio.Task[None]] = set()
        # other holders of a conversation's data in memory (prepared prose, pending embeddings)
        self.on_forget: list[Callable[[str], None]] = []

    # ------------------------------------------------------------ writes

    async def append_turn(self, conversation_id: str, turn: NewTurn, max_turns: int) -> tuple[Turn, bool]:
        """Stores the turn (redacted when storage redaction is on: the raw text stays in memory,
        under its request id, only until the turn is analysed)."""
        redacted = self.redactor.redact(turn.text) if self.redactor else turn.text
        if redacted == turn.text:
            stored, duplicate = await self.store.append_turn(conversation_id, turn, max_turns)
            live = await self._get_live(conversation_id)
        else:
            live = await self._get_live(conversation_id)
            live.raw_text[turn.request_id] = turn.text  # before the store: a worker may pick the turn up at once
            try:
                stored, duplicate = await self.store.append_turn(
                    conversation_id, turn.model_copy(update={"text": redacted}), max_turns
                )
            except BaseException:
                live.raw_text.pop(turn.request_id, None)
                raise
            if duplicate and stored.id <= live.package.analyzed_through_turn:
                live.raw_text.pop(turn.request_id, None)  # a retry of a turn analysed already
        live.stored_through = max(live.stored_through, stored.id)
        if stored.id > live.package.analyzed_through_turn:
            live.appended[stored.id] = stored  # the analysis need not read it back from the store
        live.dirty = True
        self._kick(conversation_id, live)
        return stored, duplicate

    def touch(self, conversation_id: str, rerun: bool = True) -> None:
        """Something changed outside a turn (a late issue label): re-run the package steps, save,
        publish; with rerun=False (nothing a step reads changed) only save it."""
        live = self._live.get(conversation_id)
        if live is None:
            return
        if rerun or self.save_delay_s <= 0:
            live.dirty = True
            self._kick(conversation_id, live)
        else:
            self._save_later(conversation_id, live)

    async def refresh(self, conversation_id: str) -> None:
        """Re-run the package steps (after outside context or a stage change)."""
        live = await self._get_live(conversation_id)
        record = await self.store.get_conversation(conversation_id)
        live.package.stage = record.stage
        live.package.external_context = await self.store.list_external_context(conversation_id)
        live.dirty = True
        self._kick(conversation_id, live)

    # ------------------------------------------------------------ reads

    async def package(
        self, conversation_id: str, min_turn_id: int = 0, wait_s: float = 0.0, urgent: bool = False
    ) -> ContextPackage:
        """With ``urgent`` (a transfer waits on it) the conversation's pending analysis goes ahead of
        the others queued for the event loop."""
        live = await self._get_live(conversation_id)
        await self._catch_up(conversation_id, live)
        if min_turn_id == ALL_STORED:
            min_turn_id = live.stored_through
        if min_turn_id > live.package.analyzed_through_turn and wait_s > 0:
            if urgent:
                live.urgent = True
                self._turnstile.hurry(live.ticket)
            if live.changed is None:
                live.changed = asyncio.Condition()
            changed = live.changed
            async with changed:
                try:
                    await asyncio.wait_for(
                        changed.wait_for(lambda: live.package.analyzed_through_turn >= min_turn_id),
                        timeout=wait_s,
                    )
                except TimeoutError:
                    pass
        package = live.package
        if live.stored_through > package.analyzed_through_turn:
            # acknowledged but not analysed yet: the transcript still shows it (once: the
            # analysis may have taken some of these turns in while the store was read)
            pending = await self._unanalysed(conversation_id, live)
            shown = package.transcript[-1].id if package.transcript else 0
            unseen = [t for t in pending if t.id > shown]
            package = package.model_copy(update={"transcript": [*package.transcript, *unseen]})
        return package

    async def settled(self, conversation_id: str, timeout_s: float = 10.0) -> ContextPackage:
        """The package once every stored turn has been analysed, including turns that another
        process sharing the store appended. Someone waits on it (a transfer, an agent's draft): its
        analysis goes ahead of the others queued."""
        return await self.package(conversation_id, ALL_STORED, timeout_s, urgent=True)

    async def _catch_up(self, conversation_id: str, live: _Live) -> None:
        """Turns another process appended to the shared store are analysed here too."""
        record = await self.store.get_conversation(conversation_id)
        if record.turn_count > live.stored_through:
            live.stored_through = record.turn_count
            live.dirty = True
            self._kick(conversation_id, live)

    async def tenant_of(self, conversation_id: str) -> str:
        """The conversation's tenant (NotFoundError when there is none); cached ones cost no store read."""
        live = self._live.get(conversation_id)
        if live is not None:
            return live.package.tenant
        return (await self.store.get_conversation(conversation_id)).tenant

    async def subscribe(self, conversation_id: str, current: bool = False) -> asyncio.Queue[ContextPackage]:
        """A queue of the package after each analysis. With ``current`` it starts with the package as it
        is once subscribed, when that reflects any turn: an analysis that landed while the subscriber
        was subscribing (just after its own append, say) is not lost until the next turn."""
        live = await self._get_live(conversation_id)
        queue: asyncio.Queue[ContextPackage] = asyncio.Queue(maxsize=256)
        if not live.subscribers and hasattr(self.store, "watch"):  # a store shared by replicas
            await self.store.watch(conversation_id, self._appended_elsewhere)
        live.subscribers.add(queue)
        if current and live.package.analyzed_through_turn:
            queue.put_nowait(live.package)
        return queue

    def unsubscribe(self, conversation_id: str, queue: asyncio.Queue[ContextPackage]) -> None:
        live = self._live.get(conversation_id)
        if live is not None:
            live.subscribers.discard(queue)
            if not live.subscribers and hasattr(self.store, "unwatch"):
                task = asyncio.get_running_loop().create_task(self.store.unwatch(conversation_id))
                self._background.add(task)
                task.add_done_callback(self._background.discard)

    def _appended_elsewhere(self, conversation_id: str) -> None:
        """Another replica stored a turn: analyse it here, so this replica's streams hear of it."""
        live = self._live.get(conversation_id)
        if live is not None:
            task = asyncio.get_running_loop().create_task(self._catch_up(conversation_id, live))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def forget(self, conversation_id: str) -> None:
        self._unsaved.pop(conversation_id, None)
        live = self._live.pop(conversation_id, None)
        if live and live.worker and not live.worker.done():
            live.worker.cancel()

    async def delete_customer_data(self, tenant: str, customer_id: str, conversation_id: str = "") -> DeletedCounts:
        """Deletion on request: the store's records, then everything held in memory about them.

        The knowledge base needs nothing: it indexes only the deployment's documents (a
        conversation is only ever a search query, never indexed), so no vector-store entry
        derives from a customer's transcript."""
        mine = [
            r for r in await self.store.list_conversations(tenant=tenant, customer_id=customer_id, limit=1_000_000)
            if conversation_id in ("", r.conversation_id)
        ]
        # analysed but not yet saved: saved first, so the counts say what existed (the deletion
        # below removes it from the store's files and logs like everything else)
        unsaved = [self._unsaved[r.conversation_id].package for r in mine if r.conversation_id in self._unsaved]
        workers = [self._stop(r.conversation_id) for r in mine]
        await asyncio.gather(*(w for w in workers if w is not None), return_exceptions=True)
        async with self._saving:
            await self.store.save_packages(unsaved)
            counts = await self.store.delete_customer_data(tenant, customer_id, conversation_id)
        for cid in {*counts.conversation_ids, *(r.conversation_id for r in mine)}:
            self._stop(cid)
            for hook in self.on_forget:
                hook(cid)
        if conversation_id and counts.conversations:
            await self._drop_prior_contact(tenant, customer_id, conversation_id)
        return counts

    def _stop(self, conversation_id: str) -> asyncio.Task[None] | None:
        """Forgets the conversation; returns its analysis worker (cancelled) to wait for."""
        self._unsaved.pop(conversation_id, None)
        live = self._live.pop(conversation_id, None)
        if live is None or live.worker is None or live.worker.done():
            return None
        live.worker.cancel()
        return live.worker

    async def _drop_prior_contact(self, tenant: str, customer_id: str, deleted: str) -> None:
        """The customer's other conversations no longer list the deleted one as a prior contact."""
        for record in await self.store.list_conversations(tenant=tenant, customer_id=customer_id, limit=1_000_000):
            live = self._live.get(record.conversation_id) or self._unsaved.get(record.conversation_id)
            package = live.package if live else await self.store.load_package(record.conversation_id)
            if package is not None and any(c.conversation_id == deleted for c in package.prior_contacts):
                package.prior_contacts = [c for c in package.prior_contacts if c.conversation_id != deleted]
                await self.store.save_package(package)

    async def drain(self) -> None:
        """Wait for every running analysis and save what it changed (shutdown, tests)."""
        workers = [live.worker for live in self._live.values() if live.worker and not live.worker.done()]
        if workers:
            await asyncio.gather(*workers, return_exceptions=True)
        await self.flush()

    async def close(self) -> None:
        """Shutdown: finish the analyses, save every package, stop the saver. An analysis that
        still finishes afterwards (a late issue label) is not saved: the next start redoes it."""
        await self.drain()
        self._closed = True
        if self._saver is not None:
            self._saver.cancel()
            await asyncio.gather(self._saver, return_exceptions=True)
        await self.flush()

    async def flush(self) -> None:
        """Save every package changed since its last save, in one batch (readers of the store:
        metrics, shutdown)."""
        async with self._saving:
            batch, self._unsaved = self._unsaved, {}
            if not batch:
                return
            packages = [live.package for live in batch.values()]
            try:
                for start in range(0, len(packages), SAVE_CHUNK):
                    if start:
                        # calls run between chunks: a save on the loop's connection never suspends, and
                        # a second's packages under 500 turns/s (about 500) held the loop for ~20 ms
                        await asyncio.sleep(0)
                    await self.store.save_packages(packages[start:start + SAVE_CHUNK])
            except BaseException:
                for cid, live in batch.items():
                    self._unsaved.setdefault(cid, live)  # tried again at the next save
                raise

    def _save_later(self, conversation_id: str, live: _Live) -> None:
        if self._closed:
            return
        self._unsaved[conversation_id] = live
        if self._saver is None or self._saver.done():
            self._saver = asyncio.get_running_loop().create_task(self._save_after_delay())

    async def _save_after_delay(self) -> None:
        failing = False
        while self._unsaved and not self._closed:
            await asyncio.sleep(self.save_delay_s)
            try:
                await self.flush()
            except Exception:  # the store is down: the turns are safe, the packages wait in memory
                if not failing:
                    logger.warning("saving %d analysed packages failed; retrying every %.1f s",
                                   len(self._unsaved), self.save_delay_s, exc_info=True)
                failing = True
            else:
                if failing:
                    logger.info("analysed packages saved again")
                failing = False

    # ------------------------------------------------------------ internals

    async def _get_live(self, conversation_id: str) -> _Live:
        live = self._live.get(conversation_id)
        if live is not None:
            self._live.move_to_end(conversation_id)
            return live
        live = self._unsaved.get(conversation_id)  # evicted before its package was saved: newer than the store's
        if live is not None:
            self._live[conversation_id] = live
            self._evict()
            return live
        record = await self.store.get_conversation(conversation_id)
        package = await self._restore(record)
        live = self._live.get(conversation_id)  # another coroutine may have won the race
        if live is None:
            live = _Live(package=package, stored_through=record.turn_count)
            self._live[conversation_id] = live
            self._evict()
            if record.turn_count > package.analyzed_through_turn:  # e.g. after a crash
                live.dirty = True
                self._kick(conversation_id, live)
        return live

    async def _restore(self, record: ConversationRecord) -> ContextPackage:
        package = await self.store.load_package(record.conversation_id)
        if package is None:
            package = ContextPackage(
                conversation_id=record.conversation_id, tenant=record.tenant, customer_id=record.customer_id,
                channel=record.channel, created_at=record.created_at,
            )
            package.prior_contacts = await self._prior_contacts(record)
        package.stage = record.stage
        package.transcript = await self.store.list_turns(record.conversation_id)
        package.transcript = [t for t in package.transcript if t.id <= package.analyzed_through_turn]
        package.external_context = await self.store.list_external_context(record.conversation_id)
        return package

    async def _prior_contacts(self, record: ConversationRecord) -> list[PriorContact]:
        if not record.customer_id:
            return []
        earlier = await self.store.list_conversations(
            tenant=record.tenant, customer_id=record.customer_id, limit=500
        )
        contacts = []
        for other in earlier:
            if other.conversation_id == record.conversation_id or other.created_at > record.created_at:
                continue
            held = self._live.get(other.conversation_id) or self._unsaved.get(other.conversation_id)
            other_package = held.package if held else await self.store.load_package(other.conversation_id)
            contacts.append(
                PriorContact(
                    conversation_id=other.conversation_id,
                    issue_label=other_package.issue.label if other_package else "",
                    outcome=other.outcome or other.stage.value,
                    started_at=other.created_at,
                    turn_count=other.turn_count,
                )
            )
        return contacts[-20:]

    def _evict(self) -> None:
        while len(self._live) > self._max_cached:
            oldest, live = next(iter(self._live.items()))
            if live.worker and not live.worker.done() or live.subscribers:
                self._live.move_to_end(oldest)
                return
            self._live.pop(oldest)

    def _kick(self, conversation_id: str, live: _Live) -> None:
        if live.worker is None or live.worker.done():
            live.worker = asyncio.create_task(self._work(conversation_id, live))

    async def _work(self, conversation_id: str, live: _Live) -> None:
        while live.dirty:
            live.ticket = self._turnstile.ticket(first=live.urgent)
            try:
                await live.ticket
            finally:
                live.ticket = None
            live.dirty = live.urgent = False
            try:
                await self._analyse_new(conversation_id, live)
            except Exception:
                logger.exception("analysis of conversation %s failed", conversation_id)
        if live.worker is asyncio.current_task():
            live.worker = None  # a finished task keeps its coroutine and context: not for every idle conversation

    async def _analyse_new(self, conversation_id: str, live: _Live) -> None:
        # Analysed in place: every analyser advances ``analyzed_through_turn`` only
        # after it has finished with a turn, so a reader never sees a turn counted
        # as reflected before it is.
        package = live.package
        new_turns = await self._new_turns(conversation_id, live)
        raw = {t.id: live.raw_text.pop(t.request_id) for t in new_turns if t.request_id in live.raw_text}
        if raw:
            await self._analyse(package, new_turns, raw)
        else:
            await self._analyse(package, new_turns)
        package.updated_at = time.time()
        if self.save_delay_s > 0:
            self._save_later(conversation_id, live)
        else:
            await self.store.save_package(package)
        now = time.time()
        self.analysis_lag.extend(now - t.created_at for t in new_turns)
        if live.changed is not None:
            async with live.changed:
                live.changed.notify_all()
        for queue in list(live.subscribers):
            if queue.full():
                queue.get_nowait()  # a slow subscriber gets the newest state, not a backlog
            queue.put_nowait(package)

    async def _unanalysed(self, conversation_id: str, live: _Live) -> list[Turn]:
        """The stored turns after the analysed ones: from memory when this process stored every one of
        them (no store round trip), else from the store (turns another process appended, or turns a
        running analysis has already taken)."""
        wanted = range(live.package.analyzed_through_turn + 1, live.stored_through + 1)
        if wanted and all(i in live.appended for i in wanted):
            return [live.appended[i] for i in wanted]
        return await self.store.list_turns(conversation_id, live.package.analyzed_through_turn)

    async def _new_turns(self, conversation_id: str, live: _Live) -> list[Turn]:
        """The unanalysed turns, taken for analysis."""
        turns = await self._unanalysed(conversation_id, live)
        for turn in turns:
            live.appended.pop(turn.id, None)
        return turns

    async def set_stage(self, conversation_id: str, stage: Stage, outcome: str = "") -> ConversationRecord:
        record = await self.store.set_stage(conversation_id, stage, outcome)
        live = self._live.get(conversation_id)
        if live is not None:
            live.package.stage = stage
        return record
