"""LiveContext over a real SQLite store: turns appended here are analysed without reading them back."""

from __future__ import annotations

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
