"""Two SQLite stores on one file, as two server processes on one data folder hold it."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from server.context.model import Role
from server.context.records import ConversationRecord, NewTurn
from server.context.sqlite_store import WATCH_POLL_S, SQLiteStore


async def _until(condition, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(WATCH_POLL_S / 4)


def record(conversation_id: str) -> ConversationRecord:
    now = time.time()
    return ConversationRecord(conversation_id=conversation_id, created_at=now, updated_at=now)


async def test_a_watcher_hears_turns_another_process_appended_and_not_its_own(tmp_path: Path) -> None:
    here, there = SQLiteStore(tmp_path / "context.sqlite3"), SQLiteStore(tmp_path / "context.sqlite3")
    try:
        await here.create_conversation(record("c1"))
        await here.create_conversation(record("c2"))
        heard: list[str] = []
        await here.watch("c1", heard.append)

        await here.append_turn("c1", NewTurn(request_id="mine", role=Role.CUSTOMER, text="hello"), 100)
        await asyncio.sleep(WATCH_POLL_S * 4)
        assert heard == []  # this store appended it: not news

        await there.append_turn("c2", NewTurn(request_id="elsewhere", role=Role.BOT, text="hi"), 100)
        await asyncio.sleep(WATCH_POLL_S * 4)
        assert heard == []  # another conversation, not watched

        await there.append_turn("c1", NewTurn(request_id="theirs", role=Role.BOT, text="how can I help?"), 100)
        await _until(lambda: heard)
        assert heard == ["c1"]

        await here.unwatch("c1")
        await there.append_turn("c1", NewTurn(request_id="later", role=Role.BOT, text="still there?"), 100)
        await asyncio.sleep(WATCH_POLL_S * 4)
        assert heard == ["c1"]
    finally:
        await here.close()
        await there.close()


async def test_a_watchers_poll_reads_every_count_once_then_only_the_new_turns(tmp_path: Path, monkeypatch) -> None:
    """Reading every watched conversation's count is the poll's dear part (20 ms for 10,000): after
    its first round it reads only the turns stored since, and still hears another process's turn,
    also one stored where a deleted turn's row was."""
    from server.context import sqlite_store

    reads: list[int] = []
    counts = sqlite_store._turn_counts
    monkeypatch.setattr(sqlite_store, "_turn_counts", lambda db, ids: reads.append(len(ids)) or counts(db, ids))
    marks: list[int] = []  # where each round of the poll got to
    since = sqlite_store._turns_since

    def turns_since(db: sqlite3.Connection, ids: list[str], mark: int | None) -> tuple[int, dict[str, int]]:
        found = since(db, ids, mark)
        marks.append(found[0])
        return found

    monkeypatch.setattr(sqlite_store, "_turns_since", turns_since)
    here, there = SQLiteStore(tmp_path / "context.sqlite3"), SQLiteStore(tmp_path / "context.sqlite3")
    try:
        for cid in ("c1", "c2"):
            await here.create_conversation(record(cid))
        await there.create_conversation(record("gone").model_copy(update={"customer_id": "leaving"}))
        heard: list[str] = []
        for cid in ("c1", "c2"):
            await here.watch(cid, heard.append)
        await _until(lambda: 2 in reads)  # the first round reads both
        first = len(reads)
        for i in range(20):
            await here.append_turn(f"c{i % 2 + 1}", NewTurn(request_id=f"mine-{i}", role=Role.CUSTOMER, text="hi"), 100)
            await asyncio.sleep(WATCH_POLL_S / 4)
        await there.append_turn("c2", NewTurn(request_id="theirs", role=Role.BOT, text="hello"), 100)
        await _until(lambda: heard)
        assert heard == ["c2"] and len(reads) == first  # this store's turns are not news; theirs is

        # the newest rows deleted: the next row takes a rowid the poll has already passed
        for i in range(3):
            await there.append_turn("gone", NewTurn(request_id=f"g{i}", role=Role.CUSTOMER, text="bye"), 100)
        with sqlite3.connect(tmp_path / "context.sqlite3") as db:
            top = db.execute("SELECT MAX(rowid) FROM turns").fetchone()[0]
        await _until(lambda: marks and marks[-1] >= top)
        assert marks[-1] >= top  # the poll has passed the rows about to go
        await there.delete_customer_data("default", "leaving")
        await there.append_turn("c1", NewTurn(request_id="after", role=Role.BOT, text="still there?"), 100)
        await _until(lambda: "c1" in heard)
        assert heard == ["c2", "c1"] and len(reads) == first + 1
    finally:
        await here.close()
        await there.close()
