"""A real server on port 0 over a real SQLite file, and a real channel to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from server.app import Runtime, build_runtime, build_server
from server.config import Settings


@dataclass
class Running:
    server: aio.Server
    port: int
    runtime: Runtime
    channel: aio.Channel
    conversations: pb_grpc.ConversationServiceStub
    handoff: pb_grpc.HandoffServiceStub
    knowledge: pb_grpc.KnowledgeServiceStub

    async def create(self, conversation_id: str = "", customer_id: str = "") -> str:
        created = await self.conversations.CreateConversation(
            pb.CreateConversationRequest(conversation_id=conversation_id, customer_id=customer_id)
        )
        return created.conversation_id

    async def say(self, conversation_id: str, request_id: str, text: str, role: int = pb.CUSTOMER) -> pb.Turn:
        response = await self.conversations.AppendTurn(
            pb.AppendTurnRequest(conversation_id=conversation_id, request_id=request_id, role=role, text=text)
        )
        return response.turn

    async def stop(self) -> None:
        await self.channel.close()
        await self.server.stop(None)
        await self.runtime.close()


async def start_server(settings: Settings, engine: object | None = None) -> Running:
    runtime = build_runtime(settings, engine)  # type: ignore[arg-type]
    server, port, runtime = await build_server(settings, runtime)
    await server.start()
    channel = aio.insecure_channel(f"127.0.0.1:{port}")
    return Running(
        server, port, runtime, channel, pb_grpc.ConversationServiceStub(channel),
        pb_grpc.HandoffServiceStub(channel), pb_grpc.KnowledgeServiceStub(channel),
    )


def test_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(**{"port": 0, "data_dir": data_dir, "embeddings": False, **overrides})  # type: ignore[arg-type]


test_settings.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    instance = await start_server(test_settings(tmp_path, max_turn_chars=500, max_turns_per_conversation=50))
    yield instance
    await instance.stop()


def status_of(error: BaseException) -> grpc.StatusCode:
    assert isinstance(error, aio.AioRpcError), error
    return error.code()
