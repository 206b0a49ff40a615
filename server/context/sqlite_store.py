"""The embedded context store: one SQLite file in WAL mode.

Two connections. The frequent writes and the hot path's reads (a group of appends,
a chunk of analysed packages, a conversation's record, a new conversation) run on
the event loop's own connection: with ``synchronous=NORMAL`` a commit is a write
to the page cache, and handing it to a thread and back costs the loop more than
running it. The rest (listings, stage changes, deletions, purges, checkpoints)
runs on one dedicated thread with the other connection. The loop's connection
never waits for a lock: while the thread (or another process) holds the write
lock, SQLite answers BUSY at once and the work goes to the thread, which waits
its turn. With ``FULL``, an fsync per commit, everything runs on the thread. A
committed turn survives the server process being killed; with ``FULL`` also a
power loss.

Appends are group-committed. The first append of an event-loop iteration, with
none queued ahead of it, commits at once in the caller's own step (a group of
one: under load most appends arrive alone, and a hop to a committer task and back
is two waits behind everything else ready to run). The appends after it in the
same iteration, and those that arrive while a commit runs on the thread, share
one transaction, refusals decided per append so one refused turn does not fail
its neighbours. Groups commit one after another, so turn ids stay gapless and
ordered, and every caller hears back only after the commit that holds its turn.

Other processes may write the same file (another server process, an import
tool). A live stream here hears of the turns they append through ``watch``: every
WATCH_POLL_S the store asks SQLite whether another connection has committed
(``PRAGMA data_version``, free when none has) and, only then, which watched
conversations have turns it did not append itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from server.context.model import BotAction, ContextPackage, ExternalContext, Role, Stage, Turn
from server.context.records import ConversationRecord, DeletedCounts, EventRecord, FeedbackRecord, NewTurn
from server.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    NotFoundError,
    ResourceExhaustedError,
)

T = TypeVar("T")
logger = logging.getLogger(__name__)

WATCH_POLL_S = 0.1
CHECKPOINT_EVERY_S = 1.0
_ON_THREAD = object()  # _try_inline's answer when the work must go to the store's thread

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
  conversation_id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  stage TEXT NOT NULL,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL,
  completed_at REAL,
  turn_count INTEGER NOT NULL DEFAULT 0,
  outcome TEXT NOT NULL DEFAULT '',
  labels TEXT NOT NULL DEFAULT '{}',
  package TEXT
);
CREATE INDEX IF NOT EXISTS conversations_customer ON conversations (tenant, customer_id, created_at);
CREATE INDEX IF NOT EXISTS conversations_stage ON conversations (stage, updated_at);
CREATE TABLE IF NOT EXISTS turns (
  conversation_id TEXT NOT NULL,
  turn_id INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  role TEXT NOT NULL,
  text TEXT NOT NULL,
  action TEXT,
  created_at REAL NOT NULL,
  PRIMARY KEY (conversation_id, turn_id),
  UNIQUE (conversation_id, request_id)
);
CREATE TABLE IF NOT EXISTS external_context (
  conversation_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  item TEXT NOT NULL,
  PRIMARY KEY (conversation_id, request_id)
);
CREATE TABLE IF NOT EXISTS events (
  conversation_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  type TEXT NOT NULL,
  occurred_at REAL NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (conversation_id, request_id)
);
CREATE INDEX IF NOT EXISTS events_time ON events (occurred_at);
CREATE TABLE IF NOT EXISTS feedback (
  conversation_id TEXT NOT NULL,
  suggestion_id TEXT NOT NULL,
  action TEXT NOT NULL,
  recorded_at REAL NOT NULL
);
"""

_CONVERSATION_COLUMNS = (
    "conversation_id, tenant, customer_id, channel, stage, created_at, updated_at, "
    "completed_at, turn_count, outcome, labels"
)


class SQLiteStore:
    def __init__(self, path: Path, synchronous: str = "NORMAL") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._db: sqlite3.Connection = self._executor.submit(self._connect, synchronous).result()
        # The event loop's own connection, for the small statements of the hot path, when a commit
        # is a write to the page cache (an fsync per commit, FULL, would stall the loop: not then).
        self._inline: sqlite3.Connection | None = self._connect_inline() if synchronous != "FULL" else None
        self._checkpointed = time.monotonic()
        self._checkpoint: asyncio.Task[None] | None = None
        self._writes_wait = False  # the checkpoint's last pass is running: writes go behind it
        self._appends: list[_PendingAppend] = []  # waiting for the next group commit
        self._committer: asyncio.Task[None] | None = None
        self._first_this_iteration = True  # no append committed at once yet in this loop iteration
        self._watchers: dict[str, Callable[[str], None]] = {}
        self._seen: dict[str, int] = {}  # watched conversation -> turns known here
        self._poller: asyncio.Task[None] | None = None

    def _connect(self, synchronous: str) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={synchronous}")
        db.execute("PRAGMA busy_timeout=5000")
        db.executescript(SCHEMA)
        return db

    def _connect_inline(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=0")  # never wait on the loop: a held lock sends the work to the thread
        db.execute("PRAGMA wal_autocheckpoint=0")  # a checkpoint syncs the file: the thread does it
        return db

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, self._db)

    async def _run_inline(self, fn: Callable[[sqlite3.Connection], T], writes: bool = False) -> T:
        """A few indexed statements, run on the event loop's thread: a hop to the SQLite thread and
        back costs the loop more than they do (two wake-ups, and the thread waits for the interpreter
        lock around every statement while the loop is busy). When another connection holds the write
        lock (a stage change on the thread, another process on the file) SQLite answers BUSY at once
        and the work goes to the thread, which waits its turn."""
        result = self._try_inline(fn, writes)
        return await self._run(fn) if result is _ON_THREAD else result  # type: ignore[return-value]

    def _try_inline(self, fn: Callable[[sqlite3.Connection], T], writes: bool = False) -> T | object:
        """``fn`` on the event loop's connection, or ``_ON_THREAD`` when it must run on the thread:
        with FULL, behind the checkpoint's last pass (which must find no commit after it), or with
        the write lock held elsewhere."""
        if self._inline is None or (writes and self._writes_wait):
            return _ON_THREAD
        try:
            result = fn(self._inline)
        except sqlite3.OperationalError as error:
            if self._inline.in_transaction:
                self._inline.execute("ROLLBACK")
            if not _busy(error):
                raise
            return _ON_THREAD
        if writes:
            self._checkpoint_soon()
        return result

    def _checkpoint_soon(self) -> None:
        """The inline connection never checkpoints (a checkpoint writes the database file and syncs
        it): at most once a second the thread copies the log into the file, in two passes. The
        first copies what the log holds while commits go on beside it (under 500 turns/s: p50
        10-16 ms, p90 up to 40 ms). The log starts over only after a checkpoint that copied all of
        it, so the second copies what was committed meanwhile with writes waiting for it on the
        thread, and the next commit writes the log from its start. The second is mostly the sync
        of the file (p50 9-15 ms, p90 27 ms): writes wait for that, not for the copy of a second's
        pages as well."""
        if self._checkpoint_task_running or time.monotonic() - self._checkpointed < CHECKPOINT_EVERY_S:
            return
        self._checkpointed = time.monotonic()
        self._checkpoint = asyncio.get_running_loop().create_task(self._checkpoint_in_two_passes())

    @property
    def _checkpoint_task_running(self) -> bool:
        return self._checkpoint is not None and not self._checkpoint.done()

    async def _checkpoint_in_two_passes(self) -> None:
        try:
            await self._run(_passive_checkpoint)
            self._writes_wait = True
            try:
                await self._run(_passive_checkpoint)
            finally:
                self._writes_wait = False
        except sqlite3.Error:
            logger.warning("checkpointing the SQLite log failed; the next commit retries", exc_info=True)

    # ------------------------------------------------------------ conversations

    async def create_conversation(self, record: ConversationRecord) -> tuple[ConversationRecord, bool]:
        def create(db: sqlite3.Connection) -> tuple[ConversationRecord, bool]:
            cursor = db.execute(
                "INSERT OR IGNORE INTO conversations (" + _CONVERSATION_COLUMNS + ") "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _conversation_row(record),
            )
            return _get_conversation(db, record.conversation_id), cursor.rowcount == 1

        return await self._run_inline(create, writes=True)

    async def get_conversation(self, conversation_id: str) -> ConversationRecord:
        return await self._run_inline(lambda db: _get_conversation(db, conversation_id))

    async def list_conversations(
        self, *, tenant: str | None = None, customer_id: str = "", stage: Stage | None = None,
        limit: int = 50, offset: int = 0,
    ) -> list[ConversationRecord]:
        where, args = [], []
        if tenant is not None:
            where.append("tenant = ?")
            args.append(tenant)
        if customer_id:
            where.append("customer_id = ?")
            args.append(customer_id)
        if stage is not None:
            where.append("stage = ?")
            args.append(stage.value)
        sql = "SELECT " + _CONVERSATION_COLUMNS + " FROM conversations"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at, conversation_id LIMIT ? OFFSET ?"

        def select(db: sqlite3.Connection) -> list[ConversationRecord]:
            return [_conversation(row) for row in db.execute(sql, (*args, limit, offset))]

        return await self._run(select)

    async def set_stage(self, conversation_id: str, stage: Stage, outcome: str = "") -> ConversationRecord:
        def update(db: sqlite3.Connection) -> ConversationRecord:
            now = time.time()
            completed = now if stage == Stage.COMPLETED else None
            cursor = db.execute(
                "UPDATE conversations SET stage = ?, updated_at = ?, "
                "completed_at = COALESCE(?, completed_at), outcome = CASE WHEN ? = '' THEN outcome ELSE ? END "
                "WHERE conversation_id = ?",
                (stage.value, now, completed, outcome, outcome, conversation_id),
            )
            if cursor.rowcount == 0:
                raise _not_found(conversation_id)
            return _get_conversation(db, conversation_id)

        return await self._run(update)

    # ------------------------------------------------------------ turns

    async def append_turn(self, conversation_id: str, turn: NewTurn, max_turns: int) -> tuple[Turn, bool]:
        if self._first_this_iteration and not self._appends and (self._committer is None or self._committer.done()):
            # The first append of this loop iteration with nothing queued ahead of it (under 500 turns/s,
            # 99% of them) is committed here, a group of one: no hop to the committer and back, each a
            # wait for a loop iteration. The appends after it in the iteration (a burst) form a group.
            self._first_this_iteration = False
            asyncio.get_running_loop().call_soon(self._next_iteration)
            pending = _PendingAppend(conversation_id, turn, max_turns, None)
            result = self._try_inline(lambda db: _append_batch(db, [pending])[0], writes=True)
            if result is not _ON_THREAD:  # else it joins the queue: the thread commits it in a group
                self._note_stored(conversation_id, result)  # type: ignore[arg-type]
                if isinstance(result, Exception):
                    raise result  # refused (a reused request id, the turn limit, ...)
                return result  # type: ignore[return-value]
        done: asyncio.Future[tuple[Turn, bool]] = asyncio.get_running_loop().create_future()
        self._appends.append(_PendingAppend(conversation_id, turn, max_turns, done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_appends())
        return await done

    def _next_iteration(self) -> None:
        self._first_this_iteration = True

    def _note_stored(self, conversation_id: str, result: tuple[Turn, bool] | Exception) -> None:
        if conversation_id in self._seen and not isinstance(result, Exception):
            self._seen[conversation_id] = max(self._seen[conversation_id], result[0].id)  # a watcher's news only if appended elsewhere

    async def _commit_appends(self) -> None:
        while self._appends:
            batch, self._appends = self._appends, []
            try:
                results: list[tuple[Turn, bool] | Exception] = await self._run_inline(
                    lambda db, batch=batch: _append_batch(db, batch), writes=True
                )
            except asyncio.CancelledError:
                for pending in batch:
                    pending.done.cancel()
                raise
            except Exception as error:  # the transaction failed: none of them is stored
                results = [error] * len(batch)
            for pending, result in zip(batch, results):
                self._note_stored(pending.conversation_id, result)
                if pending.done.done():  # the caller went away; its turn is stored all the same
                    continue
                if isinstance(result, Exception):
                    pending.done.set_exception(result)
                else:
                    pending.done.set_result(result)

    async def list_turns(self, conversation_id: str, after_turn_id: int = 0) -> list[Turn]:
        def select(db: sqlite3.Connection) -> list[Turn]:
            rows = db.execute(
                "SELECT turn_id, role, text, request_id, created_at, action FROM turns "
                "WHERE conversation_id = ? AND turn_id > ? ORDER BY turn_id",
                (conversation_id, after_turn_id),
            )
            return [_turn(row) for row in rows]

        return await self._run(select)

    # ------------------------------------------------------------ other processes on the same file

    async def watch(self, conversation_id: str, on_append: Callable[[str], None]) -> None:
        """Call ``on_append(conversation_id)`` when another process appends a turn to it."""
        count = await self._run_inline(lambda db: _turn_counts(db, [conversation_id]).get(conversation_id, 0))
        self._seen[conversation_id] = max(self._seen.get(conversation_id, 0), count)
        self._watchers[conversation_id] = on_append
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll())

    async def unwatch(self, conversation_id: str) -> None:
        self._watchers.pop(conversation_id, None)
        self._seen.pop(conversation_id, None)

    async def _poll(self) -> None:
        # The first round reads every watched count (a commit may have come since watch() read them);
        # later rounds only the turns stored since (reading 10,000 counts costs 20 ms of CPU).
        version, mark = None, None
        while self._watchers:
            await asyncio.sleep(WATCH_POLL_S)
            try:
                # Asked of the event loop's connection, which makes nearly all of this process's commits:
                # its version moves only for the others' (another process, this one's SQLite thread).
                now = _data_version(self._inline) if self._inline is not None else await self._run(_data_version)
                if now == version:
                    continue  # no other connection has committed anything
                version = now
                mark, counts = await self._run(lambda db, ids=list(self._watchers), m=mark: _turns_since(db, ids, m))
            except sqlite3.Error:
                logger.warning("polling for other processes' turns failed; retrying", exc_info=True)
                continue
            for cid, count in counts.items():
                if count > self._seen.get(cid, count):
                    self._seen[cid] = count
                    callback = self._watchers.get(cid)
                    if callback is not None:
                        try:
                            callback(cid)
                        except Exception:  # one subscriber's failure must not stop the others hearing
                            logger.exception("a watcher of %s failed", cid)

    # ------------------------------------------------------------ analysed package

    async def save_package(self, package: ContextPackage) -> None:
        await self.save_packages([package])

    async def save_packages(self, packages: Sequence[ContextPackage]) -> None:
        rows = [(p.model_dump_json(exclude={"transcript"}), p.conversation_id) for p in packages]

        def update(db: sqlite3.Connection) -> None:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("UPDATE conversations SET package = ? WHERE conversation_id = ?", rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

        if rows:  # on the loop's connection: on the thread this transaction held the write lock while each
            # row waited there for the interpreter lock, and the appends that met it (7% of them under
            # 500 turns/s) went to the thread behind it: p50 31 ms
            await self._run_inline(update, writes=True)

    async def load_package(self, conversation_id: str) -> ContextPackage | None:
        def select(db: sqlite3.Connection) -> str | None:
            row = db.execute(
                "SELECT package FROM conversations WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            return row[0] if row else None

        blob = await self._run(select)
        return ContextPackage.model_validate_json(blob) if blob else None

    # ------------------------------------------------------------ outside context, events, feedback

    async def add_external_context(self, conversation_id: str, item: ExternalContext, request_id: str) -> bool:
        def insert(db: sqlite3.Connection) -> bool:
            _get_conversation(db, conversation_id)
            cursor = db.execute(
                "INSERT OR IGNORE INTO external_context VALUES (?, ?, ?)",
                (conversation_id, request_id, item.model_dump_json()),
            )
            return cursor.rowcount == 1

        return await self._run(insert)

    async def list_external_context(self, conversation_id: str) -> list[ExternalContext]:
        def select(db: sqlite3.Connection) -> list[ExternalContext]:
            rows = db.execute(
                "SELECT item FROM external_context WHERE conversation_id = ? ORDER BY rowid", (conversation_id,)
            )
            return [ExternalContext.model_validate_json(row[0]) for row in rows]

        return await self._run(select)

    async def add_event(self, event: EventRecord) -> bool:
        def insert(db: sqlite3.Connection) -> bool:
            _get_conversation(db, event.conversation_id)
            cursor = db.execute(
                "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?)",
                (event.conversation_id, event.request_id, event.type.value, event.occurred_at,
                 event.model_dump_json()),
            )
            return cursor.rowcount == 1

        return await self._run(insert)

    async def list_events(self, conversation_id: str = "", since: float = 0.0) -> list[EventRecord]:
        sql = "SELECT event FROM events WHERE occurred_at >= ?"
        args: tuple[object, ...] = (since,)
        if conversation_id:
            sql += " AND conversation_id = ?"
            args = (since, conversation_id)
        sql += " ORDER BY occurred_at, rowid"

        def select(db: sqlite3.Connection) -> list[EventRecord]:
            return [EventRecord.model_validate_json(row[0]) for row in db.execute(sql, args)]

        return await self._run(select)

    async def add_feedback(self, feedback: FeedbackRecord) -> None:
        await self._run(
            lambda db: db.execute(
                "INSERT INTO feedback VALUES (?, ?, ?, ?)",
                (feedback.conversation_id, feedback.suggestion_id, feedback.action, feedback.recorded_at),
            )
        )

    async def list_feedback(self, conversation_id: str = "") -> list[FeedbackRecord]:
        def select(db: sqlite3.Connection) -> list[FeedbackRecord]:
            rows = db.execute(
                "SELECT conversation_id, suggestion_id, action, recorded_at FROM feedback "
                "WHERE ? = '' OR conversation_id = ? ORDER BY rowid",
                (conversation_id, conversation_id),
            )
            return [
                FeedbackRecord(conversation_id=r[0], suggestion_id=r[1], action=r[2], recorded_at=r[3])
                for r in rows
            ]

        return await self._run(select)

    # ------------------------------------------------------------ lifecycle

    async def complete_inactive(self, idle_before: float, now: float) -> list[str]:
        def complete(db: sqlite3.Connection) -> list[str]:
            rows = db.execute(
                "UPDATE conversations SET stage = ?, completed_at = ?, updated_at = ?, "
                "outcome = CASE WHEN outcome = '' THEN 'inactive' ELSE outcome END "
                "WHERE stage != ? AND updated_at < ? RETURNING conversation_id",
                (Stage.COMPLETED.value, now, now, Stage.COMPLETED.value, idle_before),
            )
            return [row[0] for row in rows]

        return await self._run(complete)

    async def purge_completed(self, completed_before: float) -> int:
        def purge(db: sqlite3.Connection) -> int:
            db.execute("BEGIN IMMEDIATE")
            ids = [
                row[0]
                for row in db.execute(
                    "SELECT conversation_id FROM conversations WHERE stage = ? AND completed_at < ?",
                    (Stage.COMPLETED.value, completed_before),
                )
            ]
            for table in ("turns", "external_context", "events", "feedback", "conversations"):
                db.executemany(f"DELETE FROM {table} WHERE conversation_id = ?", [(i,) for i in ids])
            db.execute("COMMIT")
            return len(ids)

        return await self._run(purge)

    async def delete_customer_data(self, tenant: str, customer_id: str, conversation_id: str = "") -> DeletedCounts:
        sql = "SELECT conversation_id, package IS NOT NULL FROM conversations WHERE tenant = ? AND customer_id = ?"
        args: tuple[str, ...] = (tenant, customer_id)
        if conversation_id:
            sql += " AND conversation_id = ?"
            args = (*args, conversation_id)

        def delete(db: sqlite3.Connection) -> DeletedCounts:
            db.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in free pages
            db.execute("BEGIN IMMEDIATE")
            try:
                rows = db.execute(sql, args).fetchall()
                ids = [(row[0],) for row in rows]
                counts = {}
                for table in ("turns", "external_context", "events", "feedback", "conversations"):
                    counts[table] = sum(
                        db.execute(f"DELETE FROM {table} WHERE conversation_id = ?", i).rowcount for i in ids
                    )
            except BaseException:
                db.execute("ROLLBACK")
                db.execute("PRAGMA secure_delete=OFF")
                raise
            db.execute("COMMIT")
            db.execute("PRAGMA secure_delete=OFF")
            if ids:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # nor left in the write-ahead log
            return DeletedCounts(
                conversations=counts["conversations"], turns=counts["turns"], packages=sum(r[1] for r in rows),
                external_context=counts["external_context"], events=counts["events"], feedback=counts["feedback"],
                conversation_ids=[i[0] for i in ids],
            )

        return await self._run(delete)

    async def ping(self) -> None:
        await self._run(lambda db: db.execute("SELECT 1").fetchone())

    async def close(self) -> None:
        self._watchers.clear()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)
        if self._inline is not None:
            self._inline.close()
        await self._run(lambda db: db.close())
        self._executor.shutdown(wait=True)


@dataclass(frozen=True)
class _PendingAppend:
    conversation_id: str
    turn: NewTurn
    max_turns: int
    done: asyncio.Future[tuple[Turn, bool]] | None  # None: appended at once, nobody waits on a future


def _append_batch(db: sqlite3.Connection, batch: list[_PendingAppend]) -> list[tuple[Turn, bool] | Exception]:
    """One transaction and a handful of statements for the whole batch, however many appends it
    holds: it runs on the event loop, or on the SQLite thread, which gives the interpreter lock up
    and waits to take it back around every statement.

    A refused append (a request id reused for another turn, a completed conversation, the turn
    limit) is refused before anything is written, so it leaves the others in the batch."""
    now = time.time()
    results: list[tuple[Turn, bool] | Exception] = []
    db.execute("BEGIN IMMEDIATE")
    try:
        known = _turns_by_request(db, {(p.conversation_id, p.turn.request_id) for p in batch})
        states = _stages_and_counts(db, list({p.conversation_id for p in batch}))
        inserts: list[tuple[object, ...]] = []
        counts: dict[str, int] = {}
        for pending in batch:
            cid, turn = pending.conversation_id, pending.turn
            stored = known.get((cid, turn.request_id))
            if stored is not None:
                if stored.role != turn.role or stored.text != turn.text:
                    results.append(AlreadyExistsError(
                        f"request_id {turn.request_id!r} was already used for a different turn (turn {stored.id}); "
                        "use a new request_id for a new turn"
                    ))
                else:
                    results.append((stored, True))
                continue
            if cid not in states:
                results.append(_not_found(cid))
                continue
            stage, count = states[cid]
            if stage == Stage.COMPLETED.value:
                results.append(FailedPreconditionError(f"conversation {cid!r} is completed; start a new one"))
                continue
            if count >= pending.max_turns:
                results.append(ResourceExhaustedError(f"conversation {cid!r} has reached the limit of "
                                                      f"{pending.max_turns} turns"))
                continue
            stored = Turn(id=count + 1, role=turn.role, text=turn.text, request_id=turn.request_id, created_at=now,
                          action=turn.action)
            states[cid] = (stage, stored.id)
            counts[cid] = stored.id
            known[cid, turn.request_id] = stored  # the same request again in this batch is a retry of it
            inserts.append((cid, stored.id, turn.request_id, turn.role.value, turn.text,
                            turn.action.model_dump_json() if turn.action else None, now))
            results.append((stored, False))
        db.executemany("INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?)", inserts)
        db.executemany("UPDATE conversations SET turn_count = ?, updated_at = ? WHERE conversation_id = ?",
                       [(count, now, cid) for cid, count in counts.items()])
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return results


def _turns_by_request(db: sqlite3.Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Turn]:
    """The stored turns with these (conversation id, request id) pairs."""
    found: dict[tuple[str, str], Turn] = {}
    pairs = list(keys)
    for start in range(0, len(pairs), 400):
        chunk = pairs[start:start + 400]
        rows = db.execute(
            "WITH wanted(c, r) AS (VALUES " + ",".join(["(?, ?)"] * len(chunk)) + ") "
            "SELECT t.conversation_id, t.turn_id, t.role, t.text, t.request_id, t.created_at, t.action "
            "FROM wanted JOIN turns t ON t.conversation_id = wanted.c AND t.request_id = wanted.r",
            [value for pair in chunk for value in pair],
        )
        for cid, *row in rows:
            turn = _turn(tuple(row))
            found[str(cid), turn.request_id] = turn
    return found


def _stages_and_counts(db: sqlite3.Connection, conversation_ids: list[str]) -> dict[str, tuple[str, int]]:
    states: dict[str, tuple[str, int]] = {}
    for start in range(0, len(conversation_ids), 500):
        chunk = conversation_ids[start:start + 500]
        rows = db.execute(
            f"SELECT conversation_id, stage, turn_count FROM conversations WHERE conversation_id IN "
            f"({','.join('?' * len(chunk))})", chunk,
        )
        states.update((str(cid), (str(stage), int(count))) for cid, stage, count in rows)
    return states


def _busy(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED (extended codes included): another connection holds a lock
    this statement needs. An error SQLite did not raise has no code: not that."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _data_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA data_version").fetchone()[0])


def _turn_counts(db: sqlite3.Connection, conversation_ids: list[str]) -> dict[str, int]:
    return {cid: count for cid, (_, count) in _stages_and_counts(db, conversation_ids).items()}


def _turns_since(db: sqlite3.Connection, conversation_ids: list[str], mark: int | None) -> tuple[int, dict[str, int]]:
    """The last turn of each of these conversations among the turns stored after ``mark`` (a rowid
    of ``turns``), and the mark to ask from next time. While the row at the mark stands, every new
    row has a larger rowid (SQLite gives a new row the largest rowid plus one; writers commit one
    at a time); when it has gone (a deletion, a VACUUM), every one of these conversations' counts is
    read instead, as on the first call (``mark`` None). One read transaction: the statements see
    one state of the file."""
    db.execute("BEGIN")
    try:
        if mark is not None and (mark == 0 or db.execute("SELECT 1 FROM turns WHERE rowid = ?", (mark,)).fetchone()):
            watched, last = set(conversation_ids), {}
            for rowid, cid, turn_id in db.execute("SELECT rowid, conversation_id, turn_id FROM turns WHERE rowid > ?",
                                                  (mark,)):
                mark = max(mark, rowid)
                if cid in watched and turn_id > last.get(cid, 0):
                    last[cid] = turn_id
            return mark, last
        mark = int(db.execute("SELECT COALESCE(MAX(rowid), 0) FROM turns").fetchone()[0])
        return mark, _turn_counts(db, conversation_ids)
    finally:
        db.execute("COMMIT")


def _get_conversation(db: sqlite3.Connection, conversation_id: str) -> ConversationRecord:
    row = db.execute(
        "SELECT " + _CONVERSATION_COLUMNS + " FROM conversations WHERE conversation_id = ?", (conversation_id,)
    ).fetchone()
    if row is None:
        raise _not_found(conversation_id)
    return _conversation(row)


def _not_found(conversation_id: str) -> NotFoundError:
    return NotFoundError(f"no conversation {conversation_id!r}; create it with CreateConversation first")


def _conversation_row(r: ConversationRecord) -> tuple[object, ...]:
    return (
        r.conversation_id, r.tenant, r.customer_id, r.channel, r.stage.value, r.created_at, r.updated_at,
        r.completed_at, r.turn_count, r.outcome, json.dumps(r.labels),
    )


def _conversation(row: tuple[object, ...]) -> ConversationRecord:
    (cid, tenant, customer, channel, stage, created, updated, completed, count, outcome, labels) = row
    return ConversationRecord(
        conversation_id=str(cid), tenant=str(tenant), customer_id=str(customer), channel=str(channel),
        stage=Stage(str(stage)), created_at=float(created), updated_at=float(updated),  # type: ignore[arg-type]
        completed_at=None if completed is None else float(completed),  # type: ignore[arg-type]
        turn_count=int(count), outcome=str(outcome), labels=json.loads(str(labels)),  # type: ignore[call-overload]
    )


def _turn(row: tuple[object, ...]) -> Turn:
    turn_id, role, text, request_id, created_at, action = row
    return Turn(
        id=int(turn_id), role=Role(str(role)), text=str(text), request_id=str(request_id),  # type: ignore[call-overload]
        created_at=float(created_at),  # type: ignore[arg-type]
        action=BotAction.model_validate_json(str(action)) if action else None,
    )


def _passive_checkpoint(db: sqlite3.Connection) -> tuple[int, int, int]:
    """(busy, frames in the log, frames copied into the file)."""
    return tuple(db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())  # type: ignore[return-value]
