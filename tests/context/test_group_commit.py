"""Fewer trips to the disk per turn: SQLite appends committed in groups, packages saved behind the analysis.

Both change when things reach the store, never what is acknowledged: an append
still answers only after the commit holding its turn, and the package a reader
sees is the analysed one whether or not it has been saved yet.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from server.analysis.engine import build_engine
from server.config import Settings
from server.context import sqlite_store
from server.context.live import LiveContext
from server.context.model import ContextPackage, Role, Stage
from server.context.records import ConversationRecord, NewTurn
from server.context.sqlite_store import SQLiteStore
from server.errors import AlreadyExistsError, FailedPreconditionError, NotFoundError, ResourceExhaustedError

CUSTOMER_SAYS = [
    "Hi, my order 88412 never arrived and it was due on Monday.",
    "My email is anna.k@example.com.",
    "This is the third time I'm asking! I want to talk to a person.",
]


def said(request_id: str, text: str, role: Role = Role.CUSTOMER) -> NewTurn:
    return NewTurn(request_id=request_id, role=role, text=text)


@pytest.fixture
async def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    instance = SQLiteStore(tmp_path / "context.sqlite3")
    yield instance
    await instance.close()


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every group the store commits."""
    sizes: list[int] = []
    real = sqlite_store._append_batch

    def counted(db: sqlite3.Connection, batch: list) -> list:  # type: ignore[type-arg]
        sizes.append(len(batch))
        return real(db, batch)

    monkeypatch.setattr(sqlite_store, "_append_batch", counted)
    return sizes


async def test_concurrent_appends_share_commits_and_a_refused_one_fails_alone(
    store: SQLiteStore, batches: list[int]
) -> None:
    for cid in ("a", "b", "done"):
        await store.create_conversation(ConversationRecord(conversation_id=cid))
    await store.append_turn("a", said("r0", "first"), 100)
    await store.set_stage("done", Stage.COMPLETED)
    batches.clear()

    calls = [store.append_turn(cid, said(f"r{i}", f"turn {i} of {cid}"), 100) for i in range(1, 21) for cid in "ab"]
    calls += [
        store.append_turn("missing", said("x", "to nobody"), 100),
        store.append_turn("done", said("x", "too late"), 100),
        store.append_turn("a", said("r0", "not what r0 said"), 100),  # a reused request id
    ]
    results = await asyncio.gather(*calls, return_exceptions=True)

    *good, missing, completed, reused = results
    assert isinstance(missing, NotFoundError)
    assert isinstance(completed, FailedPreconditionError)
    assert isinstance(reused, AlreadyExistsError)
    assert all(isinstance(r, tuple) and r[1] is False for r in good)
    assert len(batches) < len(calls) and sum(batches) == len(calls)  # grouped, every call in exactly one group
    for cid, first_id in (("a", 2), ("b", 1)):
        turns = await store.list_turns(cid)
        mine = [r[0] for r in good if r[0].request_id in {t.request_id for t in turns} and r[0].text.endswith(cid)]
        assert [t.id for t in turns][first_id - 1:] == list(range(first_id, first_id + 20))  # gapless, in order
        assert sorted(t.id for t in mine) == list(range(first_id, first_id + 20))
    assert (await store.get_conversation("done")).turn_count == 0


async def test_the_first_append_of_a_loop_iteration_commits_without_waiting_for_the_loop(
    store: SQLiteStore, batches: list[int]
) -> None:
    """Each wait for the event loop is a wait behind everything else ready to run; under load most
    appends arrive alone, and the first of an iteration is committed in the caller's own step. The
    appends behind it in the same iteration wait for one group commit, and answer after it."""
    await store.create_conversation(ConversationRecord(conversation_id="c"))
    batches.clear()
    texts = ["hello", "again", "and again"]
    appends = [asyncio.ensure_future(store.append_turn("c", said(f"r{i}", t), 100)) for i, t in enumerate(texts)]
    await asyncio.sleep(0)  # one loop iteration: each append has taken its first step
    assert [a.done() for a in appends] == [True, False, False] and batches == [1]
    assert [(await a)[0].id for a in appends] == [1, 2, 3]
    assert batches == [1, 2]
    assert [t.text for t in await store.list_turns("c")] == texts


async def test_within_one_group_a_repeated_request_is_a_retry_and_the_turn_limit_holds(
    store: SQLiteStore, batches: list[int]
) -> None:
    await store.create_conversation(ConversationRecord(conversation_id="c"))
    await store.create_conversation(ConversationRecord(conversation_id="d"))
    await store.append_turn("d", said("d0", "warm-up"), 3)
    batches.clear()
    calls = [store.append_turn("d", said("d1", "other"), 3)]  # the iteration's first: committed at once, alone
    calls += [store.append_turn("c", said(f"r{i}", f"turn {i}"), 3) for i in range(5)]
    calls += [store.append_turn("c", said("r0", "turn 0"), 3), store.append_turn("c", said("r1", "not turn 1"), 3)]
    other, *first_five, retry, reused = await asyncio.gather(*calls, return_exceptions=True)

    assert batches == [1, len(calls) - 1]  # the rest in one group
    assert [r[0].id for r in first_five[:3]] == [1, 2, 3] and all(r[1] is False for r in first_five[:3])
    assert all(isinstance(r, ResourceExhaustedError) for r in first_five[3:])
    assert retry == (first_five[0][0], True)
    assert isinstance(reused, AlreadyExistsError)
    assert other[0].id == 2 and other[1] is False
    assert [t.text for t in await store.list_turns("c")] == ["turn 0", "turn 1", "turn 2"]
    assert (await store.get_conversation("c")).turn_count == 3


async def test_a_failed_commit_fails_every_append_in_it_and_stores_none(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.create_conversation(ConversationRecord(conversation_id="c"))
    real = sqlite_store._append_batch

    def disk_error(db: sqlite3.Connection, batch: list) -> list:  # type: ignore[type-arg]
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(sqlite_store, "_append_batch", disk_error)
    results = await asyncio.gather(
        *(store.append_turn("c", said(f"r{i}", "hello"), 100) for i in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, sqlite3.OperationalError) for r in results)
    assert await store.list_turns("c") == []

    monkeypatch.setattr(sqlite_store, "_append_batch", real)  # the disk is back
    turn, duplicate = await store.append_turn("c", said("r0", "hello"), 100)
    assert (turn.id, duplicate) == (1, False)


async def test_an_append_waits_out_a_write_lock_held_elsewhere_and_reads_go_on(store: SQLiteStore, tmp_path: Path) -> None:
    """The event loop's connection never waits for a lock: held by another writer (another process
    on the file), the commit goes to the store's thread, which waits its turn; reads carry on."""
    await store.create_conversation(ConversationRecord(conversation_id="c"))
    other = sqlite3.connect(tmp_path / "context.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE conversations SET channel = 'chat' WHERE conversation_id = 'c'")
        append = asyncio.create_task(store.append_turn("c", said("r1", "hello"), 100))
        await asyncio.sleep(0.3)
        assert not append.done()  # waiting, not refused as "database is locked"
        assert (await store.get_conversation("c")).channel == ""  # a read is not held up, and sees the last commit
        other.execute("COMMIT")
        turn, duplicate = await asyncio.wait_for(append, 5)
    finally:
        other.close()
    assert (turn.id, duplicate) == (1, False)
    assert [t.text for t in await store.list_turns("c")] == ["hello"]
    assert (await store.get_conversation("c")).channel == "chat"


async def test_the_log_is_copied_into_the_database_behind_the_appends(
    store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop's connection leaves checkpoints (a write and a sync of the database file) to the
    store's thread: the write-ahead log stays small, as SQLite's own checkpoints would keep it."""
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_EVERY_S", 0.0)
    await store.create_conversation(ConversationRecord(conversation_id="c"))
    for i in range(1500):
        await store.append_turn("c", said(f"r{i}", f"turn {i}: " + "the parcel is late again " * 8), 2000)
    wal = tmp_path / "context.sqlite3-wal"
    assert len(await store.list_turns("c")) == 1500
    # 0.2-0.3 MB when this test runs alone, 4.9 MB once in a busy full run; 33 MB without checkpoints
    assert wal.stat().st_size < 8 * 1024 * 1024, wal.stat().st_size


async def test_a_checkpoint_holds_appends_only_for_its_short_last_pass(
    store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first pass (the bulk of a second's log, written and synced) runs beside the commits;
    the second copies what they added, with writes waiting, and the next commit starts the log over."""
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_EVERY_S", 0.0)
    real = sqlite_store._passive_checkpoint
    gates = [threading.Event(), threading.Event()]
    second_started = threading.Event()
    passes: list[tuple[int, int, int]] = []

    def gated(db: sqlite3.Connection) -> tuple[int, int, int]:  # the first pass slow to finish, the second to start
        if not passes:
            passes.append(real(db))
            gates[0].wait(10)
        else:
            second_started.set()
            gates[1].wait(10)
            passes.append(real(db))
        return passes[-1]

    monkeypatch.setattr(sqlite_store, "_passive_checkpoint", gated)
    await store.create_conversation(ConversationRecord(conversation_id="c"))  # starts a checkpoint
    while not passes:  # its first pass has copied the log and is slow to finish
        await asyncio.sleep(0.01)
    for i in range(20):  # committed beside it
        await asyncio.wait_for(store.append_turn("c", said(f"r{i}", f"turn {i}"), 100), 2)
    gates[0].set()
    while not second_started.is_set():  # the second pass is running, waiting at its gate
        await asyncio.sleep(0.01)
    held = asyncio.create_task(store.append_turn("c", said("late", "behind the last pass"), 100))
    await asyncio.sleep(0.2)
    assert not held.done()
    gates[1].set()
    turn, _ = await asyncio.wait_for(held, 5)
    assert turn.id == 21
    first, second = passes
    assert first[1] < second[1] == second[2]  # the second pass copied what came during the first, and all of it
    other = sqlite3.connect(tmp_path / "context.sqlite3")
    try:
        frames = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    finally:
        other.close()
    assert frames < first[1]  # the commit after it wrote the log from its start


async def test_packages_are_saved_and_turns_appended_while_the_store_thread_is_busy(store: SQLiteStore) -> None:
    """A save writes on the event loop's connection, as appends do: it never holds the write lock
    on the thread, where a statement waits for the interpreter lock between rows while the loop
    runs, and the appends that met that lock queued behind it (measured under load: 7% of them,
    p50 31 ms). Nor does it wait behind a long listing there."""
    await store.create_conversation(ConversationRecord(conversation_id="c"))
    release = threading.Event()
    stuck = asyncio.create_task(store._run(lambda db: release.wait(10)))  # as a long listing or export would
    try:
        package = ContextPackage(conversation_id="c", analyzed_through_turn=7)
        await asyncio.wait_for(store.save_packages([package]), 2)
        turn, _ = await asyncio.wait_for(store.append_turn("c", said("r1", "hello"), 100), 2)
    finally:
        release.set()
        await stuck
    assert turn.id == 1
    assert (await store.load_package("c")).analyzed_through_turn == 7


class CountingStore(SQLiteStore):
    saves: list[list[str]]  # the conversations in each save

    async def save_packages(self, packages):  # type: ignore[no-untyped-def]
        self.saves.append([p.conversation_id for p in packages])
        await super().save_packages(packages)


def _counting_live(tmp_path: Path, save_delay_s: float) -> tuple[CountingStore, LiveContext]:
    """A live context on the real engine (no embeddings), over a store that records its saves."""
    store = CountingStore(tmp_path / "context.sqlite3")
    store.saves = []
    return store, LiveContext(store, build_engine(Settings(embeddings=False)).analyse, save_delay_s=save_delay_s)


async def _conversation(live: LiveContext, cid: str, turns: list[str] = CUSTOMER_SAYS) -> ContextPackage:
    await live.store.create_conversation(ConversationRecord(conversation_id=cid, customer_id=f"cust-{cid}"))
    for i, text in enumerate(turns):
        await live.append_turn(cid, said(f"r{i}", text), 100)
    return await live.settled(cid)


async def test_packages_are_saved_behind_the_analysis_in_one_batch(tmp_path: Path) -> None:
    store, live = _counting_live(tmp_path, save_delay_s=0.3)
    try:
        packages = await asyncio.gather(*(_conversation(live, f"c{i}") for i in range(12)))
        assert all(p.analyzed_through_turn == 3 for p in packages)  # served from memory at once
        assert await store.load_package("c0") is None  # not written yet
        for _ in range(100):
            if await store.load_package("c11") is not None:
                break
            await asyncio.sleep(0.05)
        assert len(store.saves) <= 2 and sum(map(len, store.saves)) >= 12  # batched, not one save per turn (36 turns)
        for package in packages:
            stored = await store.load_package(package.conversation_id)
            assert stored == package.model_copy(update={"transcript": []})
    finally:
        await live.close()
        await store.close()


async def test_after_a_crash_the_unsaved_analysis_is_redone_from_the_stored_turns(tmp_path: Path) -> None:
    path = tmp_path / "context.sqlite3"
    engine = build_engine(Settings(embeddings=False))
    first = LiveContext(SQLiteStore(path), engine.analyse, save_delay_s=60)  # nothing saved before the "crash"
    before = await _conversation(first, "c1")
    assert before.facts and before.escalation.reasons
    if first._saver is not None:
        first._saver.cancel()  # the process dies: no flush, no close
    await first.store.close()

    store = SQLiteStore(path)
    after_restart = LiveContext(store, build_engine(Settings(embeddings=False)).analyse)
    try:
        assert await store.load_package("c1") is None
        after = await after_restart.settled("c1")
        assert after.analyzed_through_turn == 3
        assert after.model_dump(exclude={"updated_at"}) == before.model_dump(exclude={"updated_at"})
    finally:
        await after_restart.close()
        await store.close()


async def test_an_evicted_unsaved_package_is_used_again_not_read_back(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "context.sqlite3")
    engine = build_engine(Settings(embeddings=False))
    live = LiveContext(store, engine.analyse, max_cached=1, save_delay_s=60)
    try:
        first = await _conversation(live, "c1")
        await _conversation(live, "c2")  # evicts c1 from the cache before anything was saved
        assert "c1" not in live._live and await store.load_package("c1") is None
        again = await live.package("c1")
        assert again is first  # the analysed package, not a fresh restore from the store
    finally:
        await live.close()
        await store.close()
    reopened = SQLiteStore(tmp_path / "context.sqlite3")
    try:  # closing saved both
        assert (await reopened.load_package("c1")).analyzed_through_turn == 3  # type: ignore[union-attr]
        assert (await reopened.load_package("c2")).analyzed_through_turn == 3  # type: ignore[union-attr]
    finally:
        await reopened.close()


async def test_a_deleted_conversation_is_not_saved_back_by_a_pending_save(tmp_path: Path) -> None:
    store, live = _counting_live(tmp_path, save_delay_s=0.2)
    try:
        await _conversation(live, "c1")
        await _conversation(live, "c2")
        counts = await live.delete_customer_data("default", "cust-c1")
        assert (counts.conversations, counts.packages) == (1, 1)  # the unsaved package counts as deleted
        assert "c1" not in live._unsaved
        await asyncio.sleep(0.5)
        assert store.saves == [["c1"], ["c2"]]  # c1 only as part of its deletion, never after it
        assert await store.load_package("c2") is not None
        with pytest.raises(NotFoundError):
            await store.get_conversation("c1")
    finally:
        await live.close()
        await store.close()
