"""The server process SIGKILLed while a StreamTurns stream is feeding it.

Proves, with ``python -m server serve --port 0`` in a subprocess on a SQLite data
folder: every turn acknowledged on the bidi stream before the kill is there, exactly
once and with its acknowledged turn id, after a restart on the same folder; the
client sees the stream end with UNAVAILABLE, not a hang; resending every turn with
the same request ids is recognised as duplicates for the acknowledged ones, and
leaves each turn stored once with gapless ids.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = ["kill-a", "kill-b"]
PLANNED = [(CONVERSATIONS[i % 2], f"req-{i}", f"turn number {i}") for i in range(200)]
KILL_AFTER = 40


def start(data_dir: Path) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "HANDOFF_EMBEDDINGS": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "--log-level", "WARNING", "serve", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    assert "listening on" in line, f"the server did not start: {line!r}"
    return proc, int(line.split()[3].rsplit(":", 1)[1])


def _request(cid: str, request_id: str, text: str) -> pb.StreamTurnsRequest:
    return pb.StreamTurnsRequest(append=pb.AppendTurnRequest(
        conversation_id=cid, request_id=request_id, role=pb.CUSTOMER, text=text))


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


def test_turns_acknowledged_on_a_stream_survive_a_sigkill_exactly_once(
    tmp_path: Path, server_process: list[subprocess.Popen[str]]
) -> None:
    proc, port = start(tmp_path)
    server_process.append(proc)
    acked: dict[str, int] = {}
    outgoing: queue.Queue[pb.StreamTurnsRequest | None] = queue.Queue()

    def requests() -> Iterator[pb.StreamTurnsRequest]:
        while (item := outgoing.get()) is not None:
            yield item

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.ConversationServiceStub(channel)
        for cid in CONVERSATIONS:
            stub.CreateConversation(pb.CreateConversationRequest(conversation_id=cid), timeout=10)
        feeder = threading.Thread(target=lambda: [outgoing.put(_request(*p)) for p in PLANNED], daemon=True)
        feeder.start()
        with pytest.raises(grpc.RpcError) as ended:
            for response in stub.StreamTurns(requests(), timeout=60):
                if response.HasField("ack"):
                    acked[response.ack.turn.request_id] = response.ack.turn.turn_id
                    if len(acked) == KILL_AFTER:
                        proc.send_signal(signal.SIGKILL)
        outgoing.put(None)
    assert ended.value.code() == grpc.StatusCode.UNAVAILABLE
    assert proc.wait(10) == -signal.SIGKILL
    assert KILL_AFTER <= len(acked) < len(PLANNED)  # killed mid-stream; acks on the wire may land after it

    proc, port = start(tmp_path)
    server_process.append(proc)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.ConversationServiceStub(channel)
        stored: dict[str, list[int]] = {}
        for cid in CONVERSATIONS:
            package = stub.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid), timeout=10)
            for turn in package.transcript:
                stored.setdefault(turn.request_id, []).append(turn.turn_id)
        assert {r: stored.get(r) for r in acked} == {r: [turn_id] for r, turn_id in acked.items()}
        assert all(len(ids) == 1 for ids in stored.values())

        resent = list(stub.StreamTurns(iter([_request(*p) for p in PLANNED]), timeout=60))
        acks = {r.ack.turn.request_id: r.ack for r in resent if r.HasField("ack")}
        assert len(acks) == len(PLANNED)
        assert {r for r, ack in acks.items() if ack.duplicate} == set(stored)  # acknowledged, or stored in flight
        assert all(acks[r].turn.turn_id == turn_id for r, turn_id in acked.items())
        for cid in CONVERSATIONS:
            package = stub.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid), timeout=10)
            assert [t.turn_id for t in package.transcript] == list(range(1, len(PLANNED) // 2 + 1))
            assert len({t.request_id for t in package.transcript}) == len(PLANNED) // 2
