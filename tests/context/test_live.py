"""LiveContext over a real SQLite store: turns appended here are analysed without reading them back."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from server.context.live import LiveContext
from server.context.model import ContextPackage, Role, Turn
from server.context.records import ConversationRecord, NewTurn
from server.context.sqlite_store import SQLiteStore


class CountingStore(SQLiteStore):
    """The real store, counting the reads of turns."""

    reads = 0

    async def list_turns(self, conversation_id: str, after_turn_id: int = 0) -> list[Turn]:
        self.reads += 1
        return await super().list_turns(conversation_id, after_turn_id)


async def _analyse(package: ContextPackage, new_turns: list[Turn], raw: object = None) -> None:
    package.transcript.extend(new_turns)
    package.analyzed_through_turn = new_turns[-1].id


@asynccontextmanager
async def another_call(order: list[str]) -> AsyncIterator[None]:
    """While the body runs, a call's steps: "call" in ``order`` once per event-loop iteration."""
    running = True

    async def steps() -> None:
        while running:
            order.append("call")
            await asyncio.sleep(0)

    probe = asyncio.create_task(steps())
    await asyncio.sleep(0)
    try:
        yield
    finally:
        running = False
        await probe


async def test_turns_appended_here_are_analysed_from_memory_and_others_from_the_store(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "c.sqlite3")
    live = LiveContext(store, _analyse)
    await store.create_conversation(ConversationRecord(conversation_id="c1"))
    for i in range(5):
        await live.append_turn("c1", NewTurn(request_id=f"r{i}", role=Role.CUSTOMER, text=f"turn {i}"), 100)
    package = await live.package("c1", min_turn_id=5, wait_s=5)
    assert [t.text for t in package.transcript] == [f"turn {i}" for i in range(5)]
    reads_here = store.reads  # restoring the conversation read its (empty) transcript once
    assert reads_here == 1

    other = LiveContext(SQLiteStore(tmp_path / "c.sqlite3"), _analyse)  # another process on the same file
    await other.append_turn("c1", NewTurn(request_id="r5", role=Role.BOT, text="from elsewhere"), 100)
    package = await live.settled("c1", timeout_s=5)
    assert [t.id for t in package.transcript] == [1, 2, 3, 4, 5, 6]
    assert package.transcript[-1].text == "from elsewhere" and store.reads > reads_here
    await other.close()
    await live.close()
    await other.store.close()
    await store.close()


async def test_analysis_passes_let_calls_run_between_them(tmp_path: Path) -> None:
    """A burst of conversations' analyses does not hold the event loop: a few passes go per
    loop iteration, so whatever else is ready (a call's next step) runs in between."""
    order: list[str] = []

    async def analyse(package: ContextPackage, new_turns: list[Turn], raw: object = None) -> None:
        order.append("analysis")
        await _analyse(package, new_turns)

    store = SQLiteStore(tmp_path / "c.sqlite3")
    live = LiveContext(store, analyse)
    try:
        for i in range(100):
            await store.create_conversation(ConversationRecord(conversation_id=f"c{i}"))
        await asyncio.gather(*(live._get_live(f"c{i}") for i in range(100)))
        async with another_call(order):
            await asyncio.gather(*(
                live.append_turn(f"c{i}", NewTurn(request_id="r", role=Role.CUSTOMER, text="hi"), 10)
                for i in range(100)
            ))
            for i in range(100):
                await live.settled(f"c{i}", timeout_s=5)
        assert order.count("analysis") == 100
        runs, longest = 0, 0
        for step in order:
            runs = runs + 1 if step == "analysis" else 0
            longest = max(longest, runs)
        assert longest <= 1 + 100 // 16  # without the turnstile: all 100 in one iteration
    finally:
        await live.close()
        await store.close()


async def test_a_save_of_many_packages_lets_calls_run_between_its_chunks(tmp_path: Path) -> None:
    """Packages are saved behind the analysis in one batch a second; the batch is written a chunk
    at a time with the event loop free between chunks, not in one long step."""
    from server.context.live import SAVE_CHUNK

    store = SQLiteStore(tmp_path / "c.sqlite3")
    live = LiveContext(store, _analyse, save_delay_s=3600)  # saved only when flushed here
    order: list[str] = []
    saved = store.save_packages

    async def save_packages(packages: list[ContextPackage]) -> None:
        order.append("save")
        await saved(packages)

    store.save_packages = save_packages  # type: ignore[method-assign]
    try:
        count = 4 * SAVE_CHUNK
        for i in range(count):
            await store.create_conversation(ConversationRecord(conversation_id=f"c{i}"))
            await live.append_turn(f"c{i}", NewTurn(request_id="r", role=Role.CUSTOMER, text="hi"), 10)
        for i in range(count):
            await live.settled(f"c{i}", timeout_s=5)
        async with another_call(order):
            await live.flush()
        saves = [i for i, step in enumerate(order) if step == "save"]
        assert len(saves) == 4
        assert all("call" in order[a:b] for a, b in itertools.pairwise(saves))  # the loop was free between chunks
        stored = [await store.load_package(f"c{i}") for i in range(count)]
        assert all(p is not None and p.analyzed_through_turn == 1 for p in stored)
    finally:
        await live.close()
        await store.close()


async def test_a_change_no_step_reads_is_saved_without_a_new_pass(tmp_path: Path) -> None:
    passes: list[int] = []

    async def analyse(package: ContextPackage, new_turns: list[Turn], raw: object = None) -> None:
        passes.append(len(new_turns))
        if new_turns:
            await _analyse(package, new_turns)

    store = SQLiteStore(tmp_path / "c.sqlite3")
    live = LiveContext(store, analyse, save_delay_s=0.05)
    try:
        await store.create_conversation(ConversationRecord(conversation_id="c1"))
        await live.append_turn("c1", NewTurn(request_id="r1", role=Role.CUSTOMER, text="hi"), 10)
        package = await live.settled("c1", timeout_s=5)
        assert passes == [1]
        package.issue.confidence = 0.9  # a late label moved only its confidence
        live.touch("c1", rerun=False)
        await asyncio.sleep(0.3)
        assert passes == [1]
        assert (await store.load_package("c1")).issue.confidence == 0.9  # type: ignore[union-attr]
        live.touch("c1")  # the label itself changed: the steps run again
        await asyncio.sleep(0.1)
        assert passes == [1, 0]
    finally:
        await live.close()
        await store.close()


async def test_a_reader_before_the_analysis_sees_the_turns_stored_here_without_a_store_read(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "c.sqlite3")
    live = LiveContext(store, _analyse)
    held = asyncio.Event()
    try:
        await store.create_conversation(ConversationRecord(conversation_id="c1"))
        await live.append_turn("c1", NewTurn(request_id="r0", role=Role.CUSTOMER, text="turn 0"), 100)
        await live.settled("c1", timeout_s=5)
        real_ticket = live._turnstile.ticket

        def held_back(first: bool = False) -> asyncio.Future[None]:  # the analysis has not started on the new turns yet
            async def later() -> None:
                await held.wait()
                await real_ticket(first)

            return asyncio.ensure_future(later())

        live._turnstile.ticket = held_back  # type: ignore[method-assign]
        for i in (1, 2):
            await live.append_turn("c1", NewTurn(request_id=f"r{i}", role=Role.BOT, text=f"turn {i}"), 100)
        reads = store.reads
        package = await live.package("c1")
        assert package.analyzed_through_turn == 1
        assert [t.text for t in package.transcript] == ["turn 0", "turn 1", "turn 2"]  # acknowledged ones shown
        assert store.reads == reads  # from memory
        held.set()
        assert (await live.settled("c1", timeout_s=5)).analyzed_through_turn == 3
    finally:
        held.set()  # a failed assertion must not leave the analysis held back
        await live.close()
        await store.close()


async def test_a_waiting_transfer_goes_ahead_of_the_other_conversations_analysis(tmp_path: Path) -> None:
    """Someone waiting on a conversation (a transfer, an agent's draft) has its pending analysis
    go first, not behind every other conversation's pass queued for the event loop."""
    analysed: list[str] = []

    async def analyse(package: ContextPackage, new_turns: list[Turn], raw: object = None) -> None:
        analysed.append(package.conversation_id)
        await _analyse(package, new_turns)

    store = SQLiteStore(tmp_path / "c.sqlite3")
    live = LiveContext(store, analyse)
    ids = [f"c{i}" for i in range(100)]
    try:
        for cid in ids:
            await store.create_conversation(ConversationRecord(conversation_id=cid))
        await asyncio.gather(*(live._get_live(cid) for cid in ids))
        await asyncio.gather(*(
            live.append_turn(cid, NewTurn(request_id="r", role=Role.CUSTOMER, text="hi"), 10) for cid in ids
        ))
        package = await live.settled("c99", timeout_s=5)  # queued last
        assert package.analyzed_through_turn == 1
        assert analysed.index("c99") < 50, analysed  # without going first: the 100th
        for cid in ids:
            assert (await live.settled(cid, timeout_s=5)).analyzed_through_turn == 1
        assert sorted(analysed) == sorted(ids)  # the others are analysed all the same, once each
    finally:
        await live.close()
        await store.close()
