"""Two SQLite stores on one file, as two server processes on one data folder hold it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from server.context.model import Role
from server.context.records import ConversationRecord, NewTurn
from server.context.sqlite_store import WATCH_POLL_S, SQLiteStore


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
        deadline = time.monotonic() + 5
        while not heard and time.monotonic() < deadline:
            await asyncio.sleep(WATCH_POLL_S / 2)
        assert heard == ["c1"]

        await here.unwatch("c1")
        await there.append_turn("c1", NewTurn(request_id="later", role=Role.BOT, text="still there?"), 100)
        await asyncio.sleep(WATCH_POLL_S * 4)
        assert heard == ["c1"]
    finally:
        await here.close()
        await there.close()
