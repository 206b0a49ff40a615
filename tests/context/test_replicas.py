"""Two server processes on one Redis: any replica serves any conversation."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from tests.streams import open_desktop

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def replicas(redis_url: str, tmp_path: Path) -> Iterator[list[str]]:
    env = {**os.environ, "HANDOFF_STORE": "redis", "HANDOFF_REDIS_URL": redis_url, "HANDOFF_EMBEDDINGS": "false"}
    procs, targets = [], []
    for index in range(2):
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", "--log-level", "WARNING", "serve", "--port", "0",
             "--data-dir", str(tmp_path / f"replica{index}")],
            stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )
        procs.append(proc)
        targets.append(proc.stdout.readline().split()[3])
    yield targets
    for proc in procs:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def test_appends_interleaved_across_two_replicas_keep_one_order(replicas: list[str]) -> None:
    channels = [grpc.insecure_channel(target) for target in replicas]
    stubs = [pb_grpc.ConversationServiceStub(channel) for channel in channels]
    conversations = [f"shared-{i}" for i in range(4)]
    stubs[0].CreateConversation(pb.CreateConversationRequest(conversation_id=conversations[0]))
    for cid in conversations[1:]:
        stubs[1].CreateConversation(pb.CreateConversationRequest(conversation_id=cid))
    acks: dict[str, list[tuple[str, int]]] = {cid: [] for cid in conversations}
    lock = threading.Lock()

    def client(worker: int) -> None:
        for i in range(40):
            cid = conversations[i % len(conversations)]
            request_id = f"w{worker}-{i}"
            stub = stubs[(worker + i) % 2]  # every client alternates replicas
            ack = stub.AppendTurn(pb.AppendTurnRequest(
                conversation_id=cid, request_id=request_id, role=pb.CUSTOMER, text=f"turn {request_id}"))
            retry = stubs[(worker + i + 1) % 2].AppendTurn(pb.AppendTurnRequest(
                conversation_id=cid, request_id=request_id, role=pb.CUSTOMER, text=f"turn {request_id}"))
            assert retry.duplicate and retry.turn.turn_id == ack.turn.turn_id
            with lock:
                acks[cid].append((request_id, ack.turn.turn_id))

    threads = [threading.Thread(target=client, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for cid in conversations:
        views = [
            stub.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid)) for stub in stubs
        ]
        transcripts = [[(t.request_id, t.turn_id) for t in view.transcript] for view in views]
        assert transcripts[0] == transcripts[1]
        assert [turn_id for _, turn_id in transcripts[0]] == list(range(1, 41))
        assert sorted(transcripts[0]) == sorted(acks[cid])
        escalation = pb_grpc.HandoffServiceStub(channels[1]).EvaluateEscalation(
            pb.EvaluateEscalationRequest(conversation_id=cid)
        )
        assert escalation.decided_at_turn == 40  # the other replica's turns are analysed too
    for channel in channels:
        channel.close()


async def test_an_assist_stream_on_one_replica_hears_a_turn_appended_at_the_other(replicas: list[str]) -> None:
    import asyncio

    from grpc import aio

    first, second = (aio.insecure_channel(target) for target in replicas)
    try:
        await pb_grpc.ConversationServiceStub(first).CreateConversation(
            pb.CreateConversationRequest(conversation_id="fan-out"))
        desktop = open_desktop(pb_grpc.KnowledgeServiceStub(first), "fan-out")
        reader = asyncio.create_task(desktop.first_alert())
        await desktop.opened.wait()
        await asyncio.sleep(0.5)  # the first replica is now watching the conversation
        await pb_grpc.ConversationServiceStub(second).AppendTurn(pb.AppendTurnRequest(
            conversation_id="fan-out", request_id="far", role=pb.CUSTOMER,
            text="This is useless and ridiculous!! LET ME SPEAK TO A REAL PERSON NOW"))
        alert = await asyncio.wait_for(reader, 10)
        assert alert.turn_ids == [1]
        desktop.close()
    finally:
        await first.close()
        await second.close()
