"""An agent desktop's Assist stream, held open on one conversation, for tests that watch it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc


@dataclass
class Desktop:
    stream: Any
    opened: asyncio.Event
    done: asyncio.Event

    async def first_alert(self) -> pb.Suggestion:
        """The first sentiment alert the stream sends."""
        async for response in self.stream:
            for suggestion in response.suggestions:
                if suggestion.kind == "sentiment_alert":
                    return suggestion
        raise AssertionError("the stream ended without an alert")

    def close(self) -> None:
        self.done.set()
        self.stream.cancel()


def open_desktop(stub: pb_grpc.KnowledgeServiceStub, conversation_id: str) -> Desktop:
    opened, done = asyncio.Event(), asyncio.Event()

    async def requests():  # type: ignore[no-untyped-def]
        yield pb.AssistRequest(open_conversation_id=conversation_id)
        opened.set()
        await done.wait()

    return Desktop(stub.Assist(requests()), opened, done)
