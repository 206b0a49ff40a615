"""Kill -9 in the middle of 1,000 turns, restart, and count what survived.

    python bench/crash_recovery.py [--turns 1000] [--conversations 20]

Four client threads append turns; after half of them are acknowledged the
server is killed with SIGKILL while appends are in flight. A new server starts
on the same data directory; every acknowledged turn must be there exactly once.
The clients then retry what was never acknowledged, with the same request ids,
and the final transcript must hold each turn exactly once, in order per client.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server._proto.handoff.v1 import handoff_pb2 as pb  # noqa: E402
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc  # noqa: E402


def start(data_dir: Path) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "HANDOFF_EMBEDDINGS": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "--log-level", "WARNING", "serve", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, text=True, env=env, cwd=Path(__file__).resolve().parents[1],
    )
    line = proc.stdout.readline() if proc.stdout else ""
    return proc, int(line.split()[3].rsplit(":", 1)[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--conversations", type=int, default=20)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="handoff-crash-"))
    proc, port = start(data_dir)
    conversations = [f"crash-{i}" for i in range(args.conversations)]
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.ConversationServiceStub(channel)
        for cid in conversations:
            stub.CreateConversation(pb.CreateConversationRequest(conversation_id=cid))

    planned = [(conversations[i % len(conversations)], f"req-{i}", f"turn number {i}") for i in range(args.turns)]
    acked: dict[str, int] = {}
    lock = threading.Lock()
    killed = threading.Event()
    errors = [0]

    def client(worker: int, target_port: int) -> None:
        with grpc.insecure_channel(f"127.0.0.1:{target_port}") as channel:
            stub = pb_grpc.ConversationServiceStub(channel)
            for cid, request_id, text in planned[worker::4]:
                if killed.is_set():
                    return
                try:
                    ack = stub.AppendTurn(
                        pb.AppendTurnRequest(conversation_id=cid, request_id=request_id, role=pb.CUSTOMER, text=text),
                        timeout=5,
                    )
                except grpc.RpcError:
                    errors[0] += 1
                    return
                with lock:
                    acked[request_id] = ack.turn.turn_id
                    if len(acked) >= args.turns // 2 and not killed.is_set():
                        proc.send_signal(signal.SIGKILL)
                        killed.set()

    threads = [threading.Thread(target=client, args=(w, port)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    proc.wait()
    acked_at_kill = dict(acked)
    print(f"sent {args.turns} planned turns over {args.conversations} conversations with 4 clients")
    print(f"killed with SIGKILL after {len(acked_at_kill)} acknowledgements ({errors[0]} calls cut off in flight)")

    proc, port = start(data_dir)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.ConversationServiceStub(channel)
            stored = {}
            for cid in conversations:
                package = stub.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid))
                for turn in package.transcript:
                    stored.setdefault(turn.request_id, []).append(turn.turn_id)
            missing = [r for r in acked_at_kill if r not in stored]
            doubled = [r for r, ids in stored.items() if len(ids) > 1]
            wrong_id = [r for r, turn_id in acked_at_kill.items() if stored.get(r, [None])[0] != turn_id]
            print(f"after restart: {len(acked_at_kill)} acknowledged, {len(missing)} missing, "
                  f"{len(doubled)} stored twice, {len(wrong_id)} with another turn id; "
                  f"{len(stored) - len(acked_at_kill)} stored but unacknowledged (in flight at the kill)")
            # retry everything with the same request ids: each turn must end up exactly once
            retried_duplicates = 0
            for cid, request_id, text in planned:
                ack = stub.AppendTurn(
                    pb.AppendTurnRequest(conversation_id=cid, request_id=request_id, role=pb.CUSTOMER, text=text)
                )
                retried_duplicates += ack.duplicate
            total = 0
            for cid in conversations:
                package = stub.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid))
                ids = [t.turn_id for t in package.transcript]
                assert ids == list(range(1, len(ids) + 1)), f"{cid}: turn ids not gapless"
                total += len({t.request_id for t in package.transcript})
            print(f"after retrying all {args.turns}: {retried_duplicates} recognised as already applied, "
                  f"{total} distinct turns stored (expected {args.turns})")
            ok = not missing and not doubled and not wrong_id and total == args.turns
            print("RESULT:", "every acknowledged turn exactly once" if ok else "LOSS OR DUPLICATION")
            sys.exit(0 if ok else 1)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    start_time = time.time()
    main()
